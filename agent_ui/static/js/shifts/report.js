/* The monthly violations report (CSV). */

import { call } from "../core/api.js";
import { $, el, qs, showStatus } from "../core/dom.js";
import { t } from "../core/i18n.js";
import { S, fresh, showProblem, fmtMin } from "./state.js";
import { fmtAt } from "./dates.js";

const REPORT_COLS = [
  ["username", false], ["shifts", true], ["late_count", true], ["late_minutes", true], ["away_count", true],
  ["away_minutes", true], ["absence_count", true], ["early_leave_count", true], ["early_leave_minutes", true],
  ["left_before_relief_count", true], ["early_arrival_count", true], ["violations", true],
  ["unapproved_absence_count", true], ["sick_leave_count", true],
];

export async function loadReport() {
  const ok = fresh("report");
  const month = S.month;
  $("shifts-report-csv").href = `/api/shifts/reports/violations${qs({ month, format: "csv" })}`;
  const r = await call("GET", `/api/shifts/reports/violations${qs({ month })}`);
  if (!ok()) return;
  if (!r.ok) {
    S.report = null;
    renderReport();
    showProblem($("shifts-report-status"), r);
    return;
  }
  showStatus($("shifts-report-status"), "");
  S.report = r.data;
  renderReport();
}

export function renderReport() {
  const rep = S.report;
  $("shifts-report-title").textContent = t("shifts.report_title", { month: S.month })
    + (rep && rep.as_of ? ` · ${t("shifts.as_of", { at: fmtAt(rep.as_of) })}` : "");
  const head = $("shifts-report-head");
  head.textContent = "";
  for (const [c, num] of REPORT_COLS) {
    head.appendChild(el("th", { scope: "col", class: num ? "num" : null, text: t(`shifts.rcol.${c}`) }));
  }
  const body = $("shifts-report-rows");
  body.textContent = "";
  const agents = rep && Array.isArray(rep.agents) ? rep.agents : [];
  for (const a of agents) {
    const tr = el("tr", { "data-testid": `shifts-report-row-${a.username}`, "data-username": a.username,
                          "data-violations": a.violations, class: a.violations ? "shifts-has-violations" : null });
    for (const [c, num] of REPORT_COLS) {
      const v = a[c];
      const text = c === "username" ? v : c.endsWith("_minutes") ? fmtMin(v) : String(v === null || v === undefined ? "—" : v);
      tr.appendChild(el("td", { class: [num ? "num" : "", c === "violations" ? "shifts-total" : ""].join(" ").trim() || null,
                                "data-col": c, text }));
    }
    body.appendChild(tr);
  }
  const none = $("shifts-report-none");
  none.hidden = !rep || agents.length > 0;
  none.textContent = t("shifts.report_none", { month: S.month });
}
