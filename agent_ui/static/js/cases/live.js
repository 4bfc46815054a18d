/* The cases socket (/ws/cases): a case that changed comes as {"type": "case", "case": CaseOut} and replaces its
 * row (and reloads the open detail, whose calls, files and timeline the message does not carry); a notice to
 * this user (a clock escalated to them, an incident, the monthly review's reminder or deadline, an employee
 * flagged) comes as {"type": "case_notice", ...} and is shown at the top of the page
 * until dismissed; those told while this page was not open are read back on start (GET /api/cases/notices, the
 * last 72 hours). The socket reconnects on close (core/socket.js); without it (a server without /ws/cases, a
 * lost connection) the page still reloads the list every 20 s. */

import { liveSocket } from "../core/socket.js";
import { call } from "../core/api.js";
import { $, el } from "../core/dom.js";
import { getLang, t } from "../core/i18n.js";
import { C, stampClocks, clockLabel, escalatedToLabel, fmtDateTime } from "./state.js";
import { loadList, replaceInList } from "./list.js";
import { openDetail } from "./detail.js";

const NOTICES_KEPT = 5;
let reloadTimer = null;
let detailTimer = null;

/* Soon, once for a burst of messages: a list reload (a pushed case may now match the filters, or no more). */
function reloadSoon() {
  clearTimeout(reloadTimer);
  reloadTimer = setTimeout(loadList, 1000);
}

function onCase(c) {
  if (!c || !c.number) return;
  stampClocks(c);
  replaceInList(c);
  reloadSoon();
  if (C.detail && C.detail.number === c.number) {
    clearTimeout(detailTimer);
    detailTimer = setTimeout(() => { if (C.detail && C.detail.number === c.number) openDetail(c.number, true); }, 300);
  }
}

/* A notice in words, in the page's language: an escalation written here from its fields (its time as the page
 * writes times); an incident, or a kind this page does not know, in the server's own text (CaseNotice.text: en,
 * zh-CN). */
function noticeText(m) {
  const vars = { number: m.number || "", clock: clockLabel(m.clock), level: m.level || "",
                 to: escalatedToLabel(m.to) || "—", numbers: (m.numbers || []).join(", "),
                 at: m.at ? fmtDateTime(m.at) : "—" };
  if (m.kind === "case_escalated") return t("cases.notice.escalated", vars);
  const own = m.text && (m.text[getLang()] || m.text.en);
  if (own) return own;
  if (m.kind === "incident") return t("cases.notice.incident", vars);
  return t("cases.notice.other", vars);
}

const REVIEW_KINDS = ["review_due", "review_overdue", "employee_flagged"];

/* Where a notice leads: the monthly review's page (its month; a flag: the page's flags), else the case. */
function noticeLink(n) {
  if (REVIEW_KINDS.includes(n.kind)) {
    const month = /^\d{4}-\d\d$/.test(n.month || "") ? `?month=${n.month}` : "";
    return el("a", { href: `review.html${month}`, "data-testid": "cases-notice-review", text: t("cases.notice.open") });
  }
  const number = n.number || "";
  return number ? el("a", { href: `#case-${number}`, class: "mono", text: t("cases.notice.open"),
                            onclick: (ev) => { ev.preventDefault(); openDetail(number); } }) : null;
}

export function renderNotices() {
  const ul = $("cases-notices");
  ul.textContent = "";
  for (const n of C.notices) {
    const number = n.number || "";
    ul.appendChild(el("li", { class: "cases-notice", "data-testid": "cases-notice", "data-number": number,
                              "data-kind": n.kind || "" },
      el("span", { text: noticeText(n) }), " ",
      noticeLink(n), " ",
      el("button", { type: "button", class: "secondary small", "data-testid": "cases-notice-dismiss",
                     text: t("cases.notice.dismiss"),
                     onclick: () => { C.notices = C.notices.filter((x) => x !== n); renderNotices(); } })));
  }
  ul.hidden = C.notices.length === 0;
}

const noticeKey = (m) => `${m.kind}|${m.number}|${m.clock}|${m.level}|${m.month}|${m.employee}|${Date.parse(m.at)}`;

function onNotice(m) {
  if (C.notices.some((n) => noticeKey(n) === noticeKey(m))) return;  // read back and pushed: shown once
  C.notices = [m, ...C.notices].slice(0, NOTICES_KEPT);
  renderNotices();
}

/* The notices told to this user in the last 72 hours (while no cases page was open), oldest added first so the
 * newest stays on top; a pushed one already shown is not added twice. */
async function loadNotices() {
  const r = await call("GET", "/api/cases/notices");
  if (!r.ok || !r.data) return;
  for (const m of [...r.data.items].reverse()) onNotice(m);
}

export function onLiveMessage(m) {
  if (m.type === "case") onCase(m.case);
  else if (m.type === "case_notice") onNotice(m);
}

/* The badge in the header (#ws-status): live, or not (then the list reloads every 20 s). */
function showState(state) {
  const badge = $("ws-status");
  if (!badge) return;
  badge.dataset.ws = state;
  badge.textContent = t(`cases.ws.${state}`);
  badge.title = state === "open" ? "" : t("cases.ws_fallback");
}

export function startLive() {
  C.notices = [];
  C.socket = liveSocket("/ws/cases", {
    onMessage: onLiveMessage,
    onState: (state) => { C.wsState = state; showState(state); },
    onLoggedOut: () => { window.location.href = "index.html"; },
  });
  document.addEventListener("cc:langchange", () => { showState(C.wsState); renderNotices(); });
  loadNotices();
}
