/* The agent desktop's state, shared by its panels: what the server last said, what the agent may do now, and
 * the small helpers every panel formats with. */

import { errorText, serverMessage } from "../core/api.js";
import { $, showStatus } from "../core/dom.js";
import { t, tOr, getLang } from "../core/i18n.js";
import { pad2, parseServerTime } from "../core/time.js";

export const S = {
  user: null,
  agent: null, // AGENT as the server last told us
  pop: null, // POP on screen (ringing / active / wrapup)
  reasons: [], // pause reasons [{code, label_zh, label_en, away, system}]
  seats: [],
  skills: [],
  outside: [], // the outside numbers a transfer may reach (exact numbers, or patterns where X is any digit)
  today: [],
  formsFor: null, // the call_uniqueid the pop forms were last reset for
  customerMode: null, // null | "new" | "edit"
  local: {}, // call_uniqueid → {customer, records: []} created/changed here (kept across a reconnect's hello)
  lastCleared: null, // {number, why} of the last pop that went away
  busy: false, // a state action is in flight
  pending: null, // the action asked for while one was in flight
  doneArmedUntil: 0, // "done — ready" pressed with an unsaved record: a second press within CONFIRM_MS goes on
  socket: null, // the liveSocket() of /ws/agent
  wsState: "connecting", // connecting | open | reconnecting | refused
  wsEverOpened: false,
  reconnectAt: 0, // when the next connection attempt is due (ms)
  recording: { call: null, muted: false }, // the current call's recording as this page muted it
  // seat discipline (docs/seat-discipline.md): my away episode now (AWAY of /api/seat/me, or from a push), my
  // leave-seat request (the live one, or the last one decided / ended while this page was open)
  seat: { away: null, request: null, settings: {}, seq: 0, busy: false },
};

/* A short time: "14:05" today, "03-02 14:05" otherwise (the year only when it is not this one). */
export function fmtShort(v) {
  const ms = parseServerTime(v);
  if (ms === null) return "";
  const d = new Date(ms);
  const now = new Date();
  const hm = `${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
  if (d.toDateString() === now.toDateString()) return hm;
  const md = `${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}`;
  return d.getFullYear() === now.getFullYear() ? `${md} ${hm}` : `${d.getFullYear()}-${md} ${hm}`;
}

export function reasonLabel(code) {
  if (!code) return "";
  const r = S.reasons.find((x) => x.code === code);
  if (r) return getLang() === "en" ? r.label_en || r.code : r.label_zh || r.label_en || r.code;
  return tOr(`agent.reason.${code}`, code);
}

/* errorText(), but a refusal (403) shows the server's reason too (in the page's language when the server sent
 * both): an agent needs to know why. */
export function failText(r) {
  const msg = r && r.data && typeof r.data.message === "string" ? serverMessage(r) : "";
  if (r && r.status === 403 && msg) return t("common.error", { message: msg });
  return errorText(r);
}

export function showError(r) {
  showStatus($("agent-error"), typeof r === "string" ? r : () => failText(r), "error");
}

export function clearError() {
  showStatus($("agent-error"), "");
}

export const st = () => (S.agent ? S.agent.state : "logged_out");
export const canReady = () => ["paused", "wrapup"].includes(st());
export const canPause = () => ["ready", "wrapup", "paused"].includes(st());
export const canLeave = () => !["logged_out", "ringing", "on_call"].includes(st());
export const canDial = () => !["logged_out", "ringing", "on_call"].includes(st());
