/* The do-not-call list (leads; GET / POST / DELETE /api/dnc): a number on it is never dialled by any campaign,
 * whenever it was added (checked when the number comes up). */
import { call, errorText } from "../core/api.js";
import { $, el, showStatus } from "../core/dom.js";
import { t } from "../core/i18n.js";
import { fmtTime } from "../core/time.js";
import { C } from "./state.js";

const status = (message, kind) => showStatus($("camp-dnc-status"), message, kind);

export async function loadDnc() {
  const r = await call("GET", "/api/dnc?limit=1000");
  if (!r.ok) {
    status(() => errorText(r), "error");
    return;
  }
  C.dnc = r.data;
  renderDnc();
}

export function renderDnc() {
  const d = C.dnc;
  if (!d) return;
  $("camp-dnc-rows").replaceChildren(...d.items.map((n) => el("tr", { "data-testid": "camp-dnc-row",
                                                                       "data-number": n.number },
    el("td", { class: "mono", text: n.number }),
    el("td", { text: n.reason || "" }),
    el("td", { text: t("campaigns.created_text", { by: n.added_by, at: fmtTime(n.added_at) }) }),
    el("td", {}, el("button", { type: "button", class: "small secondary", "data-testid": "camp-dnc-remove",
                                text: t("campaigns.dnc_remove"), onclick: () => remove(n.number) })))));
  $("camp-dnc-none").hidden = d.items.length > 0;
  $("camp-dnc-count").textContent = d.total ? String(d.total) : "";
}

async function add(ev) {
  ev.preventDefault();
  const number = $("camp-dnc-number").value.trim();
  if (!number) {
    status(() => t("campaigns.dnc_need_number"), "error");
    $("camp-dnc-number").focus();
    return;
  }
  $("camp-dnc-add").disabled = true;
  const r = await call("POST", "/api/dnc", { number, reason: $("camp-dnc-reason").value.trim() });
  $("camp-dnc-add").disabled = false;
  if (!r.ok) {
    status(() => errorText(r), "error");
    return;
  }
  status(() => t("campaigns.dnc_added", { number: r.data.number }), "ok");
  $("camp-dnc-number").value = "";
  $("camp-dnc-reason").value = "";
  await loadDnc();
}

async function remove(number) {
  const r = await call("DELETE", `/api/dnc/${encodeURIComponent(number)}`);
  if (!r.ok) {
    status(() => errorText(r), "error");
    return;
  }
  status(() => t("campaigns.dnc_removed", { number }), "ok");
  await loadDnc();
}

export function initDnc() {
  $("camp-dnc-form").addEventListener("submit", add);
}
