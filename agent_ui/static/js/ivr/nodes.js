/* One node's form (per kind: fields, prompt and target pickers, menu options, opening hours); add, change
 * kind, remove a node. */
import { $, el, showStatus } from "../core/dom.js";
import { t } from "../core/i18n.js";
import { jumpTo, problemClass, problemsFor, problemText, renderStartSelect, renderTree } from "./editor.js";
import { clone, DEFAULTS, DIGITS, KINDS, markDirty, newNode, NODE_ID, OTHER, S, val, WEEKDAYS } from "./state.js";

export function nodeCard(id, node) {
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
    probs.map((p) => el("li", { text: problemText(p) })));
  pl.hidden = !probs.length;
  card.appendChild(pl);
  const body = el("div", { class: "node-body" });
  (FIELDS[node.kind] || (() => []))(id, node).forEach((f) => body.appendChild(f));
  card.appendChild(body);
  return card;
}

export function field(labelText, control, wide) {
  return el("label", { class: "field" + (wide ? " wide" : "") }, el("span", { text: labelText }), control);
}

export function setKey(node, key, value) {
  if (value === undefined) delete node[key];
  else node[key] = value;
  markDirty();
}

export function textField(id, node, key, labelKey, opts = {}) {
  const v = val(node, key);
  return field(t(labelKey), el("input", {
    value: v === null || v === undefined ? "" : String(v), "data-testid": `field-${id}-${key}`,
    maxlength: opts.maxlength || 80, placeholder: opts.placeholder,
    oninput: (ev) => setKey(node, key, ev.target.value.trim()),
  }));
}

export function numberField(id, node, key, labelKey, opts = {}) {
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

export function checkField(id, node, key, labelKey) {
  return el("label", { class: "field inline" },
    el("input", { type: "checkbox", checked: Boolean(val(node, key)), "data-testid": `field-${id}-${key}`,
                  onchange: (ev) => setKey(node, key, ev.target.checked) }),
    el("span", { text: t(labelKey) }));
}

/* A prompt: a select of the uploaded prompts, or a name typed in (e.g. an Asterisk sound like hello-world). */
export function promptPicker(testid, value, optional, onChange) {
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

export function promptField(id, node, key, labelKey, optional) {
  return field(t(labelKey), promptPicker(`field-${id}-${key}`, val(node, key), optional,
                                         (v) => setKey(node, key, v)));
}

/* A target node: a select of the nodes, or an id typed in (a node not made yet shows as missing). */
export function targetPicker(testid, value, noneLabel, onChange) {
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

export function targetField(id, node, key, labelKey, noneLabel) {
  return field(t(labelKey), targetPicker(`field-${id}-${key}`, val(node, key), noneLabel,
                                         (v) => setKey(node, key, v)));
}

export function menuOptions(id, node) {
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

export function hoursFields(id, node) {
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

/* A transfer node goes to a seat (extension) or to an outside number the admin allowed for the IVR
 * (outside_numbers.ivr: the server checks it when the flow is published, the dialplan again on the call). */
function transferType(id, node) {
  const sel = el("select", { "data-testid": `field-${id}-target_type`, "aria-label": t("node.transfer_type"),
                             onchange: (ev) => setKey(node, "target_type", ev.target.value) },
    ["extension", "outside"].map((v) => el("option", { value: v, text: t(`node.transfer_${v}`) })));
  sel.value = val(node, "target_type") || "extension";
  return field(t("node.transfer_type"), sel);
}

export const FIELDS = {
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
  transfer: (id, n) => [
    transferType(id, n),
    textField(id, n, "target", "node.transfer_target", { maxlength: 20, placeholder: "1001 / 13800138000" }),
    el("p", { class: "muted", "data-testid": `help-${id}-target`, text: t("node.transfer_outside_help") }),
  ],
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

export function changeKind(id, kind) {
  const old = S.draft.nodes[id];
  const n = newNode(kind);
  n.label = old.label || "";
  if ("prompt" in n && old.prompt) n.prompt = old.prompt;
  if ("next" in n && old.next) n.next = old.next;
  S.draft.nodes[id] = n;
  markDirty();
  renderTree();
}

export function removeNode(id) {
  delete S.draft.nodes[id];
  markDirty();
  renderStartSelect();
  renderTree();
}

export function addNode(ev) {
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
