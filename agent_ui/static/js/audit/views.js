/* Who opened a customer's record, and when (GET /api/customers/{id}/views): shown above the results when the
 * search names a customer. The customer's record itself is read on the agent desktop's pop; this is where the
 * centre proves who read it. */

import { call } from "../core/api.js";
import { $, el } from "../core/dom.js";
import { t } from "../core/i18n.js";
import { A } from "./state.js";

export function renderViews() {
  const v = A.views;
  $("au-views").hidden = !v;
  if (!v) return;
  $("au-views-heading").textContent = t("audit.views_heading", { id: v.customer_id, total: v.total });
  $("au-views-none").hidden = v.items.length > 0;
  $("au-views-rows").replaceChildren(...v.items.map((e) => el("tr", { "data-testid": "au-view", "data-entry-id": e.id },
    el("td", { class: "nowrap", text: e.at_local }),
    el("td", { "data-testid": "au-view-who", text: e.username }),
    el("td", { text: t(e.action === "customer.view" ? "audit.view.opened" : "audit.view.denied") }),
    el("td", { text: e.detail && e.detail.why ? String(e.detail.why) : "" }))));
}

export async function loadViews(customer) {
  A.views = null;
  if (customer && /^\d{1,10}$/.test(customer)) {
    const r = await call("GET", `/api/customers/${customer}/views?limit=200`);
    if (r.ok) A.views = r.data;
  }
  renderViews();
}
