/* The pop's customer record: the known customer's facts, or the form to create one; edit on request. */

import { call } from "../core/api.js";
import { $, el, showStatus } from "../core/dom.js";
import { t } from "../core/i18n.js";
import { S, failText, canDial } from "./state.js";
import { renderPop } from "./pop.js";
import { dial } from "./phone.js";
import { localFor } from "./live.js";

function splitList(s) {
  return String(s || "").split(/[,，;；、\n]+/).map((x) => x.trim()).filter(Boolean);
}

export function renderCustomer(p) {
  const box = $("pop-customer");
  box.textContent = "";
  const c = p.customer;
  if (c) {
    const numbers = Array.isArray(c.numbers) ? c.numbers : [];
    const tags = Array.isArray(c.tags) ? c.tags : [];
    box.appendChild(el("div", { class: "cust-head" },
      el("span", { class: "cust-name", id: "pop-customer-name", "data-testid": "pop-customer-name", text: c.name || "" }),
      el("span", { class: "badge vip", "data-testid": "pop-vip", hidden: !c.vip, text: "VIP" }),
      el("button", { type: "button", class: "secondary small", "data-testid": "pop-edit-customer",
                     hidden: S.customerMode === "edit", onclick: openEditCustomer, text: t("agent.cust_edit") })));
    const facts = el("dl", { class: "facts" });
    const fact = (key, value, testid) => {
      if (!value) return;
      facts.appendChild(el("dt", { text: t(key) }));
      facts.appendChild(el("dd", { "data-testid": testid }, value));
    };
    fact("agent.cust_company", c.company, "pop-company");
    fact("agent.cust_address", c.address, "pop-address");
    if (numbers.length) {
      fact("agent.cust_numbers_short", el("span", { class: "numbers" }, numbers.map((n) => el("span", { class: "number" },
        el("span", { text: n }),
        el("button", { type: "button", class: "secondary small dial-this", "data-testid": `pop-dial-${n}`,
                       disabled: !canDial(), title: t("agent.dial_this", { number: n }),
                       onclick: () => dial(n, c.id), text: t("agent.dial") })))), "pop-numbers");
    }
    if (tags.length) {
      fact("agent.cust_tags_short", el("span", { class: "tags" }, tags.map((tg) => el("span", { class: "badge", text: tg }))),
           "pop-tags");
    }
    box.appendChild(facts);
    if (c.notes) box.appendChild(el("p", { class: "notes", "data-testid": "pop-notes", text: c.notes }));
  } else {
    box.appendChild(el("div", { class: "cust-head" },
      el("span", { class: "cust-unknown", "data-testid": "pop-unknown", text: t("agent.cust_unknown") })));
  }
  // the form: new customer when there is none (unless the record could not be loaded), edit on request
  if (!c && !p.error) S.customerMode = "new";
  else if (c && S.customerMode === "new") S.customerMode = null;
  if (!c && p.error && S.customerMode !== "new") {
    box.appendChild(el("button", { type: "button", class: "secondary small", "data-testid": "pop-open-new-customer",
                                   onclick: () => { S.customerMode = "new"; renderCustomer(S.pop); },
                                   text: t("agent.cust_new") }));
  }
  renderCustomerForm();
}

function renderCustomerForm() {
  const form = $("customer-form");
  const mode = S.customerMode;
  form.hidden = !mode;
  form.dataset.mode = mode || "";
  $("customer-form-title").textContent = mode === "edit" ? t("agent.cust_edit_heading") : t("agent.cust_new_heading");
  $("new-customer-save").textContent = mode === "edit" ? t("agent.cust_save_edit") : t("agent.cust_save_new");
  $("customer-cancel").hidden = mode !== "edit";
}

export function fillCustomerForm(c) {
  $("new-customer-name").value = c.name || "";
  $("new-customer-company").value = c.company || "";
  $("new-customer-address").value = c.address || "";
  $("new-customer-numbers").value = (c.numbers || []).join(", ");
  $("new-customer-tags").value = (c.tags || []).join(", ");
  $("new-customer-notes").value = c.notes || "";
  $("new-customer-vip").checked = Boolean(c.vip);
}

function openEditCustomer() {
  if (!S.pop || !S.pop.customer) return;
  S.customerMode = "edit";
  fillCustomerForm(S.pop.customer);
  showStatus($("customer-status"), "");
  renderCustomer(S.pop);
  $("new-customer-name").focus();
}

export function closeCustomerForm() {
  S.customerMode = null;
  showStatus($("customer-status"), "");
  if (S.pop) renderCustomer(S.pop);
}

export async function saveCustomer(ev) {
  ev.preventDefault();
  const p = S.pop;
  if (!p) return;
  const status = $("customer-status");
  const name = $("new-customer-name").value.trim();
  if (!name) {
    showStatus(status, () => t("agent.cust_name_missing"), "error");
    $("new-customer-name").focus();
    return;
  }
  const body = {
    name,
    company: $("new-customer-company").value.trim(),
    address: $("new-customer-address").value.trim(),
    vip: $("new-customer-vip").checked,
    notes: $("new-customer-notes").value,
    tags: splitList($("new-customer-tags").value),
    numbers: splitList($("new-customer-numbers").value),
  };
  const editing = S.customerMode === "edit" && p.customer;
  const btn = $("new-customer-save");
  btn.disabled = true;
  showStatus(status, () => t("agent.saving"));
  const r = editing ? await call("PATCH", `/api/customers/${p.customer.id}`, body)
    : await call("POST", "/api/customers", body);
  btn.disabled = false;
  if (!r.ok || !r.data || typeof r.data !== "object") {
    showStatus(status, () => failText(r), "error");
    return;
  }
  const uid = p.call_uniqueid;
  localFor(uid).customer = r.data;
  if (S.pop && S.pop.call_uniqueid === uid) S.pop.customer = r.data;
  S.customerMode = null;
  showStatus(status, "");
  renderPop();
  showStatus(status, () => (editing ? t("agent.cust_updated") : t("agent.cust_created", { name: r.data.name })), "ok");
}
