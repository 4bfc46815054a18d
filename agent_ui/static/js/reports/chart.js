/* The interval chart (no library): volume per interval as bars (queues: offered; agents: calls answered) and the
 * service level (queues) or occupancy (agents) in % as a line, the queue's target dashed. Drawn again on every
 * report and on a language change; its colours come from CSS (ir-chart-*), so it prints in black and white too. */
import { t } from "../core/i18n.js";
import { intervalLabel } from "./columns.js";

const SVG_NS = "http://www.w3.org/2000/svg";

function svgEl(tag, attrs, text) {
  const e = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v !== undefined && v !== null) e.setAttribute(k, String(v));
  }
  if (text !== undefined) e.textContent = text;
  return e;
}

/* A round top for the volume axis: 1, 2, 5 × 10^n. */
function niceMax(v) {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

export function drawChart(container, report, target) {
  container.textContent = "";
  const ivs = report.intervals || [];
  if (!ivs.length) return;
  const kind = report.kind;
  const volumeOf = (iv) => (kind === "agent" ? iv.answered : iv.offered) || 0;
  const rateOf = (iv) => (kind === "agent" ? iv.occupancy : iv.service_level);
  const W = Math.max(320, container.clientWidth || 800);
  const H = 220;
  const m = { l: 44, r: 44, t: 16, b: 34 };
  const pw = W - m.l - m.r;
  const ph = H - m.t - m.b;
  const top = niceMax(Math.max(...ivs.map(volumeOf)));
  const step = pw / ivs.length;
  const svg = svgEl("svg", { viewBox: `0 0 ${W} ${H}`, width: "100%", height: H, class: "ir-chart-svg",
                             role: "img", "data-testid": "ir-chart-svg",
                             "aria-label": t(kind === "agent" ? "reports.chart_agent" : "reports.chart_queue") });
  const y = (v) => m.t + ph - (v / top) * ph;
  const yp = (v) => m.t + ph - (v / 100) * ph;
  for (const f of [0, 0.5, 1]) {
    svg.append(svgEl("line", { x1: m.l, x2: m.l + pw, y1: m.t + ph * (1 - f), y2: m.t + ph * (1 - f),
                               class: "ir-chart-grid" }));
    svg.append(svgEl("text", { x: m.l - 6, y: m.t + ph * (1 - f) + 4, "text-anchor": "end",
                               class: "ir-chart-axis" }, String(Math.round(top * f))));
    svg.append(svgEl("text", { x: m.l + pw + 6, y: m.t + ph * (1 - f) + 4, class: "ir-chart-axis" },
                     `${Math.round(100 * f)}%`));
  }
  ivs.forEach((iv, i) => {
    const v = volumeOf(iv);
    if (v > 0) {
      svg.append(svgEl("rect", { x: m.l + i * step + step * 0.15, width: Math.max(1, step * 0.7), y: y(v),
                                 height: m.t + ph - y(v), class: "ir-chart-bar", "data-value": v }));
    }
  });
  const every = Math.max(1, Math.ceil(ivs.length / 12));
  ivs.forEach((iv, i) => {
    if (i % every === 0) {
      svg.append(svgEl("text", { x: m.l + i * step + step / 2, y: H - 12, "text-anchor": "middle",
                                 class: "ir-chart-axis" }, intervalLabel(iv.label, report.by)));
    }
  });
  if (target !== null && target !== undefined && kind !== "agent") {
    svg.append(svgEl("line", { x1: m.l, x2: m.l + pw, y1: yp(target), y2: yp(target), class: "ir-chart-target" }));
  }
  let d = "";
  ivs.forEach((iv, i) => {
    const r = rateOf(iv);
    if (r === null || r === undefined) return;
    d += `${d ? "L" : "M"}${(m.l + i * step + step / 2).toFixed(1)},${yp(r).toFixed(1)}`;
  });
  if (d) svg.append(svgEl("path", { d, class: "ir-chart-line", "data-testid": "ir-chart-line" }));
  container.append(svg);
  const legend = document.createElement("p");
  legend.className = "ir-chart-legend muted small";
  legend.textContent = t(kind === "agent" ? "reports.chart_agent" : "reports.chart_queue");
  container.append(legend);
}
