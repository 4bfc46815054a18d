/* The flows list: load, create, select a flow (asks before dropping unsaved draft edits). */
import { call, errorText } from "../core/api.js";
import { $, el, showStatus } from "../core/dom.js";
import { t } from "../core/i18n.js";
import { renderEditor } from "./editor.js";
import { showCheckSummary } from "./publish.js";
import { clone, S, STARTER } from "./state.js";

export async function loadFlows() {
  const r = await call("GET", "/api/ivr/flows");
  if (!r.ok) {
    showStatus($("page-status"), () => errorText(r), "error");
    return;
  }
  S.flows = r.data;
  renderFlowList();
}

export function renderFlowList() {
  const ul = $("flow-list");
  ul.textContent = "";
  if (!S.flows.length) ul.appendChild(el("li", { class: "muted", text: t("flows.empty") }));
  for (const f of S.flows) {
    const selected = S.flow && S.flow.id === f.id;
    const live = f.live_version ? t("flows.live", { version: f.live_version }) : t("flows.not_live");
    const eps = f.entry_points.length ? t("flows.entry_points", { list: f.entry_points.join(", ") })
      : t("flows.no_entry_points");
    ul.appendChild(el("li", {},
      el("button", { type: "button", class: "flow-item" + (selected ? " selected" : ""),
                     "data-testid": `flow-item-${f.id}`, "data-flow-name": f.name,
                     "aria-current": selected ? "true" : null, onclick: () => selectFlow(f.id) },
        el("strong", { class: "flow-name", text: f.name }),
        el("span", { class: "flow-meta" + (f.live_version ? " live" : ""), "data-testid": `flow-item-live-${f.id}`,
                     text: live }),
        el("span", { class: "flow-meta", "data-testid": `flow-item-eps-${f.id}`, text: eps }))));
  }
}

export async function createFlow(ev) {
  ev.preventDefault();
  const input = $("new-flow-name");
  const name = input.value.trim();
  const status = $("new-flow-status");
  if (!name) return;
  if (S.dirty && !window.confirm(t("editor.discard"))) return;
  const r = await call("POST", "/api/ivr/flows", { name, description: "", draft: clone(STARTER) });
  if (!r.ok) {
    showStatus(status, () => errorText(r), "error");
    return;
  }
  input.value = "";
  showStatus(status, () => t("flows.created", { name }), "ok");
  S.dirty = false;
  await loadFlows();
  await selectFlow(r.data.id, true);
}

export async function selectFlow(id, force) {
  if (!force && S.dirty && S.flow && S.flow.id !== id && !window.confirm(t("editor.discard"))) return;
  const r = await call("GET", `/api/ivr/flows/${id}`);
  if (!r.ok) {
    showStatus($("page-status"), () => errorText(r), "error");
    return;
  }
  showStatus($("editor-status"), "");
  showStatus($("entry-status"), "");
  showStatus($("versions-status"), "");
  showStatus($("add-node-status"), "");
  setFlow(r.data);
  showCheckSummary();
  history.replaceState(null, "", `#flow=${id}`);
  renderFlowList();
}

/* Take the server's copy of a flow as the new starting point of the editor. */
export function setFlow(flow) {
  S.flow = flow;
  S.draft = clone(flow.draft || {});
  if (typeof S.draft.nodes !== "object" || S.draft.nodes === null || Array.isArray(S.draft.nodes)) S.draft.nodes = {};
  S.dirty = false;
  S.problems = flow.problems || [];
  S.problemsFrom = "check";
  if (!$("prompt-language").value) $("prompt-language").value = S.draft.language || "en";
  renderEditor();
}
