/* reports.html: interval statistics (区间统计; issue 17 parts 1 and 5; docs/reports.md "The page"). Supervisors,
 * admins and QC pick a range, a bucket size (15 minutes to months, in the centre's timezone), a queue or agents
 * and a direction; the page shows the service level and the volume by interval (reports/chart.js), the table with
 * its totals and the range per queue or agent (reports/table.js), a CSV of the same request and a print layout.
 * An agent sees their own agent rows. The choice is kept in the address (?kind=&from=&to=&by=&queue=&agent=), so a
 * report can be linked and reloaded; nothing is polled. */

import "./i18n/common.js";
import "./i18n/reports.js";
import { call, errorText } from "./core/api.js";
import { hasRole, openPageFor, whoAmIWithClock } from "./core/auth.js";
import { $, el, qs, showStatus } from "./core/dom.js";
import { renderHeader } from "./core/header.js";
import { t } from "./core/i18n.js";
import { drawChart } from "./reports/chart.js";
import { keyName, renderTables } from "./reports/table.js";

const R = { user: null, lead: false, report: null, queues: {} };

/* Today in the centre's timezone, YYYY-MM-DD. */
function today(tz) {
  try {
    return new Intl.DateTimeFormat("en-CA", { timeZone: tz || undefined, year: "numeric", month: "2-digit",
                                              day: "2-digit" }).format(new Date());
  } catch {
    return new Date().toISOString().slice(0, 10);
  }
}

function params() {
  const kind = R.lead ? $("ir-kind").value : "agent";
  const agents = $("ir-agent").value.split(",").map((s) => s.trim()).filter(Boolean);
  return {
    kind, from: $("ir-from").value, to: $("ir-to").value, by: $("ir-by").value,
    queue: kind === "queue" ? $("ir-queue").value : "",
    agents: kind === "agent" && R.lead ? agents.join(",") : "",
    direction: kind === "queue" ? $("ir-direction").value : "",
  };
}

function fromAddress() {
  const u = new URLSearchParams(window.location.search);
  for (const [k, id] of [["kind", "ir-kind"], ["from", "ir-from"], ["to", "ir-to"], ["by", "ir-by"],
                         ["direction", "ir-direction"]]) {
    if (u.get(k)) $(id).value = u.get(k);
  }
  if (u.get("agents")) $("ir-agent").value = u.get("agents");
  return u.get("queue") || "";
}

function showKind() {
  const agent = !R.lead || $("ir-kind").value === "agent";
  document.querySelectorAll(".ir-queue").forEach((n) => { n.hidden = agent; });
  document.querySelectorAll(".ir-agent").forEach((n) => { n.hidden = !agent || !R.lead; });
  $("ir-direction").closest("label").hidden = agent;
}

function fillQueues(thresholds, chosen) {
  const sel = $("ir-queue");
  const keep = chosen ?? sel.value;
  const names = Object.keys(thresholds || {}).sort();
  if (!names.length) return;
  R.queues = thresholds;
  sel.replaceChildren(el("option", { value: "", text: t("reports.all_queues") }),
    ...names.map((n) => el("option", { value: n, text: n })));
  sel.value = names.includes(keep) ? keep : "";
}

function fillAgents(report) {
  if (report.kind !== "agent") return;
  const list = $("ir-agents");
  const known = new Set([...list.querySelectorAll("option")].map((o) => o.value));
  for (const k of Object.keys(report.by_key)) {
    if (!known.has(k)) list.append(el("option", { value: k }));
  }
}

function target(report) {
  const q = params().queue;
  const th = report.thresholds || {};
  if (q && th[q]) return th[q].service_level_target;
  const targets = Object.values(th).map((x) => x.service_level_target);
  return targets.length ? Math.min(...targets) : null;
}

function render() {
  const r = R.report;
  if (!r) return;
  const p = params();
  const who = r.kind === "agent" ? (r.agents && r.agents.length ? r.agents.join(", ") : t("reports.all_agents"))
    : (p.queue ? keyName("queue", p.queue) : t("reports.all_queues"));
  $("ir-heading").textContent = t(r.kind === "agent" ? "reports.heading_agent" : "reports.heading_queue",
                                  { who, by: t(`reports.by.${r.by}`) });
  $("ir-range").textContent = t("reports.range", { from: p.from, to: p.to, tz: r.timezone });
  drawChart($("ir-chart"), r, target(r));
  renderTables(r);
}

async function load(event) {
  if (event) event.preventDefault();
  const p = params();
  if (!p.from || !p.to) {
    showStatus($("ir-status"), () => t("reports.pick_dates"), "warn");
    return;
  }
  const query = qs(p);
  $("ir-csv").href = `/api/reports/intervals${qs({ ...p, format: "csv" })}`;
  window.history.replaceState(null, "", query || window.location.pathname);
  showStatus($("ir-status"), () => t("common.loading"), "");
  const r = await call("GET", `/api/reports/intervals${query}`);
  if (!r.ok) {
    showStatus($("ir-status"), () => errorText(r), "error");
    return;
  }
  R.report = r.data;
  if (r.data.kind === "queue") fillQueues(r.data.thresholds);
  fillAgents(r.data);
  showStatus($("ir-status"), () => t("reports.loaded", { n: r.data.intervals.length }), "ok");
  document.body.dataset.loaded = String(Date.now());
  render();
}

async function startReports() {
  renderHeader({ title: "reports.title" });
  R.user = await openPageFor(whoAmIWithClock, (u) => hasRole(u, "admin", "supervisor", "qc", "agent"), "reports");
  if (!R.user) return;
  R.lead = hasRole(R.user, "admin", "supervisor", "qc");
  const day = today(R.user.timezone);
  $("ir-from").value = day;
  $("ir-to").value = day;
  $("ir-by").value = "hour";
  if (!R.lead) {
    $("ir-kind").value = "agent";
    $("ir-kind").disabled = true;
  }
  const queue = fromAddress();
  if (queue) fillQueues({ [queue]: {} }, queue);
  showKind();
  $("ir-kind").addEventListener("change", () => { showKind(); load(); });
  $("ir-form").addEventListener("submit", load);
  $("ir-print").addEventListener("click", () => window.print());
  document.addEventListener("cc:langchange", render);
  window.addEventListener("resize", () => { if (R.report) drawChart($("ir-chart"), R.report, target(R.report)); });
  await load();
}

document.addEventListener("DOMContentLoaded", startReports);

/* For tests and debugging. */
window.ccReports = { state: R, load };
