/* The report as tables: each of the answer's tables (its key, columns, rows) drawn with its columns' names and
 * its values' words in the page's language; shares as percentages. Everything the server sent is shown as text. */
import { $, el } from "../core/dom.js";
import { t, tOr } from "../core/i18n.js";
import { S } from "./state.js";

const MONTH = /^\d{4}-\d{2}$/;
const SHARE = /(share|rate|compliance)$|^part_/;
const WORDED = new Set(["type", "grade", "channel", "section", "item"]);

function columnName(col) {
  const d = S.data;
  if (MONTH.test(col) && d && d.month) {
    return col === d.month ? t("seeds.col.current", { month: col }) : t("seeds.col.previous", { month: col });
  }
  if (col.startsWith("average_") && MONTH.test(col.slice(8))) return t("seeds.col.average_previous");
  return tOr(`seeds.col.${col}`, col);
}

function isShare(col, row, columns) {
  if (SHARE.test(col)) return true;
  const item = columns.indexOf("item");  // the comparison table: the row's item says what its numbers are
  return item >= 0 && MONTH.test(col) && SHARE.test(String(row[item]));
}

function cellText(col, value, row, columns) {
  if (value === null || value === undefined || value === "") {
    return col === "queue" || col === "agent" ? t("seeds.value.none") : "—";
  }
  if (typeof value === "number" && isShare(col, row, columns)) return `${(value * 100).toFixed(1)}%`;
  if (typeof value === "string" && WORDED.has(col)) {
    if (col === "section") return tOr(`seeds.section.${value}`, value);
    if (col === "item") return tOr(`seeds.item.${value}`, tOr(`seeds.col.${value}`, value));
    return tOr(`seeds.value.${value}`, value);
  }
  return String(value);
}

function table(tb) {
  const head = el("tr", {}, tb.columns.map((c) => el("th", { scope: "col", text: columnName(c) })));
  const body = tb.rows.length
    ? tb.rows.map((r) => el("tr", {}, r.map((v, i) => el("td", {
      class: typeof v === "number" ? "num" : "", text: cellText(tb.columns[i], v, r, tb.columns) }))))
    : [el("tr", {}, el("td", { colspan: String(tb.columns.length), class: "muted", text: t("seeds.empty") }))];
  return el("div", { class: "sr-block", "data-testid": `sr-table-${tb.key}` },
    el("h3", { text: tOr(`seeds.table.${tb.key}`, tb.key) }),
    el("div", { class: "table-wrap" },
      el("table", { class: "sr-table" }, el("thead", {}, head), el("tbody", {}, body))));
}

export function renderReport() {
  const d = S.data;
  const box = $("sr-tables");
  box.textContent = "";
  if (!d) {
    $("sr-heading").textContent = "";
    $("sr-period-label").textContent = "";
    return;
  }
  $("sr-heading").textContent = t(`seeds.report.${d.report}`);
  const p = d.period;
  $("sr-period-label").textContent = t("seeds.period_label", { label: p.label, first: p.first, last: p.last });
  for (const tb of d.tables) box.append(table(tb));
}
