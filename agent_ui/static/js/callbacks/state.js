/* The call-back desk's state, its clock and its words. Times are the centre's (the timezone from /api/auth/me),
 * as the server writes them in its messages ("2026-12-04 09:00"); the countdowns run on the server's clock: each
 * answer carries the server's ``now``, stamped with the moment it arrived (``performance.now()``, a monotonic
 * clock), so neither the browser's clock nor its offset enters. */
import { hasRole } from "../core/auth.js";
import { t, tOr } from "../core/i18n.js";
import { pad2, parseServerTime, serverNow } from "../core/time.js";

export const R = {
  user: null,
  tz: undefined,
  list: null,          // GET /api/callbacks
  detail: null,        // GET /api/callbacks/{id}: {now, task, attempts, next_attempt_at}
  openId: null,        // the task shown
  departments: new Map(),
  rate: null,          // GET /api/callbacks/rate
  clock: null,         // {server: ms, rx: performance.now()} of the last answer carrying ``now``
  watching: null,      // the poll of the open task while its attempt's call is on: {id, attempt, after, timer}
  polling: false,      // a poll's answer is awaited
  calling: false,      // a Call's answer is awaited
  deskAgent: null,     // this agent's state while their attempt's call is on (GET /api/agent/me)
};

export const OUTCOMES = ["reached", "problem_stands", "refused", "wrong_number", "no_answer", "busy"];
export const POINTS = ["attitude", "skill", "timeliness", "promises"];
export const LEVELS = [[1, "very_satisfied"], [2, "satisfied"], [3, "fair"], [4, "poor"]];

/* Who may do what (as the API's roles: callcenter/callbacks/api.py). */
export const mayRead = (u) => hasRole(u, "agent", "supervisor", "admin", "qc");
export const mayWork = (u) => hasRole(u, "agent", "supervisor", "admin");
export const mayCall = (u) => hasRole(u, "agent");
export const isLead = (u) => hasRole(u, "supervisor", "admin", "qc");
export const recordsForOthers = (u) => hasRole(u, "supervisor", "admin");

/* ---- the server's clock ---- */
export function stampNow(now) {
  const ms = parseServerTime(now);
  if (ms !== null) R.clock = { server: ms, rx: performance.now() };
}

export function srvNow() {
  return R.clock ? R.clock.server + (performance.now() - R.clock.rx) : serverNow();
}

/* Seconds from now (the server's) to ``iso``; negative once past. */
export function secondsUntil(iso) {
  const ms = parseServerTime(iso);
  return ms === null ? null : (ms - srvNow()) / 1000;
}

export function fmtSpan(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const days = Math.floor(s / 86400);
  const hms = `${pad2(Math.floor((s % 86400) / 3600))}:${pad2(Math.floor((s % 3600) / 60))}:${pad2(s % 60)}`;
  return days ? t("callbacks.days_span", { days, hms }) : hms;
}

/* A task's countdown now: {text, overdue}. A closed task's clock stands still: it says when it closed. */
export function countdown(task) {
  if (task.state !== "open") {
    return { text: task.closed_at ? t("callbacks.closed_at", { at: fmtAt(task.closed_at) }) : "—", overdue: false };
  }
  const left = secondsUntil(task.due_at);
  if (left === null) return { text: "—", overdue: false };
  return left > 0 ? { text: t("callbacks.left", { span: fmtSpan(left) }), overdue: false }
    : { text: t("callbacks.over", { span: fmtSpan(-left) }), overdue: true };
}

/* ---- the centre's time ---- */
let formatter = null;
let formatterTz = null;

function parts(ms) {
  if (!formatter || formatterTz !== R.tz) {
    const opts = { year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
                   second: "2-digit", hourCycle: "h23" };
    try {
      formatter = new Intl.DateTimeFormat("en-CA", { ...opts, timeZone: R.tz });
    } catch { // an unknown timezone name: the browser's
      formatter = new Intl.DateTimeFormat("en-CA", opts);
    }
    formatterTz = R.tz;
  }
  const p = {};
  for (const x of formatter.formatToParts(new Date(ms))) p[x.type] = x.value;
  const hour = p.hour === "24" ? "00" : p.hour;
  return { day: `${p.year}-${p.month}-${p.day}`, time: `${hour}:${p.minute}`, seconds: p.second };
}

/* "YYYY-MM-DD HH:MM" in the centre's timezone (the server's messages write times so). */
export function fmtAt(iso) {
  const ms = parseServerTime(iso);
  if (ms === null) return iso ? String(iso) : "—";
  const p = parts(ms);
  return `${p.day} ${p.time}`;
}

/* A datetime-local input's value ("YYYY-MM-DDTHH:MM:SS") of ``iso`` in the centre's timezone. */
export function localInput(iso) {
  const ms = parseServerTime(iso);
  if (ms === null) return "";
  const p = parts(ms);
  return `${p.day}T${p.time}:${p.seconds}`;
}

/* The ISO time of a datetime-local value (or "YYYY-MM-DD" at midnight) read in the centre's timezone. */
export function centreIso(value) {
  const m = /^(\d{4})-(\d\d)-(\d\d)(?:T(\d\d):(\d\d)(?::(\d\d))?)?$/.exec(value || "");
  if (!m) return null;
  const [y, mo, d, hh, mm, ss] = m.slice(1).map((x) => Number(x || 0));
  const wanted = Date.UTC(y, mo - 1, d, hh, mm, ss);
  let guess = wanted;
  for (let i = 0; i < 2; i += 1) { // the centre's offset at that moment (twice: across a DST change)
    const p = parts(guess);
    const [py, pm, pd] = p.day.split("-").map(Number);
    const [ph, pmin] = p.time.split(":").map(Number);
    guess -= Date.UTC(py, pm - 1, pd, ph, pmin, Number(p.seconds)) - wanted;
  }
  return new Date(guess).toISOString();
}

export function centreToday() {
  return parts(srvNow()).day;
}

export function addDays(day, n) {
  const [y, m, d] = day.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

/* Monday and Sunday of the centre's week of ``day``. */
export function weekOf(day) {
  const [y, m, d] = day.split("-").map(Number);
  const back = (new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7;
  const monday = addDays(day, -back);
  return [monday, addDays(monday, 6)];
}

/* ---- words ---- */
export const stateLabel = (s) => tOr(`callbacks.state.${s}`, s || "—");
export const outcomeLabel = (o) => tOr(`callbacks.outcome.${o}`, o || "—");
export const callOutcomeLabel = (o) => tOr(`callbacks.call_outcome.${o || "pending"}`, o || "—");
export const typeLabel = (k) => (k ? tOr(`cases.type.${k}`, k) : "—");

export function departmentName(id) {
  if (id === null || id === undefined) return "—";
  const d = R.departments.get(id);
  return d ? d.name : `#${id}`;
}

export function pct(rate) {
  return rate === null || rate === undefined ? "—" : `${Number((rate * 100).toFixed(1))} %`;
}

/* The attempt still waiting for its outcome (as the server's: not recorded, and it reached the customer's side
 * or is still on), or null. */
export function openAttempt(d) {
  if (!d || d.task.state !== "open") return null;
  for (let i = d.attempts.length - 1; i >= 0; i -= 1) {
    const a = d.attempts[i];
    if (a.outcome === null && a.call_outcome !== "failed") return a;
  }
  return null;
}
