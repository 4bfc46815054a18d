/* A complaint's cause (docs/cases.md): the classes and the causes the centre configured (settings
 * case_policy.causes), read once per page from GET /api/cases/causes, and the pair of selects — cause class, cause —
 * that the desktop's "New case" form (agent/case_form.js) and the cases page's new-case and classify forms share.
 *
 * A cause is shown in the page's language by the cases catalogue (cases.cause.<code>, js/i18n/cases.js); a code it
 * does not know (one the centre added) by the server's words, which are the code itself when it has none. The
 * cause select lists the chosen class's causes (no class: all, grouped by class); choosing a cause sets its class.
 * Both may stay empty. The selects' words follow a language change by themselves. */

import { call } from "./api.js";
import { el } from "./dom.js";
import { getLang, t, tOr } from "./i18n.js";

export const CAUSE_CLASSES = ["quality", "non_quality"];

let classes = null; // the answer's classes once read: [{cause_class, causes: [{code, en, zh_CN}]}]
let loading = null;

/* The configured classes and causes, read once (a failed read gives [] and is tried again next time). */
export function loadCauses() {
  if (classes) return Promise.resolve(classes);
  if (!loading) {
    loading = call("GET", "/api/cases/causes").then((r) => {
      loading = null;
      if (r.ok && r.data && Array.isArray(r.data.classes)) classes = r.data.classes;
      return classes || [];
    });
  }
  return loading;
}

function causesOf(cls) {
  const k = (classes || []).find((x) => x.cause_class === cls);
  return k && Array.isArray(k.causes) ? k.causes : [];
}

function find(code) {
  for (const k of classes || []) {
    const c = (k.causes || []).find((x) => x.code === code);
    if (c) return { cls: k.cause_class, cause: c };
  }
  return null;
}

/* The class a configured cause belongs to, or null. */
export function classOfCause(code) {
  const f = find(code);
  return f ? f.cls : null;
}

export const causeClassLabel = (v) => (v ? tOr(`cases.cause_class.${v}`, v) : "");

/* A cause in the page's language: the catalogue's words, else the server's, else the code. */
export function causeLabel(code) {
  if (!code) return "";
  const f = find(code);
  const server = f ? (getLang().startsWith("zh") ? f.cause.zh_CN : f.cause.en) : "";
  return tOr(`cases.cause.${code}`, server || code);
}

/* "quality / service attitude" (either part may be missing; "" when both are). */
export function causeText(causeClass, cause) {
  return [causeClassLabel(causeClass), causeLabel(cause)].filter(Boolean).join(" / ");
}

function causeOption(code) {
  return el("option", { value: code, "data-cause": code, text: causeLabel(code) });
}

function fillClasses(classSel) {
  const keep = classSel.value;
  classSel.textContent = "";
  classSel.appendChild(el("option", { value: "", text: t("cases.unclassified") }));
  for (const k of CAUSE_CLASSES) classSel.appendChild(el("option", { value: k, text: causeClassLabel(k) }));
  classSel.value = CAUSE_CLASSES.includes(keep) ? keep : "";
}

/* The cause select's options for the chosen class (none chosen: every class's, grouped), keeping the chosen cause
 * while it is among them; one not configured (a case classified before the list changed) is kept as it is. */
function fillCauses(classSel, causeSel) {
  const keep = causeSel.value || causeSel.dataset.keep || "";
  delete causeSel.dataset.keep;
  const cls = classSel.value;
  causeSel.textContent = "";
  causeSel.appendChild(el("option", { value: "", text: t("cases.cause_none") }));
  if (cls) {
    for (const c of causesOf(cls)) causeSel.appendChild(causeOption(c.code));
  } else {
    for (const k of CAUSE_CLASSES) {
      const list = causesOf(k);
      if (list.length) causeSel.appendChild(el("optgroup", { label: causeClassLabel(k) }, list.map((c) => causeOption(c.code))));
    }
  }
  const known = classOfCause(keep);
  if (keep && known === null) causeSel.appendChild(causeOption(keep));
  causeSel.value = keep && (known === null || !cls || known === cls) ? keep : "";
}

/* Both selects' options in the page's language, keeping what is chosen. */
export function renderCauseSelects(classSel, causeSel) {
  fillClasses(classSel);
  fillCauses(classSel, causeSel);
}

/* Make ``classSel`` and ``causeSel`` the pair (once per pair), optionally chosen as ``cause_class`` / ``cause``;
 * drawn now with what is known and again once the list has been read. */
export function bindCauseSelects(classSel, causeSel, chosen) {
  if (!classSel._causes) {
    classSel._causes = causeSel;
    classSel.dataset.causeClasses = "";
    classSel.addEventListener("change", () => fillCauses(classSel, causeSel));
    causeSel.addEventListener("change", () => {
      const k = classOfCause(causeSel.value);
      if (k && classSel.value !== k) {
        classSel.value = k;
        fillCauses(classSel, causeSel);
      }
    });
  }
  if (chosen) setCause(classSel, causeSel, chosen.cause_class, chosen.cause);
  else renderCauseSelects(classSel, causeSel);
  loadCauses().then(() => { if (classSel.isConnected) renderCauseSelects(classSel, causeSel); });
}

/* Choose ``causeClass`` and ``cause`` (null / "" for none). */
export function setCause(classSel, causeSel, causeClass, cause) {
  fillClasses(classSel);
  classSel.value = CAUSE_CLASSES.includes(causeClass) ? causeClass : "";
  causeSel.value = "";
  causeSel.dataset.keep = cause || "";
  fillCauses(classSel, causeSel);
}

/* What is chosen: {cause_class, cause}, each null when empty. */
export function causeValues(classSel, causeSel) {
  return { cause_class: classSel.value || null, cause: causeSel.value || null };
}

document.addEventListener("cc:langchange", () => {
  for (const sel of document.querySelectorAll("select[data-cause-classes]")) {
    if (sel._causes) renderCauseSelects(sel, sel._causes);
  }
});
