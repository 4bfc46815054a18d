/* Today's calls at this seat (GET /api/agent/calls/today), reloaded when a call ends. */

import { call } from "../core/api.js";
import { $, el } from "../core/dom.js";
import { t } from "../core/i18n.js";
import { parseServerTime, fmtClock } from "../core/time.js";
import { S, fmtShort } from "./state.js";
import { outcomeLabel, directionLabel } from "./records.js";

let todaySeq = 0;

export async function loadToday() {
  const seq = ++todaySeq;
  const r = await call("GET", "/api/agent/calls/today");
  if (seq !== todaySeq) return; // a newer load is under way
  if (r.ok && Array.isArray(r.data)) {
    S.today = r.data;
    renderToday();
  }
}

export function renderToday() {
  const box = $("today-calls");
  box.textContent = "";
  const calls = [...S.today].sort((a, b) => (parseServerTime(b.arrived_at || b.answered_at) || 0)
                                            - (parseServerTime(a.arrived_at || a.answered_at) || 0));
  const answered = calls.filter((c) => c.answered_at).length;
  const talk = calls.reduce((sum, c) => sum + (c.talk_seconds || 0), 0);
  $("today-count").textContent = calls.length
    ? t("agent.today_summary", { n: calls.length, answered, talk: fmtClock(talk) }) : "";
  if (!calls.length) {
    box.appendChild(el("p", { class: "muted", text: t("agent.today_none") }));
    return;
  }
  const tbody = el("tbody");
  for (const c of calls) {
    tbody.appendChild(el("tr", { class: c.in_progress ? "in-progress" : "", "data-uniqueid": c.uniqueid },
      el("td", { class: "time", text: fmtShort(c.arrived_at || c.answered_at) }),
      el("td", { class: "direction", text: directionLabel(c.direction) }),
      el("td", { text: c.caller_number || t("agent.unknown_number") }),
      el("td", { text: c.queue || "—" }),
      el("td", { class: "num", text: c.wait_seconds !== null && c.wait_seconds !== undefined ? fmtClock(c.wait_seconds) : "" }),
      el("td", { class: "num", text: c.talk_seconds ? fmtClock(c.talk_seconds) : "" }),
      el("td", { text: c.in_progress ? t("agent.in_progress") : outcomeLabel(c.outcome) })));
  }
  box.appendChild(el("table", { class: "grid" },
    el("thead", {}, el("tr", {},
      el("th", { text: t("agent.col_time") }), el("th", { text: t("agent.col_direction") }),
      el("th", { text: t("agent.col_caller") }),
      el("th", { text: t("agent.col_queue") }), el("th", { class: "num", text: t("agent.col_wait") }),
      el("th", { class: "num", text: t("agent.col_talk") }), el("th", { text: t("agent.col_outcome") }))),
    tbody));
}
