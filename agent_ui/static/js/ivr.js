/* ivr.html: edit an IVR flow's draft as a tree, publish it (problems shown next to their nodes), roll back,
 * route dialled numbers to it; upload/preview/delete prompts; listen to and handle voicemail.
 *
 * The draft is the flow document of ivr/flowdef.py: {start, language, nodes: {id: {kind, label, ...}}}.
 * It is edited locally and only sent with "save draft" (PUT) or "publish" (which saves first).
 */
import "./i18n/common.js";
import "./i18n/ivr.js";
import { pageUser } from "./core/auth.js";
import { $, el } from "./core/dom.js";
import { renderHeader } from "./core/header.js";
import { t } from "./core/i18n.js";
import { renderEditor, renderTree } from "./ivr/editor.js";
import { assignEntryPoint, loadEntryPoints } from "./ivr/entry.js";
import { createFlow, loadFlows, renderFlowList, selectFlow } from "./ivr/flows.js";
import { addNode } from "./ivr/nodes.js";
import { loadPrompts, renderPrompts, uploadPrompt } from "./ivr/prompts.js";
import { publish, saveDraft } from "./ivr/publish.js";
import { KINDS, markDirty, S } from "./ivr/state.js";
import { loadVoicemails } from "./ivr/voicemail.js";

function fillKindSelect() {
  const sel = $("add-node-kind");
  const keep = sel.value || "menu";
  sel.textContent = "";
  KINDS.forEach((k) => sel.appendChild(el("option", { value: k, text: t(`kind.${k}`) })));
  sel.value = keep;
}

function rerenderAll() {
  fillKindSelect();
  renderFlowList();
  renderPrompts();
  if (S.flow) renderEditor();
  loadVoicemails();
}

async function start() {
  const isAdmin = S.user.roles.includes("admin");
  const canVoicemail = isAdmin || S.user.roles.includes("supervisor");
  if (!canVoicemail) {
    $("no-access").hidden = false;
    return;
  }
  $("layout").hidden = false;
  document.addEventListener("cc:langchange", rerenderAll);
  window.addEventListener("beforeunload", (ev) => { // unsaved draft edits: let the browser ask first
    if (S.dirty) {
      ev.preventDefault();
      ev.returnValue = "";
    }
  });
  $("vm-show-handled").addEventListener("change", loadVoicemails);
  $("vm-refresh").addEventListener("click", loadVoicemails);
  if (!isAdmin) { // supervisors: voicemail only
    $("flows-panel").hidden = true;
    $("editor-panel").hidden = true;
    $("prompts-panel").hidden = true;
    $("layout").classList.add("single");
    await loadVoicemails();
    return;
  }
  const initialHash = window.location.hash;
  fillKindSelect();
  $("new-flow-form").addEventListener("submit", createFlow);
  $("add-node-form").addEventListener("submit", addNode);
  $("save-draft").addEventListener("click", () => saveDraft(false));
  $("publish").addEventListener("click", publish);
  $("entry-form").addEventListener("submit", assignEntryPoint);
  $("prompt-form").addEventListener("submit", uploadPrompt);
  $("flow-start").addEventListener("change", (ev) => { S.draft.start = ev.target.value; markDirty(); renderTree(); });
  $("flow-language").addEventListener("input", (ev) => { S.draft.language = ev.target.value.trim(); markDirty(); });
  await Promise.all([loadFlows(), loadPrompts(), loadEntryPoints(), loadVoicemails()]);
  const m = /#flow=(\d+)/.exec(initialHash);
  const wanted = m ? Number(m[1]) : null;
  const first = S.flows.find((f) => f.id === wanted) || S.flows[0];
  if (first) await selectFlow(first.id, true);
  else renderEditor();
  if (initialHash === "#voicemail") $("voicemail").scrollIntoView();
}

renderHeader({ title: "ivr.title" });
S.user = await pageUser($("page-status"));
if (S.user) await start();
