/* qc.html: quality control (质检). The month's samples (drawn at random per agent, or hand-picked), claimed by an
 * inspector, replayed with the player (js/player.js), noted on a timeline and scored on the centre's assessment
 * form; a submitted score is locked and only changed by a correction (a new version, with a reason). The agent's
 * acknowledgement or dispute is shown. Reports: per agent for the month, and the weekly summary (with CSV).
 *
 * The entry module: the tabs, the month, and the start (the panels are modules in js/qc/). Everything comes from
 * /api/qc/* (and /api/recordings/* for the audio); nothing is polled — the lists are reloaded after each action
 * and when the month or a filter changes.
 */

import "./i18n/common.js";
import "./i18n/qc.js";
import "./i18n/player.js";
import { errorText } from "./core/api.js";
import { $, el } from "./core/dom.js";
import { t } from "./core/i18n.js";
import { whoAmIWithClock, hasRole, openPageFor } from "./core/auth.js";
import { renderHeader } from "./core/header.js";
import { QC_ROLES, Q, thisMonth, thisWeekStart } from "./qc/state.js";
import { gradeOf, totalOf } from "./qc/scoring.js";
import { renderSamplesHead, loadSamples, renderSamples, claim } from "./qc/queue.js";
import { loadDraw, renderDraw, draw, pick } from "./qc/draw.js";
import { openDetail, closeDetail, addNote, renderDetail } from "./qc/detail.js";
import { submitForm, startCorrection, cancelCorrection } from "./qc/form.js";
import { loadReports, renderReports } from "./qc/reports.js";
import { setMonth } from "./qc/month.js";

function showTab(tab) {
  Q.tab = tab;
  for (const name of ["queue", "reports"]) {
    $(`qc-tab-${name}`).setAttribute("aria-selected", name === tab ? "true" : "false");
    $(`qc-${name}-panel`).hidden = name !== tab;
  }
  if (tab === "reports") loadReports();
}

function rerenderAll() {
  renderSamplesHead();
  renderSamples();
  if (Q.detail) renderDetail(false);
  if (Q.tab === "reports") renderReports();
  if (Q.draw) renderDraw();
}

async function startQc() {
  renderHeader({ title: "qc.title" });
  Q.user = await openPageFor(whoAmIWithClock, (u) => hasRole(u, ...QC_ROLES), "qc", errorText);
  if (!Q.user) return;
  const fromUrl = new URLSearchParams(window.location.search).get("month");
  Q.month = /^\d{4}-\d\d$/.test(fromUrl || "") ? fromUrl : thisMonth();
  $("qc-month").value = Q.month;
  $("qc-week-start").value = thisWeekStart();
  $("qc-month").addEventListener("change", () => {
    if (/^\d{4}-\d\d$/.test($("qc-month").value)) setMonth($("qc-month").value);
  });
  $("qc-tab-queue").addEventListener("click", () => showTab("queue"));
  $("qc-tab-reports").addEventListener("click", () => showTab("reports"));
  $("qc-week-start").addEventListener("change", loadReports);
  $("qc-draw-form").addEventListener("submit", draw);
  $("qc-pick-form").addEventListener("submit", pick);
  $("qc-filter-status").addEventListener("change", loadSamples);
  $("qc-filter-mine").addEventListener("change", loadSamples);
  let filterTimer = null;
  $("qc-filter-agent").addEventListener("input", () => {
    clearTimeout(filterTimer);
    filterTimer = setTimeout(loadSamples, 300);
  });
  $("qc-close").addEventListener("click", closeDetail);
  $("qc-detail-claim").addEventListener("click", () => claim(Q.detail.id, "claim"));
  $("qc-note-form").addEventListener("submit", addNote);
  $("qc-form").addEventListener("submit", submitForm);
  $("qc-correct").addEventListener("click", startCorrection);
  $("qc-correct-cancel").addEventListener("click", cancelCorrection);
  // the correction's own submit button, next to the reason
  const corr = el("button", { type: "submit", id: "qc-correct-submit", "data-testid": "qc-correct-submit", hidden: true });
  corr.dataset.i18n = "qc.correct_submit";
  corr.textContent = t("qc.correct_submit");
  $("qc-correct-box").appendChild(corr);
  document.addEventListener("cc:langchange", rerenderAll);
  renderSamplesHead();
  loadDraw();
  await loadSamples();
  const m = /^#sample-(\d+)$/.exec(window.location.hash);
  if (m) openDetail(Number(m[1]));
}

document.addEventListener("DOMContentLoaded", startQc);

/* For tests and debugging. */
window.ccQc = { state: Q, totalOf, gradeOf };
