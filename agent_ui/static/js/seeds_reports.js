/* seeds_reports.html: the seeds' reports (issue 17 part 2; docs/reports.md "The seeds' reports") — pick the
 * report and its day, week or month, see it as tables (seeds_reports/view.js), download its CSV (the server's,
 * UTF-8 with BOM), print it (the print stylesheet leaves the controls out). Supervisors, admins and QC read every
 * report; an agent their own row of the monthly appraisal. The choice is kept in the address (state.js). */
import "./i18n/common.js";
import "./i18n/seeds_reports.js";
import { call, errorText } from "./core/api.js";
import { $, el, showStatus } from "./core/dom.js";
import { hasRole, openPageFor, whoAmI } from "./core/auth.js";
import { renderHeader } from "./core/header.js";
import { t } from "./core/i18n.js";
import { AGENT_REPORTS, LEAD_REPORTS, REPORTS, S, readAddress, url, writeAddress } from "./seeds_reports/state.js";
import { renderReport } from "./seeds_reports/view.js";

function renderControls() {
  const sel = $("sr-report");
  sel.textContent = "";
  for (const r of S.allowed) sel.append(el("option", { value: r, text: t(`seeds.report.${r}`) }));
  sel.value = S.report;
  const byMonth = REPORTS[S.report].period === "month";
  $("sr-period-field").hidden = !REPORTS[S.report].periods;
  $("sr-date-field").hidden = byMonth;
  $("sr-month-field").hidden = !byMonth;
  $("sr-period").value = S.period;
  $("sr-date").value = S.date;
  $("sr-month").value = S.month;
  $("sr-csv").href = url("csv");
}

function readControls() {
  S.report = $("sr-report").value;
  S.period = $("sr-period").value;
  S.date = $("sr-date").value || S.date;
  S.month = $("sr-month").value || S.month;
}

async function load() {
  writeAddress();
  renderControls();
  const status = $("sr-status");
  showStatus(status, () => t("seeds.loading"));
  const r = await call("GET", url());
  if (!r.ok) {
    S.data = null;
    renderReport();
    showStatus(status, () => errorText(r), "error");
    return;
  }
  S.data = r.data;
  showStatus(status, "");
  renderReport();
}

async function start() {
  renderHeader({ title: "seeds.title" });
  const lead = (u) => hasRole(u, "supervisor", "admin", "qc");
  S.user = await openPageFor(whoAmI, (u) => lead(u) || hasRole(u, "agent"), "seeds-reports");
  if (!S.user) return;
  S.allowed = lead(S.user) ? LEAD_REPORTS : AGENT_REPORTS;
  readAddress();
  $("sr-report").addEventListener("change", () => { readControls(); load(); });
  $("sr-period").addEventListener("change", () => { readControls(); load(); });
  for (const id of ["sr-date", "sr-month"]) { // the CSV link follows the form before it is shown
    $(id).addEventListener("change", () => { readControls(); $("sr-csv").href = url("csv"); });
  }
  $("sr-controls").addEventListener("submit", (ev) => { ev.preventDefault(); readControls(); load(); });
  $("sr-print").addEventListener("click", () => window.print());
  document.addEventListener("cc:langchange", () => { renderControls(); renderReport(); });
  await load();
}

document.addEventListener("DOMContentLoaded", start);

/* For tests and debugging. */
window.ccSeedsReports = { state: S };
