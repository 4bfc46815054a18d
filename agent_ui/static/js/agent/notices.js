/* The agent desktop's notices panel (通告; issue 16, 3.; docs/notices.md, docs/agent-desktop.md): the notices
 * addressed to the agent that are valid now and not yet acknowledged, shown first when the desktop opens
 * (GET /api/notices/unread: newest first), each with its text (as typed: never HTML), its file as a download and
 * an "Acknowledge" button (POST /api/notices/{id}/acknowledge; the notice then leaves the list); and, folded, the
 * latest shift handover's notices read-only (GET /api/notices/handover).
 *
 * Live: live.js hands it the socket's "notice_published" (added on top) and "notice_withdrawn" (taken off)
 * messages, and "hello" reloads it (messages may have been missed while the socket was down). A notice past its
 * valid_until leaves the list on the server's clock (checked every 15 s; the server leaves it out too). It fills
 * the page's #notices-panel; agent.js only mounts it. */

import "../i18n/notices.js";
import { call, serverMessage } from "../core/api.js";
import { $, el, showStatus } from "../core/dom.js";
import { t } from "../core/i18n.js";
import { parseServerTime, serverNow } from "../core/time.js";
import { fmtShort } from "./state.js";

const N = {
  unread: [],        // NoticeOut, newest first
  handover: null,    // HandoverNoticesOut
  busy: new Set(),   // ids being acknowledged
  asked: 0,          // the newest load asked
};

const failText = (r) => (r.status === 0 ? t("common.network_error") : t("common.error", { message: serverMessage(r) }));

function current(n) {
  const until = parseServerTime(n.valid_until);
  return n.state === "active" && (until === null || until > serverNow());
}

function fmtSize(n) {
  return n >= 1048576 ? `${(n / 1048576).toFixed(1)} MiB` : `${Math.max(1, Math.round(n / 1024))} KiB`;
}

function fileLink(n) {
  if (!n.file) return null;
  return el("a", { href: `/api/notices/${n.id}/file`, download: n.file.name, "data-testid": "notice-file",
                   text: t("notices.download", { name: n.file.name, size: fmtSize(n.file.size) }) });
}

function unreadItem(n) {
  const busy = N.busy.has(n.id);
  return el("li", { class: "notice-item", "data-testid": "notice-item", "data-notice-id": n.id },
    el("div", { class: "notice-head" },
      el("strong", { class: "notice-title", "data-testid": "notice-title", text: n.title }),
      el("span", { class: "muted small", text: t("notices.desk.from", { by: n.published_by,
                                                                      at: fmtShort(n.published_at) }) }),
      n.valid_until ? el("span", { class: "muted small", text: t("notices.desk.until",
                                                                 { at: fmtShort(n.valid_until) }) }) : null),
    el("div", { class: "notice-text", "data-testid": "notice-text", text: n.text }),
    fileLink(n),
    el("div", { class: "notice-actions" },
      el("button", { type: "button", class: "small", "data-testid": "notice-ack", disabled: busy,
                     onclick: () => acknowledge(n), text: t("notices.desk.ack") })));
}

function handoverPart() {
  const h = N.handover;
  if (!h || !h.handover || !h.items.length) return null;
  const w = h.handover;
  return el("details", { class: "notice-handover", "data-testid": "notice-handover" },
    el("summary", {}, t("notices.desk.handover"), " ",
       el("span", { class: "muted small", text: t("notices.handover_of", { day: w.day, shift: w.shift || "",
                                                                          author: w.author }) })),
    el("ul", { class: "notice-list" }, h.items.map((n) => el("li", {
      class: "notice-item", "data-testid": "notice-handover-item", "data-state": n.state },
      el("div", { class: "notice-head" },
        el("strong", { text: n.title }),
        el("span", { class: "badge", text: n.state === "active"
          ? t(n.acknowledged_at ? "notices.desk.read" : "notices.desk.unread") : t(`notices.state.${n.state}`) }),
        el("span", { class: "muted small", text: t("notices.desk.from", { by: n.published_by,
                                                                        at: fmtShort(n.published_at) }) })),
      el("div", { class: "notice-text", text: n.text }),
      fileLink(n)))));
}

export function renderNotices() {
  const box = $("notices-panel");
  if (!box) return;
  N.unread = N.unread.filter(current);
  const part = handoverPart();
  box.hidden = !N.unread.length && !part;
  const status = $("notices-status");
  box.replaceChildren(
    el("div", { class: "notice-panel-head" },
      el("h2", { text: t("notices.desk.heading") }),
      el("span", { class: "badge", "data-testid": "notices-count",
                   text: t("notices.desk.count", { count: N.unread.length }) })),
    status || el("p", { id: "notices-status", class: "status", "data-testid": "notices-status", role: "status" }),
    el("ul", { class: "notice-list", "data-testid": "notices-unread" }, N.unread.map(unreadItem)),
    ...(part ? [part] : []));
}

async function acknowledge(n) {
  N.busy.add(n.id);
  renderNotices();
  const r = await call("POST", `/api/notices/${n.id}/acknowledge`);
  N.busy.delete(n.id);
  if (r.ok) {
    N.unread = N.unread.filter((x) => x.id !== n.id);
    const h = N.handover;
    if (h) for (const x of h.items) if (x.id === n.id) x.acknowledged_at = r.data.acknowledged_at;
  }
  renderNotices();
  if (r.ok) showStatus($("notices-status"), () => t("notices.desk.acked", { title: n.title }), "ok");
  else showStatus($("notices-status"), () => failText(r), "error");
  if ($("notices-panel").hidden && r.ok) $("notices-panel").hidden = false; // keep the confirmation in sight
}

export async function loadNotices() {
  const asked = ++N.asked;
  const [unread, handover] = await Promise.all([call("GET", "/api/notices/unread"),
                                                call("GET", "/api/notices/handover")]);
  if (asked !== N.asked) return; // a newer load is on its way
  if (unread.ok) N.unread = unread.data.items;
  if (handover.ok) N.handover = handover.data;
  renderNotices();
  if (!unread.ok) {
    $("notices-panel").hidden = false;
    showStatus($("notices-status"), () => failText(unread), "error");
  }
}

/* The socket's notice messages (live.js). */
export function onNoticeMessage(m) {
  if (m.type === "notice_published" && m.notice) {
    N.unread = [m.notice, ...N.unread.filter((x) => x.id !== m.notice.id)];
    renderNotices();
    showStatus($("notices-status"), () => t("notices.desk.new", { title: m.notice.title }), "warn");
  } else if (m.type === "notice_withdrawn") {
    const gone = N.unread.find((x) => x.id === m.notice_id);
    N.unread = N.unread.filter((x) => x.id !== m.notice_id);
    const h = N.handover;
    if (h) for (const x of h.items) if (x.id === m.notice_id) x.state = "withdrawn";
    renderNotices();
    if (gone) showStatus($("notices-status"), () => t("notices.desk.withdrawn", { title: gone.title,
                                                                                   reason: m.reason }), "warn");
  }
}

export function initNoticesPanel() {
  document.addEventListener("cc:langchange", renderNotices);
  setInterval(() => {
    if (N.unread.some((n) => !current(n))) renderNotices();
  }, 15000);
  loadNotices();
}

window.ccNotices = N; // for tests and debugging
