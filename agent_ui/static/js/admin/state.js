/* The admin page's state: what the server sent (meta, users, seats, queues, pause reasons), the open edit forms. */
import { call, errorText } from "../core/api.js";
import { $, showStatus } from "../core/dom.js";

export const TABS = ["users", "seats", "queues", "reasons"];
export const S = {
  user: null,
  meta: null,
  users: [],
  seats: [],
  queues: [],
  reasons: [],
  tab: "users",
  editing: { user: null, seat: null, queue: null, reason: null }, // id / extension / name / code
};

export const dash = (key) => key.replace(/_/g, "-");

const renderers = {};

/* The table of ``what`` to redraw after each load (each panel registers its own). */
export function onLoaded(what, render) {
  renderers[what] = render;
}

export async function load(what) {
  const paths = { users: "/api/admin/users", seats: "/api/admin/seats", queues: "/api/admin/queues",
                  reasons: "/api/admin/pause-reasons" };
  const r = await call("GET", paths[what]);
  if (!r.ok) {
    const status = { users: "admin-user-list-status", seats: "admin-seat-list-status",
                     queues: "admin-queue-list-status", reasons: "admin-reason-list-status" }[what];
    showStatus($(status), () => errorText(r), "error");
    return false;
  }
  S[what] = r.data;
  renderers[what]();
  return true;
}
