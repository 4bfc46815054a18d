/* The search form, the results (GET /api/audit: newest first, a page at a time with its cursor), the CSV export
 * link (GET /api/audit/export.csv: the same filters, from and to needed). Every text from the log (who, target,
 * the detail) is set as text, never as HTML. */

import { call } from "../core/api.js";
import { $, el, qs, showStatus } from "../core/dom.js";
import { t } from "../core/i18n.js";
import { A, refusal } from "./state.js";
import { loadViews } from "./views.js";

const FIELDS = { person: "au-person", customer: "au-customer", recording: "au-recording", target: "au-target",
                 action: "au-action", from: "au-from", to: "au-to" };
const PAGE = 50;

export function readForm() {
  const f = {};
  for (const [k, id] of Object.entries(FIELDS)) {
    const v = $(id).value.trim();
    if (v) f[k] = v;
  }
  return f;
}

export function fillForm(f) {
  for (const [k, id] of Object.entries(FIELDS)) $(id).value = f[k] || "";
}

export function renderExport() {
  const f = readForm();
  const a = $("au-export");
  const ready = Boolean(f.from && f.to);
  a.href = ready ? `/api/audit/export.csv${qs(f)}` : "#";
  a.classList.toggle("disabled", !ready);
  a.setAttribute("aria-disabled", ready ? "false" : "true");
  $("au-export-hint").textContent = ready ? "" : t("audit.export_hint", {
    days: A.policy ? A.policy.export_max_days : "" });
}

export function renderResults() {
  const items = A.page ? A.page.items : [];
  $("au-none").hidden = !A.page || items.length > 0;
  $("au-rows").replaceChildren(...items.map((e) => el("tr", { "data-testid": "au-row", "data-entry-id": e.id },
    el("td", { class: "nowrap", "data-testid": "au-row-at", text: e.at_local }),
    el("td", { "data-testid": "au-row-who", text: e.username }),
    el("td", { class: "nowrap", "data-testid": "au-row-action", text: e.action }),
    el("td", { "data-testid": "au-row-target", text: e.target }),
    el("td", { class: "au-detail", "data-testid": "au-row-detail", text: e.detail_text }))));
  const n = A.cursors.length;
  $("au-page").textContent = A.page ? t("audit.page", { n }) : "";
  $("au-newer").disabled = n <= 1;
  $("au-older").disabled = !A.page || !A.page.next_cursor;
}

async function loadPage(cursor) {
  const asked = ++A.asked;
  const r = await call("GET", `/api/audit${qs({ ...A.filters, limit: PAGE, cursor })}`);
  if (asked !== A.asked) return false;
  if (!r.ok) {
    showStatus($("au-status"), () => refusal(r), "error");
    return false;
  }
  showStatus($("au-status"), "", "");
  A.page = r.data;
  renderResults();
  return true;
}

export async function search() {
  A.filters = readForm();
  A.cursors = [null];
  const url = new URL(window.location.href);
  url.search = qs(A.filters);
  window.history.replaceState(null, "", url);
  await Promise.all([loadPage(null), loadViews(A.filters.customer)]);
}

export function initSearch() {
  $("au-form").addEventListener("submit", (ev) => { ev.preventDefault(); search(); });
  $("au-form").addEventListener("input", renderExport);
  $("au-reset").addEventListener("click", () => { fillForm({}); renderExport(); search(); });
  $("au-export").addEventListener("click", (ev) => { if ($("au-export").getAttribute("href") === "#") ev.preventDefault(); });
  $("au-older").addEventListener("click", async () => {
    const next = A.page && A.page.next_cursor;
    if (!next) return;
    if (await loadPage(next)) { A.cursors.push(next); renderResults(); }
  });
  $("au-newer").addEventListener("click", async () => {
    if (A.cursors.length <= 1) return;
    const before = A.cursors[A.cursors.length - 2];
    if (await loadPage(before)) { A.cursors.pop(); renderResults(); }
  });
}
