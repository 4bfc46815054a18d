/* How often each entry was used on calls in a month (GET /api/knowledge/usage?month=; leads and QC): how often
 * each question comes up. The month is the centre's. */

import { call } from "../core/api.js";
import { $, el, qs, showStatus } from "../core/dom.js";
import { centreMonth, refusal } from "./state.js";

let onOpen = () => {};
let shown = null; // UsageOut

export function initUsage(open) {
  onOpen = open;
  $("kb-month-input").value = centreMonth();
  $("kb-month-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    loadUsage();
  });
}

export async function loadUsage() {
  const month = $("kb-month-input").value || centreMonth();
  const r = await call("GET", `/api/knowledge/usage${qs({ month })}`);
  if (!r.ok) {
    showStatus($("kb-month-status"), () => refusal(r), "error");
    return;
  }
  showStatus($("kb-month-status"), "");
  shown = r.data;
  renderUsage();
}

export function renderUsage() {
  const rows = $("kb-month-rows");
  rows.textContent = "";
  if (!shown) return;
  for (const u of shown.items) {
    rows.append(el("tr", { "data-testid": "kb-month-row", "data-entry": String(u.entry_id) },
      el("td", {}, el("a", { href: `#entry-${u.entry_id}`, text: u.title || `#${u.entry_id}`,
                             onclick: (ev) => { ev.preventDefault(); onOpen(u.entry_id); } })),
      el("td", { "data-testid": "kb-month-uses", text: String(u.uses) }),
      el("td", { "data-testid": "kb-month-calls", text: String(u.calls) })));
  }
  $("kb-month-none").hidden = shown.items.length > 0;
}
