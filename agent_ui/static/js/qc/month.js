/* The month the page shows (its samples, its draw, its agents' report), kept in the URL (?month=YYYY-MM). */

import { $ } from "../core/dom.js";
import { Q } from "./state.js";
import { loadDraw, renderDraw } from "./draw.js";
import { loadSamples } from "./queue.js";
import { loadReports } from "./reports.js";

export function setMonth(m) {
  Q.month = m;
  $("qc-month").value = m;
  const url = new URL(window.location.href);
  url.searchParams.set("month", m);
  history.replaceState(null, "", url.pathname + url.search + url.hash);
  Q.draw = null;
  Q.drawnCount = undefined;
  $("qc-draw-result").dataset.kind = "";
  renderDraw();
  loadDraw();
  loadSamples();
  if (Q.tab === "reports") loadReports();
}
