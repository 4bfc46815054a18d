/* The seeds' reports page's state: which report, which period, kept in the address
 * (seeds_reports.html?report=workload&period=day&date=2026-12-01, ?report=quality&month=2026-11). */

export const REPORTS = {
  workload: { path: "/api/reports/workload", period: "date", periods: true },
  case_summary: { path: "/api/reports/case-summary", period: "date" },
  satisfaction: { path: "/api/reports/satisfaction", period: "date" },
  quality: { path: "/api/reports/quality", period: "month" },
  appraisal: { path: "/api/reports/appraisal", period: "month" },
};
export const LEAD_REPORTS = Object.keys(REPORTS);
export const AGENT_REPORTS = ["appraisal"];

export const S = { user: null, allowed: LEAD_REPORTS, report: "workload", period: "day", date: "", month: "",
                   data: null };

function pad(n) { return String(n).padStart(2, "0"); }

/* Today in the browser's calendar (the server decides the centre's day; this is only the form's default). */
export function today() {
  const d = new Date();
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

export function lastMonth() {
  const d = new Date();
  d.setDate(1);
  d.setMonth(d.getMonth() - 1);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}`;
}

export function readAddress() {
  const q = new URLSearchParams(window.location.search);
  const report = q.get("report");
  S.report = S.allowed.includes(report) ? report : S.allowed[0];
  S.period = q.get("period") === "week" ? "week" : "day";
  S.date = q.get("date") || today();
  S.month = q.get("month") || lastMonth();
}

export function params(format) {
  const r = REPORTS[S.report];
  const p = new URLSearchParams();
  if (r.period === "date") p.set("date", S.date);
  else p.set("month", S.month);
  if (r.periods) p.set("period", S.period);
  if (format) p.set("format", format);
  return p;
}

export function writeAddress() {
  const p = params();
  p.set("report", S.report);
  window.history.replaceState(null, "", `${window.location.pathname}?${p.toString()}`);
}

export function url(format) {
  return `${REPORTS[S.report].path}?${params(format).toString()}`;
}
