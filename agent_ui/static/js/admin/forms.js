/* Forms built from field specs, the server's refusals marked on the field they name, the edit cards. */
import { errorText } from "../core/api.js";
import { $, el, showStatus } from "../core/dom.js";
import { t } from "../core/i18n.js";
import { dash, S } from "./state.js";

/* spec: {key, label, type: text|password|number|select|checkbox|roles, options: () => [{value, label}],
 *        min, max, maxlength, placeholder, hint, autocomplete, inputmode, disabled} */

export function control(prefix, spec, value) {
  const id = `${prefix}-${dash(spec.key)}`;
  if (spec.type === "roles") {
    const box = el("fieldset", { class: "roles", id, "data-testid": id },
      el("legend", { "data-i18n": spec.label, text: t(spec.label) }));
    for (const role of S.meta.roles) {
      const cid = `${id}-${role}`;
      box.appendChild(el("label", { class: "inline" },
        el("input", { type: "checkbox", id: cid, "data-testid": cid, name: "roles", value: role,
                      checked: (value || []).includes(role) }),
        el("span", { "data-i18n": `admin.role.${role}`, text: t(`admin.role.${role}`) })));
    }
    return box;
  }
  const label = el("span", { "data-i18n": spec.label, text: t(spec.label) });
  let input;
  if (spec.type === "checkbox") {
    input = el("input", { type: "checkbox", id, "data-testid": id, name: spec.key, checked: Boolean(value),
                          disabled: spec.disabled });
    const wrap = el("label", { class: "field inline", for: id }, input, label);
    if (spec.hint) wrap.appendChild(el("small", { class: "muted", "data-i18n": spec.hint, text: t(spec.hint) }));
    return wrap;
  }
  if (spec.type === "select") {
    input = el("select", { id, "data-testid": id, name: spec.key, disabled: spec.disabled });
    for (const o of spec.options()) {
      input.appendChild(el("option", { value: o.value, selected: o.value === value,
                                       "data-i18n": o.label, text: t(o.label) }));
    }
  } else {
    input = el("input", {
      id, "data-testid": id, name: spec.key, type: spec.type === "number" ? "number" : spec.type || "text",
      value: value === undefined || value === null ? "" : String(value), min: spec.min, max: spec.max,
      step: spec.type === "number" ? 1 : undefined, maxlength: spec.maxlength, inputmode: spec.inputmode,
      autocomplete: spec.autocomplete || (spec.type === "password" ? "new-password" : "off"),
      "data-i18n-placeholder": spec.placeholder, placeholder: spec.placeholder ? t(spec.placeholder) : undefined,
      required: spec.required, readonly: spec.readonly, disabled: spec.disabled,
    });
  }
  const wrap = el("label", { class: "field", for: id }, label, input);
  if (spec.hint) wrap.appendChild(el("small", { class: "muted", "data-i18n": spec.hint, text: t(spec.hint) }));
  return wrap;
}

/* Fill ``form`` with the fields, a submit button and a status line; ``onSubmit(values)`` on Enter/submit. */
export function buildForm(form, prefix, specs, values, submitKey, onSubmit, extraButtons) {
  form.textContent = "";
  const fields = el("div", { class: "admin-fields" });
  for (const spec of specs) fields.appendChild(control(prefix, spec, values[spec.key]));
  form.appendChild(fields);
  form.appendChild(el("div", { class: "row" },
    el("button", { type: "submit", id: `${prefix}-submit`, "data-testid": `${prefix}-submit`,
                   "data-i18n": submitKey, text: t(submitKey) }),
    ...(extraButtons || [])));
  form.appendChild(el("p", { id: `${prefix}-status`, class: "status", "data-testid": `${prefix}-status`,
                             role: "alert" }));
  form.onsubmit = async (ev) => {
    ev.preventDefault();
    clearInvalid(form);
    const btn = $(`${prefix}-submit`);
    btn.disabled = true;
    try {
      await onSubmit(readForm(prefix, specs));
    } finally {
      btn.disabled = false;
    }
  };
}

export function readForm(prefix, specs) {
  const out = {};
  for (const spec of specs) {
    if (spec.readonly || spec.disabled) continue;
    const id = `${prefix}-${dash(spec.key)}`;
    if (spec.type === "roles") {
      out[spec.key] = S.meta.roles.filter((r) => $(`${id}-${r}`).checked);
    } else if (spec.type === "checkbox") {
      out[spec.key] = $(id).checked;
    } else if (spec.type === "number") {
      const v = $(id).value.trim();
      out[spec.key] = v === "" ? null : Number(v);
    } else if (spec.type === "password") {
      out[spec.key] = $(id).value;
    } else {
      out[spec.key] = $(id).value.trim();
    }
  }
  return out;
}

export function clearInvalid(root) {
  root.querySelectorAll("[aria-invalid]").forEach((n) => n.removeAttribute("aria-invalid"));
}

/* The field a refusal names: a domain error's details.field or request validation's first problem. */
export function refusedField(r) {
  const d = (r.data && r.data.details) || {};
  if (typeof d.field === "string") return d.field;
  if (Array.isArray(d.problems) && d.problems.length) return String(d.problems[0].field || "");
  return "";
}

/* Show the server's refusal next to the form and mark + focus the field it names. */
export function showRefusal(prefix, r, fieldToId) {
  showStatus($(`${prefix}-status`), () => errorText(r), "error");
  const f = refusedField(r);
  if (!f) return;
  const id = fieldToId ? fieldToId(f) : `${prefix}-${dash(f.split(/[.[]/)[0])}`;
  const node = id && $(id);
  if (!node) return;
  node.setAttribute("aria-invalid", "true");
  const focusable = node.matches("input, select, textarea, button") ? node : node.querySelector("input, select");
  if (focusable) focusable.focus();
}

export function yesNo(v) {
  return t(v ? "common.yes" : "common.no");
}

export function badge(textKey, cls) {
  return el("span", { class: `badge ${cls || ""}`, text: t(textKey) });
}

/* An edit card: heading, body; Escape or "close" hides it and gives focus back to ``returnTo``. */
export function openEditCard(card, headingKey, name, build, returnTo, onClose) {
  card.textContent = "";
  const close = () => {
    card.hidden = true;
    card.textContent = "";
    onClose();
    const back = returnTo && $(returnTo);
    if (back) back.focus();
  };
  card.onkeydown = (ev) => {
    if (ev.key === "Escape") {
      ev.preventDefault();
      close();
    }
  };
  const closeBtn = el("button", { type: "button", class: "secondary small", "data-testid": `${card.id}-close`,
                                  "data-i18n": "admin.close", text: t("admin.close"), onclick: close });
  card.appendChild(el("div", { class: "edit-head" },
    el("h3", {}, el("span", { "data-i18n": headingKey, text: t(headingKey) }), " ",
       el("strong", { class: "mono", text: name })),
    closeBtn));
  build(card);
  card.hidden = false;
  const first = card.querySelector("input:not([disabled]):not([readonly]), select:not([disabled])");
  if (first) first.focus();
}
