/* The QC page's state and the helpers its panels share: who may do what to a sample, labels, dates. */

import { $, showStatus } from "../core/dom.js";
import { t, tOr, getLang } from "../core/i18n.js";
import { pad2, parseServerTime } from "../core/time.js";
import { hasRole } from "../core/auth.js";
import { playerClock } from "../player.js";

export const QC_ROLES = ["qc", "supervisor", "admin"];

export const Q = {
  user: null,
  month: "",
  samples: [],
  detail: null, // GET /api/qc/samples/{id}
  player: null, // ccPlayer() of the detail's recording
  playerRecording: null, // the recording id the player is on
  correcting: false, // the form is open for a correction of the locked score
  tab: "queue",
  assignFor: null, // the sample id whose assign row is open
  reports: { agents: null, weekly: null },
  draw: null, // the month's stored draw
  drawnCount: undefined, // how many calls the draw just made here picked
  loadSeq: 0,
};

export function say(message, kind) {
  showStatus($("qc-status"), message, kind);
}

export function me() {
  return Q.user ? Q.user.username : "";
}

export function fmtDateTime(v) {
  const ms = parseServerTime(v);
  if (ms === null) return v ? String(v) : "—";
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
}

export function fmtSecs(v) {
  if (v === null || v === undefined || v === "" || Number.isNaN(Number(v))) return "—";
  return playerClock(Number(v));
}

/* The week of the month: the API counts from 0 (days 1-7 are week 0); shown from 1. */
export function weekLabel(w) {
  if (w === null || w === undefined || w === "" || Number.isNaN(Number(w))) return "—";
  return t("qc.week_n", { n: Number(w) + 1 });
}

/* Today's date in the centre's timezone (from /api/auth/me), as [year, month, day]. */
function centreToday() {
  const tz = (Q.user && Q.user.timezone) || undefined;
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone: tz, year: "numeric", month: "2-digit", day: "2-digit" })
    .formatToParts(new Date());
  const get = (type) => Number(parts.find((p) => p.type === type).value);
  return [get("year"), get("month"), get("day")];
}

export function thisMonth() {
  const [y, m] = centreToday();
  return `${y}-${pad2(m)}`;
}

/* Monday of this week (the centre's), YYYY-MM-DD. */
export function thisWeekStart() {
  const [y, m, day] = centreToday();
  const d = new Date(Date.UTC(y, m - 1, day));
  d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
  return `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}`;
}

export function gradeLabel(g) {
  return g ? tOr(`qc.grade.${g}`, g) : "";
}

export function statusLabel(s) {
  return s ? tOr(`qc.status.${s}`, s) : "";
}

export function responseLabel(r) {
  return r ? tOr(`qc.response.${r}`, r) : t("qc.response.none");
}

/* The criterion's label in the page's language. */
export function criterionLabel(c) {
  return getLang() === "en" ? c.label_en || c.label_zh || c.key : c.label_zh || c.label_en || c.key;
}

export function sAgent(s) {
  return s.agent || "";
}

/* who holds the sample: assigned to or claimed by (one field) */
export function sAssignee(s) {
  return s.assignee || null;
}

/* Claim: QC inspectors only (the API refuses supervisors), a sample nobody holds that is open or disputed. */
export function mayClaim(s) {
  return hasRole(Q.user, "qc") && !sAssignee(s) && (s.status === "open" || s.status === "disputed");
}

