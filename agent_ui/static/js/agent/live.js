/* What the server says, applied: the websocket /ws/agent ("hello" rebuilds the whole view, then "state", "pop",
 * "pop_phase", "pop_cleared", "notice", "discipline", "notice_published", "notice_withdrawn") and the answers of
 * /api/agent/me and the state actions. */

import { $, showStatus } from "../core/dom.js";
import { t } from "../core/i18n.js";
import { parseServerTime } from "../core/time.js";
import { liveSocket, showLiveStatus } from "../core/socket.js";
import { S } from "./state.js";
import { renderAgent, renderReasons, renderControls } from "./status_bar.js";
import { loadSeats, loadSkills } from "./seat.js";
import { renderPop, resetPopForms } from "./pop.js";
import { adoptRecording } from "./phone.js";
import { loadToday } from "./today.js";
import { loadMyQc } from "./my_qc.js";
import { refreshSeat, onDiscipline } from "./discipline.js";
import { loadNotices, onNoticeMessage } from "./notices.js";
import { onHelpTaken } from "./help.js";

function focusIsFree() {
  const a = document.activeElement;
  return !a || a === document.body || a.tagName === "BUTTON";
}

function noticeText(m) {
  const key = { "board.pause": "agent.notice_pause", "board.logout": "agent.notice_logout",
                "help.take": "agent.notice_help_take" }[m.action];
  if (m.action === "help.take") return t(key, { by: m.by || "", how: t(`agent.help_how.${m.text}`) });
  const text = key ? t(key, { by: m.by || "" }) : String(m.text || "");
  return m.note ? `${text}: ${m.note}` : text;
}

/* ``authoritative``: from the websocket (in order) or a fresh /me. An HTTP action's answer may be older than a
 * websocket message that overtook it, so it is applied only if its state is not older than the one shown. */
export function applyAgent(agent, authoritative) {
  if (!agent) return;
  if (!authoritative && S.agent) {
    const mine = parseServerTime(S.agent.since);
    const theirs = parseServerTime(agent.since);
    if (mine !== null && theirs !== null && theirs < mine) return;
  }
  const prev = S.agent ? S.agent.state : null;
  const prevQueues = S.agent ? JSON.stringify(S.agent.queues || {}) : "";
  S.agent = agent;
  if (prev !== agent.state) S.doneArmedUntil = 0;
  if (agent.state === "logged_out" && prev !== "logged_out" && prev !== null) loadSeats();
  if (agent.state !== "logged_out" && (prev === "logged_out" || prev === null
                                       || prevQueues !== JSON.stringify(agent.queues || {}))) {
    loadSkills();
  }
  if (prev === "logged_out" && agent.state !== "logged_out") loadToday();
  if (prev !== null && (prev === "logged_out") !== (agent.state === "logged_out")) refreshSeat(); // seated / left
  renderAgent();
}

export function applyPop(pop) {
  if (!pop) {
    S.pop = null;
  } else {
    const p = { ...pop };
    p.recent_calls = Array.isArray(p.recent_calls) ? p.recent_calls : [];
    p.service_records = Array.isArray(p.service_records) ? p.service_records : [];
    p.open_follow_ups = Array.isArray(p.open_follow_ups) ? p.open_follow_ups : [];
    p.ivr_path = Array.isArray(p.ivr_path) ? p.ivr_path : [];
    const mine = S.local[p.call_uniqueid];
    if (mine) { // what this page created/changed for the call, which the server's copy of the pop may lack
      if (mine.customer && (!p.customer || p.customer.id === mine.customer.id)) p.customer = mine.customer;
      for (const rec of mine.records) {
        if (!p.service_records.some((x) => x.id === rec.id)) p.service_records.unshift(rec);
        if (rec.follow_up_needed && !rec.follow_up_done_at && !p.open_follow_ups.some((x) => x.id === rec.id)) {
          p.open_follow_ups.unshift(rec);
        }
      }
    }
    S.pop = p;
    if (S.formsFor !== p.call_uniqueid) resetPopForms();
  }
  renderPop();
  renderControls();
}

export function localFor(uid) {
  if (!S.local[uid]) S.local[uid] = { customer: null, records: [] };
  return S.local[uid];
}

export function setWs(state) {
  S.wsState = state;
  showLiveStatus($("ws-status"), $("ws-banner"), state, S.reconnectAt, "agent");
}

/* /ws/agent (core/socket.js: keep-alive, reconnect, close codes); a closed session goes to the login page. */
export function connect() {
  S.socket = liveSocket("/ws/agent", {
    onMessage,
    onState: (state, sock) => {
      S.wsEverOpened = sock.everOpened;
      S.reconnectAt = sock.reconnectAt;
      setWs(state);
    },
    onLoggedOut: () => window.location.replace("index.html"),
  });
}

/* One message from the socket (an object). */
export function onMessage(m) {
  switch (m.type) {
    case "hello":
      if (Array.isArray(m.pause_reasons)) {
        S.reasons = m.pause_reasons;
        renderReasons();
      }
      applyAgent(m.agent, true);
      applyPop(m.pop || null);
      adoptRecording(m.recording_muted);
      loadToday(); // calls may have ended while the socket was down
      loadMyQc(); // a call may have been scored meanwhile
      refreshSeat(); // the away time and the leave-seat request may have moved meanwhile
      loadNotices(); // notices may have been published or withdrawn meanwhile
      break;
    case "state":
      applyAgent(m.agent, true);
      break;
    case "pop":
      applyPop(m.pop);
      if (S.pop) $("pop-card").scrollIntoView({ block: "nearest" });
      break;
    case "pop_phase":
      if (S.pop && S.pop.call_uniqueid === m.call_uniqueid) {
        S.pop.phase = m.phase;
        if (m.at) S.pop[`${m.phase}_at`] = m.at;
        renderPop();
        renderControls();
        if (m.phase === "active" && focusIsFree() && !S.customerMode) $("record-text").focus();
      }
      if (m.phase === "wrapup") loadToday();
      break;
    case "pop_cleared":
      if (S.pop && S.pop.call_uniqueid === m.call_uniqueid) {
        S.lastCleared = { number: S.pop.caller_number, why: m.why };
        delete S.local[m.call_uniqueid];
        applyPop(null);
      }
      loadToday();
      break;
    case "notice": // a supervisor paused or logged this agent out from the board, or took their help request
      if (m.action === "help.take") onHelpTaken(m);
      showStatus($("agent-error"), () => noticeText(m), "warn");
      break;
    case "discipline": // seat discipline: away warning / violation, my leave-seat request decided or lapsed
      onDiscipline(m);
      break;
    case "notice_published": // a notice (通告) to this agent: on top of the unread ones
    case "notice_withdrawn":
      onNoticeMessage(m);
      break;
    default:
      break; // pong, and anything newer than this page
  }
}
