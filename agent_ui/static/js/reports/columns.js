/* The columns of the interval reports' tables, per kind, and how each value is written. */
import { t } from "../core/i18n.js";

const num = (v) => (v === null || v === undefined ? "—" : String(v));
const pct = (v) => (v === null || v === undefined ? "—" : `${v}%`);
const secs = (v) => (v === null || v === undefined ? "—" : `${v}`);

/* Seconds as h:mm:ss (state times). */
export function hms(v) {
  if (v === null || v === undefined) return "—";
  const s = Math.round(Number(v));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${h}:${String(m).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
}

export const QUEUE_COLUMNS = [
  ["offered", num], ["answered", num], ["answered_in_sl", num], ["abandoned", num], ["ivr_abandoned", num],
  ["timed_out", num], ["service_level", pct], ["abandon_rate", pct], ["asa", secs], ["longest_wait", secs],
  ["aht", secs], ["att", secs], ["acw", secs], ["transfers", num], ["callbacks", num],
];

export const AGENT_COLUMNS = [
  ["logged_in", hms], ["ready", hms], ["ringing", hms], ["on_call", hms], ["wrapup", hms], ["paused", hms],
  ["away_seconds", hms], ["away_violations", num], ["answered", num], ["made", num], ["missed_rings", num],
  ["occupancy", pct], ["callbacks_done", num], ["cases_accepted", num],
];

export function columnsOf(kind) {
  return kind === "agent" ? AGENT_COLUMNS : QUEUE_COLUMNS;
}

export const columnTitle = (name) => t(`reports.col.${name}`);
export const columnHint = (name) => t(`reports.hint.${name}`);

/* An interval's label (its local start, ISO with offset) as the bucket size reads. */
export function intervalLabel(label, by) {
  const d = label.slice(0, 10);
  const hm = label.slice(11, 16);
  if (by === "15m" || by === "hour") return `${d.slice(5)} ${hm}`;
  if (by === "week") return t("reports.week_of", { day: d });
  if (by === "month") return d.slice(0, 7);
  return d;
}
