/* ivr.html: edit an IVR flow's draft as a tree, publish it (problems shown next to their nodes), roll back,
 * route dialled numbers to it; upload/preview/delete prompts; listen to and handle voicemail.
 *
 * The draft is the flow document of ivr/flowdef.py: {start, language, nodes: {id: {kind, label, ...}}}.
 * It is edited locally and only sent with "save draft" (PUT) or "publish" (which saves first).
 */
"use strict";

const KINDS = ["menu", "play", "queue", "voicemail", "transfer", "hours", "language", "lookup", "hangup"];
const DIGITS = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "0", "*", "#"];
const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const NODE_ID = /^[a-z0-9_]{1,40}$/;
const OTHER = "\u0000other"; // the "type it yourself" entry of a select

/* A new node of each kind, with the server's defaults written out (ivr/flowdef.py). */
const DEFAULTS = {
  menu: { prompt: "", options: [], timeout_seconds: 5, max_retries: 2, invalid_prompt: "invalid",
          timeout_prompt: null, default: null },
  play: { prompt: "", next: "", interruptible: true },
  queue: { queue: "", priority: 0, max_wait_seconds: 300, fallback: null },
  voicemail: { mailbox: "general", prompt: "vm-intro", max_seconds: 120 },
  transfer: { target: "" },
  hours: { schedule: { timezone: "Asia/Shanghai", weekly: {}, holidays: [] }, open: "", closed: "" },
  language: { language: "zh", next: "" },
  lookup: { found: "", not_found: "", vip: null, vip_priority: 10 },
  hangup: { prompt: null },
};
const STARTER = { start: "main", language: "en", nodes: { main: { kind: "menu", label: "", ...DEFAULTS.menu } } };

const S = {
  user: null,
  flows: [],
  flow: null, // the selected flow as the server last returned it
  draft: null, // the working copy of its draft
  dirty: false,
  problems: [],
  problemsFrom: null, // "check" (the server's check of the saved draft) or "publish" (a refused publish)
  prompts: [],
  entryPoints: {},
};

const $ = (id) => document.getElementById(id);
const clone = (x) => JSON.parse(JSON.stringify(x));

/* api() that sends the user back to the login page when the session has ended. */
async function call(method, path, body) {
  const r = await api(method, path, body);
  if (r.status === 401) window.location.replace("index.html");
  return r;
}

function newNode(kind) {
  return { kind, label: "", ...clone(DEFAULTS[kind]) };
}

/* A field's value, or the server's default when the document leaves it out. */
function val(node, key) {
  if (key in node) return node[key];
  const d = DEFAULTS[node.kind];
  return d && key in d ? clone(d[key]) : undefined;
}

/* Every edge leaving a node, as ivr/flowdef.py targets() sees them. */
function targets(node) {
  switch (node.kind) {
    case "menu": {
      const out = (node.options || []).map((o) => ({ what: t("edge.option", { digit: o.digit }), id: o.target }));
      if (node.default) out.push({ what: t("edge.default"), id: node.default });
      return out;
    }
    case "play":
    case "language":
      return [{ what: t("edge.next"), id: node.next }];
    case "queue":
      return node.fallback ? [{ what: t("edge.fallback"), id: node.fallback }] : [];
    case "hours":
      return [{ what: t("edge.open"), id: node.open }, { what: t("edge.closed"), id: node.closed }];
    case "lookup": {
      const out = [{ what: t("edge.found"), id: node.found }, { what: t("edge.not_found"), id: node.not_found }];
      if (node.vip) out.push({ what: t("edge.vip"), id: node.vip });
      return out;
    }
    default:
      return [];
  }
}

function markDirty() {
  S.dirty = true;
  $("dirty").hidden = false;
}

/* ---- flows list ------------------------------------------------------------------------------------- */

async function loadFlows() {
  const r = await call("GET", "/api/ivr/flows");
  if (!r.ok) {
    showStatus($("page-status"), () => errorText(r), "error");
    return;
  }
  S.flows = r.data;
  renderFlowList();
}

function renderFlowList() {
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

async function createFlow(ev) {
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

async function selectFlow(id, force) {
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
function setFlow(flow) {
  S.flow = flow;
  S.draft = clone(flow.draft || {});
  if (typeof S.draft.nodes !== "object" || S.draft.nodes === null || Array.isArray(S.draft.nodes)) S.draft.nodes = {};
  S.dirty = false;
  S.problems = flow.problems || [];
  S.problemsFrom = "check";
  if (!$("prompt-language").value) $("prompt-language").value = S.draft.language || "en";
  renderEditor();
}

/* ---- the editor ------------------------------------------------------------------------------------- */

function renderEditor() {
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

function renderStartSelect() {
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
function problemClass() {
  return S.problemsFrom === "publish" ? "refused" : "check";
}

function problemsFor(id) {
  return S.problems.filter((p) => p.node === id);
}

function renderProblemSummary() {
  const box = $("flow-problems");
  box.textContent = "";
  box.className = `problems ${problemClass()}`;
  const nodes = S.draft.nodes;
  const general = S.problems.filter((p) => p.node === null || p.node === undefined || !(p.node in nodes));
  box.hidden = !general.length;
  if (general.length) {
    box.appendChild(el("strong", { text: t("editor.flow_problems") }));
    box.appendChild(el("ul", {}, general.map((p) => el("li", { "data-testid": "flow-problem",
      text: p.node ? `${p.node}: ${p.message}` : p.message }))));
  }
}

function renderTree() {
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
function branch(id, edge, visited) {
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

function jumpTo(id) {
  const card = document.querySelector(`[data-node-id="${CSS.escape(id)}"]`);
  if (!card) return;
  card.scrollIntoView({ behavior: "smooth", block: "center" });
  card.classList.add("flash");
  setTimeout(() => card.classList.remove("flash"), 1200);
}

function prefillAddNode(id) {
  $("add-node-id").value = id;
  $("add-node-form").scrollIntoView({ behavior: "smooth", block: "center" });
  $("add-node-kind").focus();
}

/* ---- one node's form ---- */

function nodeCard(id, node) {
  const probs = problemsFor(id);
  const card = el("div", { class: "node" + (probs.length ? ` has-problems ${problemClass()}` : ""), id: `node-${id}`,
                           "data-node-id": id, "data-kind": node.kind, "data-testid": `node-${id}` });
  const kindSel = el("select", { "data-testid": `kind-${id}`, "aria-label": t("node.kind"),
                                 onchange: () => changeKind(id, kindSel.value) },
    KINDS.map((k) => el("option", { value: k, text: t(`kind.${k}`) })));
  if (!KINDS.includes(node.kind)) kindSel.appendChild(el("option", { value: node.kind, text: String(node.kind) }));
  kindSel.value = node.kind;
  card.appendChild(el("div", { class: "node-head" },
    el("span", { class: "node-id", text: id }),
    kindSel,
    el("input", { class: "node-label", value: node.label || "", "data-testid": `field-${id}-label`,
                  placeholder: t("node.label"), "aria-label": t("node.label"), maxlength: 200,
                  oninput: (ev) => { node.label = ev.target.value; markDirty(); } }),
    el("button", { type: "button", class: "small danger", "data-testid": `remove-node-${id}`,
                   onclick: () => removeNode(id), text: t("node.remove") })));
  const pl = el("ul", { class: `node-problems ${problemClass()}`, "data-testid": `problems-${id}`, role: "alert" },
    probs.map((p) => el("li", { text: p.message })));
  pl.hidden = !probs.length;
  card.appendChild(pl);
  const body = el("div", { class: "node-body" });
  (FIELDS[node.kind] || (() => []))(id, node).forEach((f) => body.appendChild(f));
  card.appendChild(body);
  return card;
}

function field(labelText, control, wide) {
  return el("label", { class: "field" + (wide ? " wide" : "") }, el("span", { text: labelText }), control);
}

function setKey(node, key, value) {
  if (value === undefined) delete node[key];
  else node[key] = value;
  markDirty();
}

function textField(id, node, key, labelKey, opts = {}) {
  const v = val(node, key);
  return field(t(labelKey), el("input", {
    value: v === null || v === undefined ? "" : String(v), "data-testid": `field-${id}-${key}`,
    maxlength: opts.maxlength || 80, placeholder: opts.placeholder,
    oninput: (ev) => setKey(node, key, ev.target.value.trim()),
  }));
}

function numberField(id, node, key, labelKey, opts = {}) {
  const v = val(node, key);
  return field(t(labelKey), el("input", {
    type: "number", value: v === null || v === undefined ? "" : String(v), "data-testid": `field-${id}-${key}`,
    min: opts.min, max: opts.max, step: opts.step || 1, class: "num",
    oninput: (ev) => {
      const raw = ev.target.value.trim();
      setKey(node, key, raw === "" ? undefined : (Number.isNaN(Number(raw)) ? raw : Number(raw)));
    },
  }));
}

function checkField(id, node, key, labelKey) {
  return el("label", { class: "field inline" },
    el("input", { type: "checkbox", checked: Boolean(val(node, key)), "data-testid": `field-${id}-${key}`,
                  onchange: (ev) => setKey(node, key, ev.target.checked) }),
    el("span", { text: t(labelKey) }));
}

/* A prompt: a select of the uploaded prompts, or a name typed in (e.g. an Asterisk sound like hello-world). */
function promptPicker(testid, value, optional, onChange) {
  const names = [...new Set(S.prompts.map((p) => p.name))].sort();
  const langsOf = (n) => S.prompts.filter((p) => p.name === n).map((p) => p.language).join(", ");
  const sel = el("select", { "data-testid": testid, "aria-label": t("node.prompt") },
    el("option", { value: "", text: optional ? t("node.prompt_none") : t("node.prompt_choose") }),
    names.map((n) => el("option", { value: n, text: `${n} (${langsOf(n)})` })));
  if (value && !names.includes(value)) { // e.g. one of Asterisk's own sounds ("invalid"), typed in earlier
    sel.appendChild(el("option", { value, text: t("node.prompt_typed", { name: value }) }));
  }
  sel.appendChild(el("option", { value: OTHER, text: t("node.prompt_other") }));
  const txt = el("input", { class: "other", "data-testid": `${testid}-text`, value: value || "", maxlength: 80,
                            placeholder: t("node.prompt_custom"), "aria-label": t("node.prompt_custom") });
  sel.value = value || "";
  txt.hidden = true;
  const emit = (v) => onChange(v ? v : (optional ? null : ""));
  sel.addEventListener("change", () => {
    if (sel.value === OTHER) {
      txt.hidden = false;
      txt.focus();
      emit(txt.value.trim());
    } else {
      txt.hidden = true;
      txt.value = sel.value;
      emit(sel.value);
    }
  });
  txt.addEventListener("input", () => emit(txt.value.trim()));
  return el("span", { class: "picker" }, sel, txt);
}

function promptField(id, node, key, labelKey, optional) {
  return field(t(labelKey), promptPicker(`field-${id}-${key}`, val(node, key), optional,
                                         (v) => setKey(node, key, v)));
}

/* A target node: a select of the nodes, or an id typed in (a node not made yet shows as missing). */
function targetPicker(testid, value, noneLabel, onChange) {
  const ids = Object.keys(S.draft.nodes);
  const sel = el("select", { "data-testid": testid, "aria-label": t("node.target") },
    el("option", { value: "", text: noneLabel || t("node.target_choose") }),
    ids.map((n) => el("option", { value: n, text: n })));
  if (value && !ids.includes(value)) {
    sel.appendChild(el("option", { value, class: "missing", text: t("node.target_missing", { id: value }) }));
  }
  sel.appendChild(el("option", { value: OTHER, text: t("node.target_other") }));
  sel.value = value || "";
  const txt = el("input", { class: "other", "data-testid": `${testid}-text`, maxlength: 40, hidden: true,
                            placeholder: t("editor.node_id"), "aria-label": t("editor.node_id") });
  const emit = (v) => onChange(v ? v : (noneLabel ? null : ""));
  sel.addEventListener("change", () => {
    if (sel.value === OTHER) {
      txt.hidden = false;
      txt.focus();
      return;
    }
    emit(sel.value);
    renderTree();
  });
  txt.addEventListener("input", () => emit(txt.value.trim()));
  txt.addEventListener("change", () => renderTree());
  txt.addEventListener("keydown", (ev) => { if (ev.key === "Enter") { ev.preventDefault(); renderTree(); } });
  return el("span", { class: "picker" }, sel, txt);
}

function targetField(id, node, key, labelKey, noneLabel) {
  return field(t(labelKey), targetPicker(`field-${id}-${key}`, val(node, key), noneLabel,
                                         (v) => setKey(node, key, v)));
}

function menuOptions(id, node) {
  if (!Array.isArray(node.options)) node.options = [];
  const opts = node.options;
  const rows = opts.map((o, i) => {
    const digit = el("select", { "data-testid": `option-${id}-${i}-digit`, "aria-label": t("node.digit"),
                                 onchange: (ev) => { o.digit = ev.target.value; markDirty(); renderTree(); } },
      DIGITS.map((d) => el("option", { value: d, text: d })));
    if (!DIGITS.includes(o.digit)) digit.appendChild(el("option", { value: o.digit, text: String(o.digit) }));
    digit.value = o.digit;
    const move = (to) => {
      [opts[i], opts[to]] = [opts[to], opts[i]];
      markDirty();
      renderTree();
    };
    return el("li", { class: "option-row", "data-testid": `option-${id}-${i}` },
      el("span", { class: "option-key", text: t("node.digit") }), digit,
      el("span", { class: "arrow", text: "→" }),
      targetPicker(`option-${id}-${i}-target`, o.target, null, (v) => { o.target = v; markDirty(); }),
      el("span", { class: "row-buttons" },
        el("button", { type: "button", class: "small secondary", "data-testid": `option-${id}-${i}-up`,
                       disabled: i === 0, title: t("node.move_up"), "aria-label": t("node.move_up"),
                       onclick: () => move(i - 1), text: "↑" }),
        el("button", { type: "button", class: "small secondary", "data-testid": `option-${id}-${i}-down`,
                       disabled: i === opts.length - 1, title: t("node.move_down"), "aria-label": t("node.move_down"),
                       onclick: () => move(i + 1), text: "↓" }),
        el("button", { type: "button", class: "small danger", "data-testid": `option-${id}-${i}-remove`,
                       title: t("node.remove_option"), "aria-label": t("node.remove_option"),
                       onclick: () => { opts.splice(i, 1); markDirty(); renderTree(); }, text: "✕" })));
  });
  const add = el("button", { type: "button", class: "small", "data-testid": `add-option-${id}`,
                             text: "+ " + t("node.add_option"), onclick: () => {
      const used = new Set(opts.map((o) => o.digit));
      opts.push({ digit: DIGITS.find((d) => !used.has(d)) || "1", target: "" });
      markDirty();
      renderTree();
    } });
  return el("fieldset", { class: "options wide" }, el("legend", { text: t("node.options") }),
    el("ol", { class: "option-list", "data-testid": `options-${id}` }, rows), add);
}

function hoursFields(id, node) {
  if (typeof node.schedule !== "object" || node.schedule === null) node.schedule = clone(DEFAULTS.hours.schedule);
  const sch = node.schedule;
  if (typeof sch.weekly !== "object" || sch.weekly === null) sch.weekly = {};
  const days = WEEKDAYS.map((d) => field(t(`day.${d}`), el("input", {
    value: (sch.weekly[d] || []).join(", "), "data-testid": `field-${id}-weekly-${d}`, placeholder: "08:30-17:30",
    oninput: (ev) => {
      const ranges = ev.target.value.split(/[,\s]+/).map((s) => s.trim()).filter(Boolean);
      if (ranges.length) sch.weekly[d] = ranges;
      else delete sch.weekly[d];
      markDirty();
    },
  })));
  return [
    field(t("node.timezone"), el("input", { value: sch.timezone || "", "data-testid": `field-${id}-timezone`,
                                            oninput: (ev) => { sch.timezone = ev.target.value.trim(); markDirty(); } })),
    el("fieldset", { class: "wide week" }, el("legend", { text: t("node.weekly") }), days),
    field(t("node.holidays"), el("input", {
      value: (sch.holidays || []).join(", "), "data-testid": `field-${id}-holidays`, placeholder: "2025-10-01",
      oninput: (ev) => {
        sch.holidays = ev.target.value.split(/[,\s]+/).map((s) => s.trim()).filter(Boolean);
        markDirty();
      },
    }), true),
    targetField(id, node, "open", "node.open"),
    targetField(id, node, "closed", "node.closed"),
  ];
}

const FIELDS = {
  menu: (id, n) => [
    promptField(id, n, "prompt", "node.prompt", false),
    menuOptions(id, n),
    numberField(id, n, "timeout_seconds", "node.timeout", { min: 0.5, max: 30, step: 0.5 }),
    numberField(id, n, "max_retries", "node.retries", { min: 0, max: 5 }),
    promptField(id, n, "invalid_prompt", "node.invalid_prompt", true),
    promptField(id, n, "timeout_prompt", "node.timeout_prompt", true),
    targetField(id, n, "default", "node.default", t("node.default_hangup")),
  ],
  play: (id, n) => [
    promptField(id, n, "prompt", "node.prompt", false),
    targetField(id, n, "next", "node.next"),
    checkField(id, n, "interruptible", "node.interruptible"),
  ],
  queue: (id, n) => [
    textField(id, n, "queue", "node.queue", { maxlength: 80 }),
    numberField(id, n, "priority", "node.priority", { min: 0, max: 100 }),
    numberField(id, n, "max_wait_seconds", "node.max_wait", { min: 1, max: 7200 }),
    targetField(id, n, "fallback", "node.fallback", t("node.target_none")),
  ],
  voicemail: (id, n) => [
    textField(id, n, "mailbox", "node.mailbox", { maxlength: 40 }),
    promptField(id, n, "prompt", "node.prompt", true),
    numberField(id, n, "max_seconds", "node.max_seconds", { min: 5, max: 600 }),
  ],
  transfer: (id, n) => [textField(id, n, "target", "node.transfer_target", { maxlength: 21, placeholder: "+8610…" })],
  hours: hoursFields,
  language: (id, n) => [
    textField(id, n, "language", "node.language", { maxlength: 5 }),
    targetField(id, n, "next", "node.next"),
  ],
  lookup: (id, n) => [
    targetField(id, n, "found", "node.found"),
    targetField(id, n, "not_found", "node.not_found"),
    targetField(id, n, "vip", "node.vip", t("node.vip_same_as_found")),
    numberField(id, n, "vip_priority", "node.vip_priority", { min: 0, max: 100 }),
  ],
  hangup: (id, n) => [promptField(id, n, "prompt", "node.prompt", true)],
};

function changeKind(id, kind) {
  const old = S.draft.nodes[id];
  const n = newNode(kind);
  n.label = old.label || "";
  if ("prompt" in n && old.prompt) n.prompt = old.prompt;
  if ("next" in n && old.next) n.next = old.next;
  S.draft.nodes[id] = n;
  markDirty();
  renderTree();
}

function removeNode(id) {
  delete S.draft.nodes[id];
  markDirty();
  renderStartSelect();
  renderTree();
}

function addNode(ev) {
  ev.preventDefault();
  const id = $("add-node-id").value.trim();
  const kind = $("add-node-kind").value;
  const status = $("add-node-status");
  if (!NODE_ID.test(id)) {
    showStatus(status, () => t("editor.id_invalid"), "error");
    return;
  }
  if (id in S.draft.nodes) {
    showStatus(status, () => t("editor.id_taken", { id }), "error");
    return;
  }
  const wasEmpty = !Object.keys(S.draft.nodes).length;
  S.draft.nodes[id] = newNode(kind);
  if (wasEmpty && !S.draft.start) S.draft.start = id;
  showStatus(status, "");
  $("add-node-id").value = "";
  markDirty();
  renderStartSelect();
  renderTree();
  jumpTo(id);
}

/* ---- save / publish --------------------------------------------------------------------------------- */

function showCheckSummary() {
  const n = S.problems.length;
  showStatus($("editor-status"), () => (n ? t("editor.problems", { n }) : t("editor.no_problems")), n ? "warn" : "ok");
}

async function saveDraft(quiet) {
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

async function publish() {
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

async function reloadFlow() {
  const r = await call("GET", `/api/ivr/flows/${S.flow.id}`);
  if (r.ok) setFlow(r.data);
  await Promise.all([loadFlows(), loadEntryPoints()]);
}

/* ---- versions --------------------------------------------------------------------------------------- */

function renderVersions() {
  const box = $("versions");
  box.textContent = "";
  const versions = [...(S.flow.versions || [])].sort((a, b) => b.version - a.version);
  if (!versions.length) {
    box.appendChild(el("p", { class: "muted", text: t("versions.empty") }));
    return;
  }
  const head = el("tr", {}, ["versions.version", "versions.published", "versions.by", "versions.note", ""]
    .map((k) => el("th", { text: k ? t(k) : "" })));
  const rows = versions.map((v) => {
    const live = v.id === S.flow.live_version_id;
    return el("tr", { "data-testid": `version-${v.version}`, class: live ? "live" : "" },
      el("td", {}, `v${v.version} `, live ? el("span", { class: "badge live", "data-testid": "version-live",
                                                         text: t("versions.live") }) : null),
      el("td", { text: fmtTime(v.published_at) }),
      el("td", { text: v.published_by }),
      el("td", { text: v.note || "" }),
      el("td", {}, live ? null : el("button", { type: "button", class: "small secondary",
                                                "data-testid": `rollback-${v.version}`, text: t("versions.rollback"),
                                                onclick: () => rollback(v.version) })));
  });
  box.appendChild(el("table", { class: "versions" }, el("thead", {}, head), el("tbody", {}, rows)));
}

async function rollback(version) {
  const r = await call("POST", `/api/ivr/flows/${S.flow.id}/rollback`, { version });
  if (!r.ok) {
    // 422: that version no longer validates (a prompt deleted, a queue removed since); list why
    const problems = (r.data && r.data.details && Array.isArray(r.data.details.problems)) ? r.data.details.problems : [];
    const why = problems.map((p) => (p.node ? `${p.node}: ${p.message}` : p.message)).join("; ");
    showStatus($("versions-status"), () => errorText(r) + (why ? ` — ${why}` : ""), "error");
    return;
  }
  const keep = S.dirty ? clone(S.draft) : null;
  await reloadFlow();
  if (keep) { // rollback leaves the draft alone: keep the unsaved edits too
    S.draft = keep;
    markDirty();
    renderEditor();
  }
  showStatus($("versions-status"), () => t("versions.rolled_back", { version }), "ok");
}

/* ---- entry points ----------------------------------------------------------------------------------- */

async function loadEntryPoints() {
  const r = await call("GET", "/api/ivr/entry-points");
  if (r.ok) S.entryPoints = r.data;
  if (S.flow) renderEntryPoints();
}

function renderEntryPoints() {
  $("entry-not-live").hidden = Boolean(S.flow.live_version);
  const ul = $("entry-list");
  ul.textContent = "";
  const dids = Object.keys(S.entryPoints).sort((a, b) => (a === "*") - (b === "*") || a.localeCompare(b));
  if (!dids.length) ul.appendChild(el("li", { class: "muted", text: t("entry.none") }));
  for (const did of dids) {
    const fid = S.entryPoints[did];
    const mine = S.flow && fid === S.flow.id;
    const f = S.flows.find((x) => x.id === fid);
    ul.appendChild(el("li", { "data-testid": `entry-${did}`, class: mine ? "mine" : "" },
      el("strong", { text: did === "*" ? t("entry.default") : did }), " → ",
      mine ? el("span", { class: "badge live", text: t("entry.this_flow") }) : (f ? f.name : `#${fid}`)));
  }
}

async function assignEntryPoint(ev) {
  ev.preventDefault();
  const did = $("entry-did").value.trim();
  if (!did) return;
  const status = $("entry-status");
  const r = await call("PUT", `/api/ivr/entry-points/${encodeURIComponent(did)}`, { flow_id: S.flow.id });
  if (!r.ok) {
    showStatus(status, () => errorText(r), "error");
    return;
  }
  S.entryPoints = r.data;
  $("entry-did").value = "";
  showStatus(status, () => t("entry.assigned", { did }), "ok");
  await loadFlows();
  renderEntryPoints();
}

/* ---- prompts ---------------------------------------------------------------------------------------- */

const promptKey = (p) => `${p.language}-${p.name}`;
const promptUrl = (p) => `/api/ivr/prompts/${encodeURIComponent(p.language)}/${encodeURIComponent(p.name)}`;

async function loadPrompts() {
  const r = await call("GET", "/api/ivr/prompts");
  if (!r.ok) {
    showStatus($("prompt-status"), () => errorText(r), "error");
    return;
  }
  S.prompts = r.data;
  renderPrompts();
  if (S.flow) renderTree(); // the prompt selects list them
}

function renderPrompts() {
  const ul = $("prompt-list");
  ul.textContent = "";
  if (!S.prompts.length) ul.appendChild(el("li", { class: "muted", text: t("prompts.empty") }));
  for (const p of S.prompts) {
    const k = promptKey(p);
    const err = el("p", { class: "status error", "data-testid": `prompt-error-${k}`, role: "alert" });
    ul.appendChild(el("li", { "data-testid": `prompt-${k}` },
      el("div", { class: "prompt-head" },
        el("strong", { text: p.name }), " ",
        el("span", { class: "badge", text: p.language }), " ",
        el("span", { class: "muted", text: t("prompts.size", { kb: Math.max(1, Math.round(p.bytes / 1024)) }) }),
        el("button", { type: "button", class: "small danger", "data-testid": `prompt-delete-${k}`,
                       text: t("prompts.delete"), onclick: () => deletePrompt(p, err) })),
      el("audio", { controls: true, preload: "none", src: `${promptUrl(p)}/audio`, "data-testid": `prompt-audio-${k}` }),
      err));
  }
}

async function uploadPrompt(ev) {
  ev.preventDefault();
  const status = $("prompt-status");
  const name = $("prompt-name").value.trim();
  const language = $("prompt-language").value.trim();
  const file = $("prompt-file").files[0];
  if (!file) {
    showStatus(status, () => t("prompts.no_file"), "error");
    return;
  }
  const fd = new FormData();
  fd.append("name", name);
  fd.append("language", language);
  fd.append("file", file, file.name);
  const btn = $("prompt-upload");
  btn.disabled = true;
  showStatus(status, () => t("prompts.uploading"));
  const r = await call("POST", "/api/ivr/prompts", fd);
  btn.disabled = false;
  if (!r.ok) {
    showStatus(status, () => errorText(r), "error");
    return;
  }
  showStatus(status, () => t("prompts.uploaded", { name: r.data.name, language: r.data.language, seconds: r.data.seconds }),
             "ok");
  $("prompt-name").value = "";
  $("prompt-file").value = "";
  await loadPrompts();
}

async function deletePrompt(p, errNode) {
  if (!window.confirm(t("prompts.confirm_delete", { name: p.name, language: p.language }))) return;
  const r = await call("DELETE", promptUrl(p));
  const status = $("prompt-status");
  if (r.status === 409) {
    const msg = () => t("prompts.in_use", { message: (r.data && r.data.message) || "" });
    showStatus(errNode, msg, "error");
    showStatus(status, msg, "error");
    return;
  }
  if (!r.ok) {
    showStatus(errNode, () => errorText(r), "error");
    return;
  }
  showStatus(status, () => t("prompts.deleted", { name: p.name, language: p.language }), "ok");
  await loadPrompts();
}

/* ---- voicemail -------------------------------------------------------------------------------------- */

async function loadVoicemails() {
  const q = $("vm-show-handled").checked ? "" : "?handled=false";
  const r = await call("GET", `/api/ivr/voicemails${q}`);
  const ul = $("vm-list");
  if (!r.ok) {
    showStatus($("vm-status"), () => errorText(r), "error");
    return;
  }
  showStatus($("vm-status"), "");
  ul.textContent = "";
  if (!r.data.length) ul.appendChild(el("li", { class: "muted", text: t("vm.empty") }));
  for (const vm of r.data) {
    ul.appendChild(el("li", { "data-testid": `vm-${vm.id}`, class: vm.handled_at ? "handled" : "" },
      el("div", {},
        el("strong", { text: fmtTime(vm.recorded_at) }), " ",
        t("vm.from", { number: vm.caller_number || t("vm.unknown_caller") }), " · ",
        t("vm.mailbox", { mailbox: vm.mailbox }),
        vm.duration_seconds !== null ? " · " + t("vm.seconds", { seconds: Math.round(vm.duration_seconds) }) : "",
        vm.empty ? " · " + t("vm.empty_message") : ""),
      vm.empty ? null : el("audio", { controls: true, preload: "none", src: `/api/ivr/voicemails/${vm.id}/audio`,
                                      "data-testid": `vm-audio-${vm.id}` }),
      vm.handled_at
        ? el("div", { class: "muted", text: t("vm.handled_by", { user: vm.handled_by || "?" }) + " · "
                                               + fmtTime(vm.handled_at) })
        : el("button", { type: "button", class: "small", "data-testid": `vm-handle-${vm.id}`, text: t("vm.handle"),
                         onclick: () => handleVoicemail(vm.id) })));
  }
}

async function handleVoicemail(id) {
  const r = await call("POST", `/api/ivr/voicemails/${id}/handled`);
  if (!r.ok) showStatus($("vm-status"), () => errorText(r), "error");
  await loadVoicemails();
}

/* ---- start ------------------------------------------------------------------------------------------ */

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

document.addEventListener("DOMContentLoaded", async () => {
  S.user = await pageUser($("page-status"));
  if (!S.user) return;
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
});
