/* The draft editor: start node, the problems of the last check, the tree of nodes from the start. */
import { $, el } from "../core/dom.js";
import { getLang, t } from "../core/i18n.js";
import { fmtTime } from "../core/time.js";
import { renderEntryPoints } from "./entry.js";
import { nodeCard } from "./nodes.js";
import { NODE_ID, S, targets } from "./state.js";
import { renderVersions } from "./versions.js";

export function renderEditor() {
  const f = S.flow;
  $("editor-empty").hidden = Boolean(f);
  $("editor").hidden = !f;
  if (!f) return;
  $("dirty").hidden = !S.dirty;
  $("flow-title").textContent = f.name;
  const live = $("flow-live");
  live.textContent = f.live_version ? t("flows.live", { version: f.live_version }) : t("flows.not_live");
  live.classList.toggle("live", Boolean(f.live_version));
  $("flow-saved-at").textContent = t("editor.draft_saved_at", { time: fmtTime(f.draft_updated_at) });
  $("flow-language").value = S.draft.language || "";
  renderStartSelect();
  renderTree();
  renderVersions();
  renderEntryPoints();
}

export function renderStartSelect() {
  const sel = $("flow-start");
  sel.textContent = "";
  const ids = Object.keys(S.draft.nodes);
  const start = S.draft.start || "";
  if (!start) sel.appendChild(el("option", { value: "", text: t("node.target_choose") }));
  for (const id of ids) sel.appendChild(el("option", { value: id, text: id }));
  if (start && !ids.includes(start)) {
    sel.appendChild(el("option", { value: start, class: "missing", text: t("node.target_missing", { id: start }) }));
  }
  sel.value = start;
}

/* Problems of a refused publish are errors (red); the server's check of the saved draft is a warning. */
export function problemClass() {
  return S.problemsFrom === "publish" ? "refused" : "check";
}

/* A problem of the server's check in the page's language (the server sends both; shape errors stay English). */
export function problemText(p) {
  return (p.messages && p.messages[getLang()]) || p.message;
}

export function problemsFor(id) {
  return S.problems.filter((p) => p.node === id);
}

export function renderProblemSummary() {
  const box = $("flow-problems");
  box.textContent = "";
  box.className = `problems ${problemClass()}`;
  const nodes = S.draft.nodes;
  const general = S.problems.filter((p) => p.node === null || p.node === undefined || !(p.node in nodes));
  box.hidden = !general.length;
  if (general.length) {
    box.appendChild(el("strong", { text: t("editor.flow_problems") }));
    box.appendChild(el("ul", {}, general.map((p) => el("li", { "data-testid": "flow-problem",
      text: p.node ? `${p.node}: ${problemText(p)}` : problemText(p) }))));
  }
}

export function renderTree() {
  renderProblemSummary();
  const nodes = S.draft.nodes;
  const visited = new Set();
  const tree = $("tree");
  tree.textContent = "";
  if (!Object.keys(nodes).length && !S.draft.start) {
    tree.appendChild(el("p", { class: "muted", text: t("editor.no_nodes") }));
  } else {
    tree.appendChild(el("ul", { class: "tree-root" }, branch(S.draft.start, t("tree.start"), visited)));
  }
  const rest = Object.keys(nodes).filter((id) => !visited.has(id));
  const un = $("unreachable");
  un.textContent = "";
  $("unreachable-section").hidden = !rest.length;
  if (rest.length) {
    const ul = el("ul", { class: "tree-root" });
    for (const id of rest) if (!visited.has(id)) ul.appendChild(branch(id, "", visited));
    un.appendChild(ul);
  }
}

/* One node of the tree with everything below it; a node already shown is linked, not repeated. */
export function branch(id, edge, visited) {
  const nodes = S.draft.nodes;
  const li = el("li", { class: "branch" });
  if (edge) li.appendChild(el("span", { class: "edge", text: edge }));
  if (!id) {
    li.appendChild(el("span", { class: "stub missing", text: t("tree.not_set") }));
    return li;
  }
  if (!(id in nodes)) {
    li.appendChild(el("span", { class: "stub missing", "data-testid": `missing-${id}` },
      t("tree.missing", { id }), " ",
      NODE_ID.test(id) ? el("button", { type: "button", class: "small secondary", "data-testid": `create-missing-${id}`,
                                        onclick: () => prefillAddNode(id), text: t("tree.create") }) : null));
    return li;
  }
  if (visited.has(id)) {
    li.appendChild(el("a", { href: `#node-${id}`, class: "ref", "data-testid": `ref-${id}`,
                             onclick: (ev) => { ev.preventDefault(); jumpTo(id); }, text: t("tree.ref", { id }) }));
    return li;
  }
  visited.add(id);
  li.appendChild(nodeCard(id, nodes[id]));
  const kids = targets(nodes[id]);
  if (kids.length) li.appendChild(el("ul", {}, kids.map((k) => branch(k.id, k.what, visited))));
  return li;
}

export function jumpTo(id) {
  const card = document.querySelector(`[data-node-id="${CSS.escape(id)}"]`);
  if (!card) return;
  card.scrollIntoView({ behavior: "smooth", block: "center" });
  card.classList.add("flash");
  setTimeout(() => card.classList.remove("flash"), 1200);
}

export function prefillAddNode(id) {
  $("add-node-id").value = id;
  $("add-node-form").scrollIntoView({ behavior: "smooth", block: "center" });
  $("add-node-kind").focus();
}
