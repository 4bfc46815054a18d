/* The outcome of the task's open attempt (POST /api/callbacks/{id}/outcome {version, outcome, note, survey}):
 * reached (with the four-point survey, every point answered), problem stands (the written feedback for the
 * department head required; the survey optional), refused, wrong number, no answer, busy. The form stays as typed
 * while the task is re-read (the poll during the call); a 409 reloads the task and says so. */
import { call } from "../core/api.js";
import { $, el, showStatus } from "../core/dom.js";
import { t } from "../core/i18n.js";
import { LEVELS, POINTS, R, outcomeLabel, stateLabel } from "./state.js";

let onSaved = () => {};
let onRefused = async () => {};

/* The survey's radio groups: name cb-point-<point>, values 1-4 (testid cb-point-<point>-<level>). */
function buildPoints() {
  $("cb-points").replaceChildren(...POINTS.map((p) => el("div", {
    class: "cb-point", role: "radiogroup", "data-testid": `cb-point-${p}`, "aria-labelledby": `cb-point-${p}-label` },
  el("span", { id: `cb-point-${p}-label`, "data-i18n": `callbacks.point.${p}`, text: t(`callbacks.point.${p}`) }),
  LEVELS.map(([n, word]) => el("label", {},
    el("input", { type: "radio", name: `cb-point-${p}`, value: String(n), "data-testid": `cb-point-${p}-${n}` }),
    el("span", { text: `${n} ${t(`callbacks.level.${word}`)}` }))))));
}

function point(p) {
  const chosen = document.querySelector(`input[name="cb-point-${p}"]:checked`);
  return chosen ? Number(chosen.value) : null;
}

/* The parts of the form that follow the outcome chosen: the survey (required / optional / none), the note's label. */
export function followOutcome() {
  const o = $("cb-outcome").value;
  const survey = o === "reached" || o === "problem_stands";
  $("cb-survey").hidden = !survey;
  $("cb-survey-rule").textContent = o === "reached" ? t("callbacks.survey_required")
    : o === "problem_stands" ? t("callbacks.survey_optional") : "";
  const feedback = o === "problem_stands";
  $("cb-note-label").textContent = t(feedback ? "callbacks.note_feedback" : "callbacks.note");
  $("cb-note").required = feedback;
  for (const p of POINTS) {
    for (const [n, word] of LEVELS) {
      const span = document.querySelector(`[data-testid="cb-point-${p}-${n}"] + span`);
      if (span) span.textContent = `${n} ${t(`callbacks.level.${word}`)}`;
    }
  }
}

export function resetOutcome() {
  $("cb-outcome-form").reset();
  showStatus($("cb-outcome-status"), "", "");
  followOutcome();
}

export function showOutcome(shown) {
  const form = $("cb-outcome-form");
  if (form.hidden === !shown) return;
  form.hidden = !shown;
  if (!shown) {
    $("cb-outcome-form").reset();
    followOutcome();
  }
}

async function save(ev) {
  ev.preventDefault();
  const d = R.detail;
  if (!d) return;
  const outcome = $("cb-outcome").value;
  const note = $("cb-note").value.trim();
  const points = Object.fromEntries(POINTS.map((p) => [p, point(p)]));
  const status = $("cb-outcome-status");
  if (!outcome) {
    showStatus(status, () => t("callbacks.outcome_needed"), "error");
    return;
  }
  if (outcome === "reached" && POINTS.some((p) => points[p] === null)) {
    showStatus(status, () => t("callbacks.survey_needed"), "error");
    return;
  }
  if (outcome === "problem_stands" && !note) {
    showStatus(status, () => t("callbacks.note_needed"), "error");
    $("cb-note").focus();
    return;
  }
  const body = { version: d.task.version, outcome, note };
  if (outcome === "reached" || (outcome === "problem_stands" && POINTS.some((p) => points[p] !== null))) {
    body.survey = points;
  }
  $("cb-outcome-save").disabled = true;
  const r = await call("POST", `/api/callbacks/${d.task.id}/outcome`, body);
  $("cb-outcome-save").disabled = false;
  if (!r.ok) {
    await onRefused(r);
    return;
  }
  resetOutcome();
  onSaved(r.data, () => t("callbacks.outcome_saved", { outcome: outcomeLabel(outcome),
                                                       state: stateLabel(r.data.task.state) }));
}

/* ``saved(detail, message)``: the outcome's answer (the task and its attempts) and what to say;
 * ``refused(r)``: a refusal to show (the form may be gone after the task is read again). */
export function initOutcome({ saved, refused }) {
  onSaved = saved;
  onRefused = refused;
  buildPoints();
  $("cb-outcome").addEventListener("change", followOutcome);
  $("cb-outcome-form").addEventListener("submit", save);
  document.addEventListener("cc:langchange", followOutcome);
  followOutcome();
}
