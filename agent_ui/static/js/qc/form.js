/* The assessment form: scored once, then locked; a correction makes a new version (with a reason). */

import { call, errorText } from "../core/api.js";
import { $, el, showStatus } from "../core/dom.js";
import { t } from "../core/i18n.js";
import { hasRole } from "../core/auth.js";
import { Q, say, me, fmtDateTime, gradeLabel, responseLabel, criterionLabel, sAssignee } from "./state.js";
import { fmtNum, gradeOf, criterionPoints, totalOf, latestVersion } from "./scoring.js";
import { loadSamples } from "./queue.js";
import { openDetail } from "./detail.js";

export function criteria() {
  const tpl = Q.detail && Q.detail.template;
  return tpl && Array.isArray(tpl.criteria) ? tpl.criteria : [];
}

/* May this user score the open sample now? */
function canScore() {
  const d = Q.detail;
  if (!d) return false;
  if (d.evaluation) return Q.correcting;
  return sAssignee(d) === me() || hasRole(Q.user, "supervisor", "admin"); // the API lets a supervisor score unclaimed
}

/* May this user correct the locked score (its evaluator, the sample's holder, a supervisor / admin)? */
function mayCorrect() {
  const d = Q.detail;
  const ev = d && d.evaluation;
  if (!ev) return false;
  return hasRole(Q.user, "supervisor", "admin") || ev.evaluator === me() || sAssignee(d) === me();
}

/* The form: from the latest version when there is one (locked unless correcting), else empty. */
export function renderForm(reset) {
  const d = Q.detail;
  const tpl = d.template || {};
  $("qc-template-name").textContent = tpl.name ? `· ${tpl.name}` : "";
  const ev = d.evaluation;
  const last = latestVersion(ev);
  const editable = canScore();
  const body = $("qc-criteria-rows");
  const keep = {};
  if (!reset) { // a language change: keep what was typed
    for (const c of criteria()) {
      const s = $(`qc-score-${c.key}`);
      const m = $(`qc-comment-${c.key}`);
      if (s) keep[c.key] = { score: s.value, comment: m ? m.value : "" };
    }
  }
  body.textContent = "";
  for (const c of criteria()) {
    const fromVersion = last ? { score: (last.scores || {})[c.key], comment: (last.comments || {})[c.key] } : {};
    const v = keep[c.key] || fromVersion;
    const score = el("input", { type: "number", id: `qc-score-${c.key}`, "data-testid": `qc-score-${c.key}`,
                                min: c.scale_min, max: c.scale_max, step: "1", inputmode: "numeric",
                                value: v.score === undefined || v.score === null ? "" : String(v.score),
                                disabled: !editable, "aria-label": criterionLabel(c) });
    score.addEventListener("input", renderTotal);
    const comment = el("input", { id: `qc-comment-${c.key}`, "data-testid": `qc-comment-${c.key}`, maxlength: 2000,
                                  autocomplete: "off", value: v.comment || "", disabled: !editable,
                                  "aria-label": t("qc.comment_for", { criterion: criterionLabel(c) }) });
    body.appendChild(el("tr", { "data-key": c.key },
      el("th", { scope: "row" }, el("span", { class: "qc-crit", text: criterionLabel(c) }),
         el("span", { class: "muted small qc-crit-meta",
                      text: t("qc.criterion_meta", { weight: fmtNum(c.weight), min: c.scale_min, max: c.scale_max }) })),
      el("td", { class: "qc-score-cell" }, score, el("span", { class: "muted small", text: ` ${c.scale_min}–${c.scale_max}` })),
      el("td", { class: "num mono", id: `qc-points-${c.key}`, "data-testid": `qc-points-${c.key}` }),
      el("td", { class: "qc-comment-cell" }, comment)));
  }
  if (reset) $("qc-summary").value = last ? last.summary || "" : "";
  $("qc-summary").disabled = !editable;

  const locked = Boolean(ev) && !Q.correcting;
  const lockedBox = $("qc-locked");
  lockedBox.hidden = !ev;
  if (ev) {
    const ver = ev.current_version || (last ? last.version || (ev.versions || []).length : 1);
    lockedBox.textContent = Q.correcting
      ? t("qc.correcting", { version: ver })
      : t("qc.locked", { version: ver, by: (last && (last.by || last.scored_by)) || "—",
                         at: fmtDateTime(last && (last.created_at || last.at)) });
    lockedBox.dataset.version = String(ver);
    lockedBox.classList.toggle("qc-correcting", Q.correcting);
  }
  $("qc-form").classList.toggle("qc-form-locked", locked);
  $("qc-submit").hidden = !editable || Boolean(ev);
  $("qc-submit").disabled = false;
  $("qc-correct").hidden = !ev || Q.correcting || !mayCorrect();
  $("qc-correct-cancel").hidden = !Q.correcting;
  $("qc-correct-box").hidden = !Q.correcting;
  if (reset || !Q.correcting) $("qc-correct-reason").value = "";
  const submitCorrection = $("qc-correct-submit");
  if (submitCorrection) submitCorrection.hidden = !Q.correcting;
  renderTotal();
  renderHistory();
  renderResponse();
}

function formScores() {
  const scores = {};
  const comments = {};
  for (const c of criteria()) {
    const s = $(`qc-score-${c.key}`).value.trim();
    scores[c.key] = s === "" ? null : Number(s);
    const m = $(`qc-comment-${c.key}`).value.trim();
    if (m) comments[c.key] = m;
  }
  return { scores, comments };
}

function renderTotal() {
  const list = criteria();
  const { scores } = formScores();
  for (const c of list) {
    const p = criterionPoints(c, scores[c.key]);
    const cell = $(`qc-points-${c.key}`);
    cell.textContent = p === null ? "—" : fmtNum(Math.round(p * 10) / 10);
    const input = $(`qc-score-${c.key}`);
    const bad = scores[c.key] !== null && p === null;
    input.setAttribute("aria-invalid", bad ? "true" : "false");
  }
  const ev = Q.detail.evaluation;
  const last = latestVersion(ev);
  let total;
  let complete;
  if (ev && last && !Q.correcting && last.total !== undefined && last.total !== null) {
    total = Number(last.total); // the stored score is what counts
    complete = true;
  } else {
    ({ total, complete } = totalOf(list, scores));
  }
  const grade = complete ? (ev && last && !Q.correcting && last.grade) || gradeOf(total) : "";
  $("qc-total").textContent = list.length ? fmtNum(total) : "—";
  $("qc-total").dataset.total = String(total);
  $("qc-total").dataset.complete = complete ? "true" : "false";
  const g = $("qc-grade");
  g.dataset.grade = grade;
  g.textContent = grade ? gradeLabel(grade) : t("qc.grade_incomplete");
}

function renderHistory() {
  const ev = Q.detail.evaluation;
  const versions = ev && Array.isArray(ev.versions) ? [...ev.versions] : [];
  versions.sort((a, b) => Number(b.version || 0) - Number(a.version || 0));
  $("qc-history-box").hidden = !versions.length;
  const ol = $("qc-history");
  ol.textContent = "";
  for (const v of versions) {
    const grade = v.grade || gradeOf(v.total);
    ol.appendChild(el("li", { "data-testid": "qc-history-item", "data-version": v.version },
      el("strong", { text: t("qc.version", { version: v.version }) }), " ",
      `${fmtNum(v.total)} · `, el("span", { class: "qc-grade", "data-grade": grade, text: gradeLabel(grade) }),
      el("span", { class: "muted small", text: ` · ${[v.by || v.scored_by, fmtDateTime(v.created_at || v.at)].filter(Boolean).join(" · ")}` }),
      v.reason ? el("div", { class: "small", text: t("qc.version_reason", { reason: v.reason }) }) : null,
      v.agent_response ? el("div", { class: "small" }, el("span", { class: `badge qc-resp-${v.agent_response}`,
                                                                    text: responseLabel(v.agent_response) }),
                            v.agent_comment ? ` ${v.agent_comment}` : "") : null));
  }
}

function renderResponse() {
  const ev = Q.detail.evaluation;
  const box = $("qc-response");
  box.hidden = !ev;
  if (!ev) return;
  const r = ev.agent_response || "";
  box.dataset.response = r;
  box.textContent = "";
  box.append(el("strong", { text: t("qc.agent_response") }), " ",
             el("span", { class: `badge qc-resp-${r || "none"}`, "data-testid": "qc-agent-response-state",
                          text: responseLabel(r) }));
  if (ev.agent_responded_at || ev.responded_at) {
    box.append(el("span", { class: "muted small", text: ` ${fmtDateTime(ev.agent_responded_at || ev.responded_at)}` }));
  }
  if (ev.agent_comment) box.append(el("p", { class: "qc-agent-comment", text: ev.agent_comment }));
}

export async function submitForm(ev) {
  ev.preventDefault();
  const d = Q.detail;
  if (!d || !canScore()) return;
  const { scores, comments } = formScores();
  const missing = criteria().filter((c) => criterionPoints(c, scores[c.key]) === null);
  if (missing.length) {
    showStatus($("qc-form-status"), () => t("qc.scores_missing", { list: missing.map(criterionLabel).join(", ") }), "error");
    $(`qc-score-${missing[0].key}`).focus();
    return;
  }
  const summary = $("qc-summary").value.trim();
  let r;
  if (d.evaluation) {
    const reason = $("qc-correct-reason").value.trim();
    if (!reason) {
      showStatus($("qc-form-status"), () => t("qc.reason_missing"), "error");
      $("qc-correct-reason").focus();
      return;
    }
    $("qc-correct-submit").disabled = true;
    r = await call("POST", `/api/qc/evaluations/${d.evaluation.id}/corrections`, { scores, comments, summary, reason });
    $("qc-correct-submit").disabled = false;
  } else {
    $("qc-submit").disabled = true;
    r = await call("POST", `/api/qc/samples/${d.id}/evaluation`,
                   { template_id: d.template && d.template.id, scores, comments, summary });
    $("qc-submit").disabled = false;
  }
  if (!r.ok) {
    showStatus($("qc-form-status"), () => errorText(r), "error");
    return;
  }
  const res = r.data || {};
  const total = res.total !== undefined ? res.total : (latestVersion(res) || {}).total;
  const grade = res.grade || (latestVersion(res) || {}).grade || gradeOf(total);
  say("");
  showStatus($("qc-form-status"), () => t(d.evaluation ? "qc.corrected" : "qc.submitted",
                                          { total: fmtNum(total), grade: gradeLabel(grade) }), "ok");
  Q.correcting = false;
  await openDetail(d.id);
  loadSamples();
}

export function startCorrection() {
  Q.correcting = true;
  renderForm(false);
  showStatus($("qc-form-status"), "");
  $("qc-correct-reason").focus();
}

export function cancelCorrection() {
  Q.correcting = false;
  renderForm(true);
  showStatus($("qc-form-status"), "");
}
