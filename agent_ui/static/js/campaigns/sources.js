/* A campaign's numbers from its two other sources (next to the CSV import; leads only): the customers a tag filter
 * finds (POST /api/campaigns/{id}/numbers/from-customers {tags, vip, numbers}: each one's first number, or all, with
 * the customer) and the open call-back tasks of a queue / department / case type (POST .../from-callbacks: each
 * number's call is an attempt of its task). Each says what the server answered: matched, added, already there and
 * skipped (no number that can be dialled); a refusal (too many, a stopped campaign) in the page's language. */
import { call, errorText } from "../core/api.js";
import { $, el, showStatus } from "../core/dom.js";
import { t } from "../core/i18n.js";
import { C, isLead } from "./state.js";

let reload = async () => {};
let departments = null; // GET /api/departments: items, once

const STATUS = ["camp-fc-status", "camp-fb-status"];

export function renderSources(c) {
  const open = Boolean(c) && isLead(C.user) && !["stopped", "done"].includes(c.state);
  $("camp-from-customers").hidden = !open;
  $("camp-from-callbacks").hidden = !open;
}

export function clearSources() {
  STATUS.forEach((id) => showStatus($(id), "", ""));
}

async function loadDepartments() {
  if (departments !== null) return;
  const r = await call("GET", "/api/departments");
  departments = r.ok ? r.data.items : [];
  const sel = $("camp-fb-department");
  sel.replaceChildren(sel.options[0], ...departments.map((d) => el("option", { value: String(d.id), text: d.name })));
}

/* "Tag a, tag b；tag c" → the tags, in order, once each. */
function tagsOf(text) {
  return [...new Set(text.split(/[,，;；]/).map((s) => s.trim()).filter(Boolean))];
}

async function send(path, body, statusId, submitId, answered) {
  const c = C.campaigns.find((x) => x.id === C.selected);
  if (!c) return;
  const status = $(statusId);
  $(submitId).disabled = true;
  showStatus(status, () => t("campaigns.adding"), "");
  const r = await call("POST", `/api/campaigns/${c.id}/numbers/${path}`, body);
  $(submitId).disabled = false;
  if (!r.ok) {
    showStatus(status, () => errorText(r), "error");
    return;
  }
  const { matched, added, already_there: known, skipped } = r.data;
  showStatus(status, () => t(answered, { matched, added, known, skipped }), "ok");
  await reload();
}

async function fromCustomers(ev) {
  ev.preventDefault();
  const tags = tagsOf($("camp-fc-tags").value);
  if (!tags.length) {
    showStatus($("camp-fc-status"), () => t("campaigns.need_tags"), "error");
    return;
  }
  const vip = $("camp-fc-vip").value;
  const body = { tags, numbers: $("camp-fc-numbers").value, ...(vip ? { vip: vip === "true" } : {}) };
  await send("from-customers", body, "camp-fc-status", "camp-fc-submit", "campaigns.added_customers");
}

async function fromCallbacks(ev) {
  ev.preventDefault();
  const queue = $("camp-fb-queue").value.trim();
  const department = $("camp-fb-department").value;
  const type = $("camp-fb-type").value;
  const body = { ...(queue ? { queue } : {}), ...(department ? { department_id: Number(department) } : {}),
                 ...(type ? { case_type: type } : {}) };
  await send("from-callbacks", body, "camp-fb-status", "camp-fb-submit", "campaigns.added_callbacks");
}

export function initSources(reloadList) {
  reload = reloadList;
  $("camp-from-customers").addEventListener("submit", fromCustomers);
  $("camp-from-callbacks").addEventListener("submit", fromCallbacks);
  if (isLead(C.user)) loadDepartments();
}
