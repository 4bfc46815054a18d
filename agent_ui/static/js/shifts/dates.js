/* Dates and times in the centre's timezone (from /api/auth/me), not the browser's; days are "YYYY-MM-DD". */

import { getLang } from "../core/i18n.js";
import { pad2, serverNow } from "../core/time.js";
import { S } from "./state.js";

let localFormat = null;

function localParts(ms) {
  if (!localFormat) {
    const opts = { year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
                   hourCycle: "h23" };
    try {
      localFormat = new Intl.DateTimeFormat("en-CA", { ...opts, timeZone: S.tz });
    } catch (e) { // an unknown timezone name: the browser's
      localFormat = new Intl.DateTimeFormat("en-CA", opts);
    }
  }
  const p = {};
  for (const x of localFormat.formatToParts(new Date(ms))) p[x.type] = x.value;
  return { day: `${p.year}-${p.month}-${p.day}`, time: `${p.hour === "24" ? "00" : p.hour}:${p.minute}` };
}

export function centreToday() {
  return localParts(serverNow()).day;
}

function parseTs(v) {
  if (!v) return null;
  const ms = Date.parse(v);
  return Number.isNaN(ms) ? null : ms;
}

/* "YYYY-MM-DD HH:MM" (centre time) of an ISO timestamp; with ``day``, only "HH:MM" when it is on that date. */
export function fmtAt(v, day) {
  const ms = parseTs(v);
  if (ms === null) return v ? String(v) : "—";
  const p = localParts(ms);
  if (day && p.day === day) return p.time;
  return `${p.day} ${p.time}`;
}

function dayParts(day) {
  const [y, m, d] = day.split("-").map(Number);
  return [y, m, d];
}

export function addDays(day, n) {
  const [y, m, d] = dayParts(day);
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

export function mondayOf(day) {
  const [y, m, d] = dayParts(day);
  const back = (new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7;
  return addDays(day, -back);
}

export function weekday(day) {
  const [y, m, d] = dayParts(day);
  return new Intl.DateTimeFormat(getLang(), { weekday: "short", timeZone: "UTC" }).format(new Date(Date.UTC(y, m - 1, d)));
}

export function monthBounds(month) {
  const [y, m] = month.split("-").map(Number);
  const first = `${y}-${pad2(m)}-01`;
  const next = m === 12 ? `${y + 1}-01-01` : `${y}-${pad2(m + 1)}-01`;
  return [first, addDays(next, -1)];
}

export const isDay = (v) => /^\d{4}-\d\d-\d\d$/.test(v || "");
export const isMonth = (v) => /^\d{4}-\d\d$/.test(v || "");

export function started(entry) {
  const ms = parseTs(entry.starts_at);
  return ms !== null && ms <= serverNow();
}

/* ISO timestamp of "HH:MM" on ``day`` in the centre's timezone (the offset found from the formatter). */
export function centreIso(day, hhmm) {
  const [y, m, d] = day.split("-").map(Number);
  const [hh, mm] = hhmm.split(":").map(Number);
  const guess = Date.UTC(y, m - 1, d, hh, mm);
  const p = localParts(guess);
  const [py, pm, pd] = p.day.split("-").map(Number);
  const [ph, pmin] = p.time.split(":").map(Number);
  const shift = Date.UTC(py, pm - 1, pd, ph, pmin) - guess; // the centre's offset from UTC then
  return new Date(guess - shift).toISOString();
}
