/* Reports: per agent for the month, and the weekly summary (with CSV). */

import { call, errorText } from "../core/api.js";
import { $, el, qs } from "../core/dom.js";
import { t } from "../core/i18n.js";
import { Q, say, thisWeekStart, gradeLabel, criterionLabel } from "./state.js";
import { fmtNum, gradeOf } from "./scoring.js";

/* The customer surveys' four points (levels 1 very satisfied .. 4 poor), as the report gives them. */
const SURVEY_POINTS = ["attitude", "skill", "timeliness", "promises"];

/* A point's share satisfied (levels 1-2) as a percentage, its average level in the title; "—" when unanswered. */
function surveyPointCell(p) {
  const share = p && p.answered ? p.satisfied_share : null;
  return el("td", { class: "num", "data-testid": "qc-report-survey-point",
                    title: share === null ? "" : t("qc.rcol.survey_level", { average: fmtNum(p.average, 2), n: p.answered }),
                    text: share === null ? "—" : `${Math.round(100 * share)}%` });
}

/* GET /api/qc/reports/agents: {month, criteria: [{key, label_en, label_zh, weight}], agents: [{agent, sampled,
 * scored, average, grade, criteria: {key: average points}, trend: [{month, average}], surveys: {surveys, complete,
 * poor, points: {point: {levels, answered, average, satisfied_share}}, by_channel}}]}. */
function renderAgentsReport(rep) {
  const box = $("qc-report-agents");
  box.textContent = "";
  if (!rep) return;
  const agents = Array.isArray(rep.agents) ? rep.agents : [];
  if (!agents.length) {
    box.appendChild(el("p", { class: "muted", text: t("qc.report_empty") }));
    return;
  }
  const crit = Array.isArray(rep.criteria) ? rep.criteria : [];
  const trend = (agents[0].trend || []).map((x) => x.month);
  // two header rows: the QC columns span both; the customer surveys' columns are grouped under one heading
  const head = [el("th", { rowspan: 2, text: t("qc.rcol.agent") }), el("th", { rowspan: 2, class: "num", text: t("qc.rcol.sampled") }),
                el("th", { rowspan: 2, class: "num", text: t("qc.rcol.scored") }),
                el("th", { rowspan: 2, class: "num", text: t("qc.rcol.average") }),
                el("th", { rowspan: 2, text: t("qc.rcol.grade") }),
                ...crit.map((c) => el("th", { rowspan: 2, class: "num", title: t("qc.rcol.criterion_points", { weight: fmtNum(c.weight) }),
                                              text: criterionLabel(c) })),
                ...trend.map((m) => el("th", { rowspan: 2, class: "num", text: t("qc.rcol.average_of", { month: m }) })),
                el("th", { colspan: 2 + SURVEY_POINTS.length, class: "qc-report-survey-group", "data-testid": "qc-report-surveys-heading",
                           text: t("qc.rcol.survey_group", { month: rep.month }) })];
  const surveyHead = [el("th", { class: "num", title: t("qc.rcol.surveys_title"), text: t("qc.rcol.surveys") }),
                      el("th", { class: "num", title: t("qc.rcol.surveys_poor_title"), text: t("qc.rcol.surveys_poor") }),
                      ...SURVEY_POINTS.map((k) => el("th", { class: "num", title: t("qc.rcol.survey_point_title"),
                                                           text: t(`qc.survey_point.${k}`) }))];
  const rows = agents.map((a) => el("tr", { "data-agent": a.agent, "data-testid": `qc-report-agent-${a.agent}` },
    el("td", { text: a.agent }),
    el("td", { class: "num", text: fmtNum(a.sampled) }),
    el("td", { class: "num", text: fmtNum(a.scored) }),
    el("td", { class: "num", "data-testid": "qc-report-average", text: fmtNum(a.average) }),
    el("td", {}, a.grade ? el("span", { class: "qc-grade", "data-grade": a.grade, text: gradeLabel(a.grade) }) : "—"),
    ...crit.map((c) => el("td", { class: "num", text: fmtNum((a.criteria || {})[c.key], 2) })),
    ...(a.trend || []).map((x) => el("td", { class: "num", text: fmtNum(x.average) })),
    el("td", { class: "num", "data-testid": "qc-report-surveys", text: fmtNum((a.surveys || {}).surveys) }),
    el("td", { class: "num", "data-testid": "qc-report-surveys-poor", text: fmtNum((a.surveys || {}).poor) }),
    ...SURVEY_POINTS.map((k) => surveyPointCell(((a.surveys || {}).points || {})[k]))));
  box.appendChild(el("table", { class: "admin-table qc-report-table", "data-testid": "qc-report-agents-table" },
    el("thead", {}, el("tr", {}, head), el("tr", {}, surveyHead)), el("tbody", {}, rows)));
}

/* GET /api/qc/reports/weekly: {week_start, week_end, evaluations, average, criteria: [{key, label_en, label_zh,
 * weight, evaluated, below_par}] (most often below par first), agents: [{agent, evaluations, average,
 * below_par: {key: n}}]}. A criterion below par in half the evaluations or more is suggested for whole-team
 * training; each agent's own below-par criteria for individual coaching. */
function renderWeekly(rep) {
  const box = $("qc-report-weekly");
  box.textContent = "";
  if (!rep) return;
  const crit = Array.isArray(rep.criteria) ? rep.criteria : [];
  const byKey = Object.fromEntries(crit.map((c) => [c.key, c]));
  box.appendChild(el("p", { "data-testid": "qc-report-weekly-summary",
                            text: t("qc.weekly_summary", { from: rep.week_start, to: rep.week_end, n: fmtNum(rep.evaluations),
                                                           average: fmtNum(rep.average) }) }));
  if (!rep.evaluations) {
    box.appendChild(el("p", { class: "muted", text: t("qc.report_empty") }));
    return;
  }
  const team = crit.filter((c) => c.evaluated && c.below_par / c.evaluated >= 0.5);
  box.appendChild(el("p", { class: team.length ? "qc-training" : "muted", "data-testid": "qc-report-team-training",
                            text: team.length ? t("qc.training_team", { list: team.map(criterionLabel).join("、") })
                              : t("qc.training_team_none") }));
  box.appendChild(el("div", { class: "table-wrap" }, el("table", { class: "admin-table qc-report-table", "data-testid": "qc-report-weekly-criteria" },
    el("thead", {}, el("tr", {}, el("th", { text: t("qc.col_criterion") }), el("th", { class: "num", text: t("qc.rcol.weight") }),
                      el("th", { class: "num", text: t("qc.rcol.evaluated") }), el("th", { class: "num", text: t("qc.rcol.below_par") }))),
    el("tbody", {}, crit.map((c) => el("tr", {},
      el("td", { text: criterionLabel(c) }), el("td", { class: "num", text: fmtNum(c.weight) }),
      el("td", { class: "num", text: fmtNum(c.evaluated) }),
      el("td", { class: "num", text: c.evaluated ? `${c.below_par} (${Math.round((100 * c.below_par) / c.evaluated)}%)` : "0" })))))));
  const agents = Array.isArray(rep.agents) ? rep.agents : [];
  box.appendChild(el("div", { class: "table-wrap" }, el("table", { class: "admin-table qc-report-table", "data-testid": "qc-report-weekly-agents" },
    el("thead", {}, el("tr", {}, el("th", { text: t("qc.rcol.agent") }), el("th", { class: "num", text: t("qc.rcol.evaluations") }),
                      el("th", { class: "num", text: t("qc.rcol.average") }), el("th", { text: t("qc.rcol.grade") }),
                      el("th", { text: t("qc.rcol.training") }))),
    el("tbody", {}, agents.map((a) => {
      const grade = a.average === null || a.average === undefined ? "" : gradeOf(a.average);
      const below = Object.entries(a.below_par || {})
        .map(([k, n]) => `${byKey[k] ? criterionLabel(byKey[k]) : k} ×${n}`).join("、");
      return el("tr", { "data-agent": a.agent },
        el("td", { text: a.agent }), el("td", { class: "num", text: fmtNum(a.evaluations) }),
        el("td", { class: "num", text: fmtNum(a.average) }),
        el("td", {}, grade ? el("span", { class: "qc-grade", "data-grade": grade, text: gradeLabel(grade) }) : "—"),
        el("td", { class: below ? null : "muted", text: below || t("qc.training_none") }));
    })))));
}

export async function loadReports() {
  const week = $("qc-week-start").value || thisWeekStart();
  $("qc-report-agents-csv").href = `/api/qc/reports/agents${qs({ month: Q.month, format: "csv" })}`;
  $("qc-report-weekly-csv").href = `/api/qc/reports/weekly${qs({ week_start: week, format: "csv" })}`;
  const [a, w] = await Promise.all([
    call("GET", `/api/qc/reports/agents${qs({ month: Q.month })}`),
    call("GET", `/api/qc/reports/weekly${qs({ week_start: week })}`),
  ]);
  Q.reports.agents = a.ok ? a.data : null;
  Q.reports.weekly = w.ok ? w.data : null;
  renderReports();
  if (!a.ok) say(() => errorText(a), "error");
  else if (!w.ok) say(() => errorText(w), "error");
}

export function renderReports() {
  $("qc-report-agents-title").textContent = t("qc.report_agents", { month: Q.month });
  renderAgentsReport(Q.reports.agents);
  renderWeekly(Q.reports.weekly);
}
