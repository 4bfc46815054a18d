/* The board's agent table: state, time in state, away time, calls, the current call, the phone, the actions. */
import { $, el } from "../core/dom.js";
import { t, tOr } from "../core/i18n.js";
import { secondsSince } from "../core/time.js";
import { WB, wbAwayLevel, wbAwaySources, wbClock, wbNum, wbQueueName, wbReasonLabel, wbTimeOfDay } from "../wallboard/model.js";
import { closeAction, joinConference, openAction, spy } from "./actions.js";
import { B } from "./state.js";

export const AGENT_COLS = ["name", "seat", "state", "time_in_state", "away", "calls_today", "current_call", "phone",
                    "actions"];

export function renderAgentHead() {
  const tr = $("board-agent-head");
  tr.textContent = "";
  for (const k of AGENT_COLS) {
    tr.appendChild(el("th", { scope: "col", class: ["time_in_state", "away", "calls_today"].includes(k) ? "num" : null,
                              title: tOr(`board.def.agent_${k}`, null), text: t(`board.agent_col.${k}`) }));
  }
}

export function agentSortKey(a) {
  const out = a.state === "logged_out" ? 1 : 0;
  return [out, (a.display_name || a.username || "").toLowerCase(), a.username];
}

export function compareAgents(x, y) {
  const a = agentSortKey(x);
  const b = agentSortKey(y);
  for (let i = 0; i < a.length; i += 1) {
    if (a[i] < b[i]) return -1;
    if (a[i] > b[i]) return 1;
  }
  return 0;
}

export function makeAgentRow(username) {
  const u = username;
  const r = { username: u };
  r.tr = el("tr", { "data-testid": `board-agent-row-${u}`, "data-username": u });
  r.name = el("td", { class: "wb-aname" });
  r.seat = el("td", { class: "mono" });
  r.state = el("span", { class: "wb-state", "data-testid": `board-agent-state-${u}` });
  r.time = el("td", { class: "num mono", "data-testid": `board-agent-time-${u}` });
  r.away = el("td", { class: "num", "data-testid": `board-agent-away-${u}` });
  r.awayTime = el("span", { class: "wb-away-time" });
  r.awayNote = el("span", { class: "wb-away-note", "data-testid": `board-agent-away-note-${u}` });
  r.away.append(r.awayTime, r.awayNote);
  r.calls = el("td", { class: "num", "data-testid": `board-agent-calls-${u}` });
  r.call = el("td", { "data-testid": `board-agent-call-${u}` });
  r.phone = el("td", { class: "wb-phone", "data-testid": `board-agent-phone-${u}` });
  const btn = (kind, cls, onclick) => el("button", { type: "button", class: `small ${cls}`,
                                                     "data-testid": `board-${kind}-${u}`, onclick });
  r.listen = btn("listen", "secondary", () => spy(u, "listen"));
  r.whisper = btn("whisper", "secondary", () => spy(u, "whisper"));
  r.barge = btn("barge", "secondary", () => spy(u, "barge"));
  // the agent's conference (js/agent/conference.js): join it listening (muted) or talking
  r.joinListen = btn("join-listen", "secondary", () => joinConference(u, "listen"));
  r.joinTalk = btn("join-talk", "secondary", () => joinConference(u, "talk"));
  r.pause = btn("pause", "secondary", () => openAction(u, "pause"));
  r.logout = btn("logout", "danger", () => openAction(u, "logout"));
  r.actions = el("div", { class: "wb-actions" }, el("div", {}, r.listen, r.whisper, r.barge),
                 el("div", {}, r.joinListen, r.joinTalk), el("div", {}, r.pause, r.logout));
  r.tr.append(r.name, r.seat, el("td", {}, r.state), r.time, r.away, r.calls, r.call, r.phone,
              el("td", { class: "actions" }, r.actions));
  return r;
}

export function deviceLabel(d) {
  if (!d) return "—";
  return tOr(`agent.device.${String(d).toLowerCase()}`, d);
}

export function updateAgentRow(r, a) {
  const u = r.username;
  const state = a.state || "logged_out";
  r.tr.dataset.state = state;
  r.name.textContent = "";
  r.name.append(el("strong", { text: a.display_name || u }),
                a.display_name && a.display_name !== u ? el("span", { class: "muted small", text: ` ${u}` }) : "");
  r.seat.textContent = a.extension || "—";
  r.state.dataset.state = state;
  r.state.dataset.reason = a.reason || "";
  r.state.textContent = tOr(`agent.state.${state}`, state);
  if (state === "paused" && a.reason) {
    r.state.appendChild(el("span", { class: "wb-reason", text: wbReasonLabel(a.reason) }));
  }
  r.calls.textContent = wbNum(a.calls_today);
  r.call.textContent = a.caller_number || a.call_queue
    ? [a.caller_number || t("board.unknown_number"), a.call_queue ? wbQueueName(a.call_queue) : ""].filter(Boolean).join(" · ")
    : "";
  r.phone.textContent = state === "logged_out" ? "" : deviceLabel(a.device);
  r.phone.classList.toggle("wb-warn-text", state !== "logged_out" && String(a.device || "").toLowerCase() === "unavailable");
  const loggedIn = state !== "logged_out";
  r.actions.hidden = !loggedIn;
  const onCall = state === "on_call";
  for (const [b, kind] of [[r.listen, "listen"], [r.whisper, "whisper"], [r.barge, "barge"]]) {
    b.textContent = t(`board.action.${kind}`);
    b.disabled = !onCall;
    b.title = onCall ? t(`board.action.${kind}_title`) : t("board.action.spy_needs_call");
  }
  for (const [b, kind] of [[r.joinListen, "join_listen"], [r.joinTalk, "join_talk"]]) {
    b.textContent = t(`board.action.${kind}`);
    b.disabled = !onCall; // whether the call is a conference is the server's to say (409 otherwise)
    b.title = onCall ? t(`board.action.${kind}_title`) : t("board.action.spy_needs_call");
  }
  const busy = state === "ringing" || state === "on_call";
  r.pause.textContent = t("board.action.pause");
  r.pause.disabled = busy;
  r.pause.title = busy ? t("board.action.not_while_busy") : t("board.action.pause_title");
  r.logout.textContent = t("board.action.logout");
  r.logout.disabled = busy;
  r.logout.title = busy ? t("board.action.not_while_busy") : t("board.action.logout_title");
  if (!loggedIn && B.action && B.action.username === u) closeAction();
  tickAgent(r, a);
}

export function tickAgent(r, a) {
  const state = a.state || "logged_out";
  const inState = state === "logged_out" ? null : secondsSince(a.since);
  const text = inState === null ? "" : wbClock(inState);
  if (r.time.textContent !== text) r.time.textContent = text;
  const level = wbAwayLevel(a);
  let away = "";
  let note = "";
  if (a.away) {
    const secs = secondsSince(a.away_since);
    away = secs === null ? "" : wbClock(secs);
    if (level === "violation") away = `${away} ${t("board.violation")}`.trim();
    // on approved leave: until when; away for another cause than the pause shown in the state column: why
    if (a.away_approved_until) note = t("seat.approved_until_row", { time: wbTimeOfDay(a.away_approved_until) });
    const other = (a.away_sources || []).filter((x) => x !== "pause");
    if (other.length) {
      const why = wbAwaySources(other, "", "");
      note = note ? `${note} · ${why}` : why;
    }
  }
  if (r.awayTime.textContent !== away) r.awayTime.textContent = away;
  if (r.awayNote.textContent !== note) r.awayNote.textContent = note;
  r.away.dataset.approved = a.away && a.away_approved_until ? "true" : "false";
  if (r.away.dataset.level !== level) {
    r.away.dataset.level = level;
    r.tr.dataset.away = level;
  }
}

export function renderAgents(changed) {
  const body = $("board-agent-rows");
  const names = changed || Object.keys(WB.agents);
  for (const u of names) {
    const a = WB.agents[u];
    if (!a) continue;
    let r = B.rows.get(u);
    if (!r) {
      r = makeAgentRow(u);
      B.rows.set(u, r);
    }
    updateAgentRow(r, a);
  }
  for (const [u, r] of B.rows) {
    if (!WB.agents[u]) {
      r.tr.remove();
      B.rows.delete(u);
      if (B.action && B.action.username === u) closeAction();
    }
  }
  // the order: logged-in agents by name, then logged-out ones; only touch the DOM when it changed
  const order = Object.values(WB.agents).sort(compareAgents).map((a) => a.username);
  const current = [...body.children].filter((n) => n.dataset.username && !n.classList.contains("wb-action-row"))
    .map((n) => n.dataset.username);
  if (order.join("\n") !== current.join("\n")) {
    for (const u of order) {
      const r = B.rows.get(u);
      if (!r) continue;
      body.appendChild(r.tr);
      if (B.action && B.action.username === u && B.action.tr) body.appendChild(B.action.tr);
    }
  }
  const all = Object.values(WB.agents);
  const inn = all.filter((a) => a.state && a.state !== "logged_out").length;
  $("board-agent-count").textContent = all.length ? t("board.agent_count", { n: inn, total: all.length }) : "";
  $("board-agents-none").hidden = all.length > 0 || !WB.ready;
}

export function tickAgents() {
  for (const [u, r] of B.rows) {
    const a = WB.agents[u];
    if (a) tickAgent(r, a);
  }
}
