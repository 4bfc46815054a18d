/* The report's tables: one row per interval (the queues or agents chosen, summed) with the totals under them, and
 * the range per queue or agent. Every value is written as text. */
import { $, el } from "../core/dom.js";
import { t } from "../core/i18n.js";
import { columnHint, columnTitle, columnsOf, intervalLabel } from "./columns.js";

function head(firstKey, cols) {
  return el("tr", {}, el("th", { text: t(firstKey) }),
    cols.map(([name]) => el("th", { text: columnTitle(name), title: columnHint(name), "data-col": name })));
}

function row(label, values, cols, attrs) {
  return el("tr", attrs || {}, el("th", { text: label, scope: "row" }),
    cols.map(([name, fmt]) => el("td", { class: "num", "data-col": name, text: fmt(values[name]) })));
}

export function keyName(kind, key) {
  if (kind === "queue" && key === "") return t("reports.no_queue");
  return key;
}

export function renderTables(report) {
  const cols = columnsOf(report.kind);
  $("ir-head").replaceChildren(head("reports.col.interval", cols));
  $("ir-rows").replaceChildren(...report.intervals.map((iv) => row(intervalLabel(iv.label, report.by), iv, cols,
    { "data-testid": "ir-row", "data-label": iv.label })));
  $("ir-total").replaceChildren(row(t("reports.total"), report.totals, cols, { "data-testid": "ir-total-row" }));
  $("ir-keys-heading").textContent = t(report.kind === "agent" ? "reports.by_agent" : "reports.by_queue");
  $("ir-keys-head").replaceChildren(head(report.kind === "agent" ? "reports.kind.agent" : "reports.kind.queue",
                                         cols));
  const keys = Object.keys(report.by_key);
  $("ir-keys-rows").replaceChildren(...(keys.length ? keys.map((k) => row(keyName(report.kind, k),
    report.by_key[k], cols, { "data-testid": "ir-key-row", "data-key": k }))
    : [el("tr", {}, el("td", { colspan: cols.length + 1, class: "muted", text: t("reports.empty") }))]));
}
