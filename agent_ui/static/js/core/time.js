/* Server times, the server's clock, and durations. */
import { getLang } from "./i18n.js";

export const pad2 = (n) => String(n).padStart(2, "0");

/* A server time in ms since the epoch, or null. Server times come as ISO strings
 * ("2026-01-01T08:00:00.123456+00:00") or, over the websockets, Python's str() ("2026-01-01 08:00:00.123456+00:00");
 * a time without an offset is UTC; a bare date ("2026-01-01") is local midnight. */
export function parseServerTime(v) {
  if (v === null || v === undefined || v === "") return null;
  if (typeof v === "number") return v;
  let s = String(v).trim().replace(" ", "T");
  s = s.replace(/(\.\d{3})\d+/, "$1");
  if (/^\d{4}-\d\d-\d\d$/.test(s)) s += "T00:00:00";
  else if (!/(Z|[+-]\d\d:?\d\d)$/i.test(s)) s += "Z";
  const ms = Date.parse(s);
  return Number.isNaN(ms) ? null : ms;
}

/* ``iso`` in the browser's locale format for the page's language. */
export function fmtTime(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(getLang());
}

/* mm:ss, or h:mm:ss from an hour on; ``empty`` (default "") for no value. */
export function fmtClock(seconds, empty = "") {
  if (seconds === null || seconds === undefined || Number.isNaN(seconds)) return empty;
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h ? `${h}:${pad2(m)}:${pad2(s % 60)}` : `${pad2(m)}:${pad2(s % 60)}`;
}

/* The server's clock: serverNow() is Date.now() plus the offset measured from an HTTP Date header (auth.js
 * whoAmIWithClock) or a websocket message's time; 0 until then. */
let clockOffset = 0;

export function setClockOffset(ms) {
  clockOffset = ms;
}

export function serverNow() {
  return Date.now() + clockOffset;
}

/* Seconds since ``iso`` by the server's clock (null without a time). */
export function secondsSince(iso) {
  const ms = parseServerTime(iso);
  return ms === null ? null : Math.max(0, (serverNow() - ms) / 1000);
}
