/* Save the draft, publish it (the server's check refuses a broken flow; its problems go next to their nodes). */
import { call, errorText } from "../core/api.js";
import { $, showStatus } from "../core/dom.js";
import { t } from "../core/i18n.js";
import { renderTree } from "./editor.js";
import { loadEntryPoints } from "./entry.js";
import { loadFlows, setFlow } from "./flows.js";
import { S } from "./state.js";

export function showCheckSummary() {
  const n = S.problems.length;
  showStatus($("editor-status"), () => (n ? t("editor.problems", { n }) : t("editor.no_problems")), n ? "warn" : "ok");
}

export async function saveDraft(quiet) {
  const status = $("editor-status");
  showStatus(status, () => t("editor.saving"));
  const r = await call("PUT", `/api/ivr/flows/${S.flow.id}/draft`, { draft: S.draft });
  if (!r.ok) {
    showStatus(status, () => errorText(r), "error");
    return false;
  }
  setFlow(r.data);
  const n = S.problems.length;
  if (!quiet) {
    showStatus(status, () => t("editor.saved") + " " + (n ? t("editor.problems", { n }) : t("editor.no_problems")),
               n ? "warn" : "ok");
  }
  return true;
}

export async function publish() {
  const status = $("editor-status");
  const btn = $("publish");
  btn.disabled = true;
  try {
    if (S.dirty && !(await saveDraft(true))) return;
    showStatus(status, () => t("editor.publishing"));
    const r = await call("POST", `/api/ivr/flows/${S.flow.id}/publish`, { note: $("publish-note").value.trim() });
    if (r.status === 422 && r.data && r.data.details && Array.isArray(r.data.details.problems)) {
      S.problems = r.data.details.problems;
      S.problemsFrom = "publish";
      renderTree();
      showStatus(status, () => t("editor.refused", { n: S.problems.length }), "error");
      const first = document.querySelector(".node.has-problems, #flow-problems:not([hidden])");
      if (first) first.scrollIntoView({ behavior: "smooth", block: "center" });
      return;
    }
    if (!r.ok) {
      showStatus(status, () => errorText(r), "error");
      return;
    }
    $("publish-note").value = "";
    await reloadFlow();
    showStatus(status, () => t("editor.published", { version: r.data.version }), "ok");
  } finally {
    btn.disabled = false;
  }
}

export async function reloadFlow() {
  const r = await call("GET", `/api/ivr/flows/${S.flow.id}`);
  if (r.ok) setFlow(r.data);
  await Promise.all([loadFlows(), loadEntryPoints()]);
}
