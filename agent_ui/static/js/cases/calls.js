/* The case's linked calls, each playable by those the recordings API lets hear it (QC, supervisors, admins any
 * recording; an agent their own calls QC has scored): "Listen" asks GET /api/recordings/of-call/{uniqueid} and
 * opens the recording player (js/player.js, the one the QC page uses) under that call. A 403 says plainly that
 * this user is not allowed to hear it; a call without a recording says so. One player at a time. */

import { api, errorText } from "../core/api.js";
import { $, el, showStatus } from "../core/dom.js";
import { t } from "../core/i18n.js";
import { ccPlayer } from "../player.js";
import { C, fmtDateTime } from "./state.js";

let player = null; // {uid, p}

export function closePlayer() {
  if (player) player.p.destroy();
  player = null;
}

async function listen(x, li) {
  const box = li.querySelector(".cases-call-player");
  const status = li.querySelector(".cases-call-status");
  if (player && player.uid === x.call_uniqueid) { // a second click closes it
    closePlayer();
    return;
  }
  closePlayer();
  showStatus(status, () => t("cases.call_loading"), "");
  const r = await api("GET", `/api/recordings/of-call/${encodeURIComponent(x.call_uniqueid)}`);
  if (!C.detail || !li.isConnected) return;
  if (!r.ok) {
    if (r.status === 403) showStatus(status, () => t("cases.call_not_allowed"), "error");
    else if (r.status === 404) showStatus(status, () => t("cases.call_no_recording"), "warn");
    else showStatus(status, () => errorText(r), "error");
    return;
  }
  showStatus(status, "");
  player = { uid: x.call_uniqueid, p: ccPlayer(box, { recordingId: r.data.id, duration: r.data.duration_seconds }) };
}

export function renderCalls() {
  const d = C.detail;
  const ul = $("cases-calls");
  const keep = player ? player.uid : null;
  // the player survives a redraw of the same calls (a pushed change, the language switch)
  const same = ul.dataset.number === d.number
    && ul.dataset.calls === (d.calls || []).map((x) => x.call_uniqueid).join(",");
  if (same) {
    for (const li of ul.children) {
      li.querySelector(".cases-call-listen").textContent = t("cases.call_listen");
      const x = (d.calls || []).find((c) => c.call_uniqueid === li.dataset.uid);
      if (x) li.querySelector(".cases-call-meta").textContent = meta(x);
    }
  } else {
    if (keep) closePlayer();
    ul.textContent = "";
    for (const x of d.calls || []) {
      const li = el("li", { "data-testid": "cases-call", "data-uid": x.call_uniqueid, class: "cases-call" });
      li.append(
        el("span", { class: "mono", text: x.call_uniqueid }),
        el("span", { class: "muted small cases-call-meta", text: meta(x) }), " ",
        el("button", { type: "button", class: "secondary small cases-call-listen", "data-testid": "cases-call-listen",
                       text: t("cases.call_listen"), onclick: () => listen(x, li) }),
        el("p", { class: "status small cases-call-status", "data-testid": "cases-call-status", role: "status" }),
        el("div", { class: "cases-call-player" }));
      ul.appendChild(li);
    }
    ul.dataset.number = d.number;
    ul.dataset.calls = (d.calls || []).map((x) => x.call_uniqueid).join(",");
  }
  $("cases-calls-none").hidden = (d.calls || []).length > 0;
}

function meta(x) {
  return ` ${t("cases.linked_by", { who: x.linked_by })} · ${fmtDateTime(x.linked_at)}`;
}
