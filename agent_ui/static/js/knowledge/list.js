/* The catalogue and the search: GET /api/knowledge/entries (each entry with its validity; editors see every
 * state) and, while the box holds text, GET /api/knowledge/search (ranked, the hits highlighted from the server's
 * spans). The search runs as the user types, 250 ms after the last key; an answer that arrives after a newer
 * question was asked is dropped. */

import { call } from "../core/api.js";
import { $, el, qs, showStatus } from "../core/dom.js";
import { t } from "../core/i18n.js";
import { K, categoryName, departmentName, entryStateLabel, fmtAt, isEditor, refusal } from "./state.js";
import { marked } from "./render.js";

const DEBOUNCE_MS = 250;
const CATALOGUE_LIMIT = 100;
const SEARCH_LIMIT = 50;
let timer = null;
let asked = 0; // the number of the newest question: an older answer is dropped
let onOpen = () => {};

export function initList(open) {
  onOpen = open;
  $("kb-search").addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(loadList, DEBOUNCE_MS);
  });
  $("kb-search").addEventListener("keydown", (ev) => {
    if (ev.key === "Enter") {
      ev.preventDefault();
      clearTimeout(timer);
      loadList();
    }
  });
  for (const id of ["kb-filter-category", "kb-filter-department", "kb-filter-state"]) {
    $(id).addEventListener("change", loadList);
  }
  $("kb-filter-state-wrap").hidden = !isEditor(K.user);
}

/* The filters' options: the categories and the departments (kept: what was chosen). */
export function fillFilters() {
  const fill = (sel, items) => {
    const keep = sel.value;
    while (sel.options.length > 1) sel.remove(1);
    for (const [value, text] of items) sel.append(el("option", { value, text }));
    sel.value = keep;
  };
  fill($("kb-filter-category"), K.categories.map((c) => [c.code, categoryName(c.code)]));
  fill($("kb-filter-department"), [...K.departments.values()].map((d) => [String(d.id), d.name]));
}

export async function loadList() {
  const q = $("kb-search").value.trim();
  const category = $("kb-filter-category").value;
  const department = $("kb-filter-department").value;
  const state = isEditor(K.user) ? $("kb-filter-state").value : "";
  const mine = ++asked;
  const r = q
    ? await call("GET", `/api/knowledge/search${qs({ q, category, limit: SEARCH_LIMIT })}`)
    : await call("GET", `/api/knowledge/entries${qs({ category, department_id: department, state,
                                                      limit: CATALOGUE_LIMIT })}`);
  if (mine !== asked) return; // a newer question was asked meanwhile
  if (!r.ok) {
    showStatus($("kb-list-status"), () => refusal(r), "error");
    return;
  }
  showStatus($("kb-list-status"), "");
  let items = r.data.items;
  if (q) { // the search has no department or state filter: those the page applies to its hits
    if (department) items = items.filter((h) => String(h.revision.department_id) === department);
    if (state) items = items.filter((h) => h.entry_state === state);
  }
  K.list = { mode: q ? "search" : "catalogue", q, total: q ? items.length : r.data.total, items };
  renderList();
}

function stateCell(h) {
  const r = h.revision;
  const bits = [entryStateLabel(h.entry_state)];
  if (r.state === "draft" || r.state === "reviewed") {
    bits.push(t("knowledge.open_version", { state: t(`knowledge.rev_state.${r.state}`) }));
  }
  if (h.valid_now) bits.push(t("knowledge.valid_now"));
  else if (h.entry_state === "published") bits.push(t("knowledge.not_valid_now"));
  return bits.join(" · ");
}

export function renderList() {
  const L = K.list;
  const rows = $("kb-rows");
  rows.textContent = "";
  if (!L) return;
  $("kb-count").textContent = L.mode === "search"
    ? t("knowledge.found", { n: L.total })
    : (L.total > L.items.length ? t("knowledge.count_of", { n: L.items.length, total: L.total })
      : t("knowledge.count", { n: L.total }));
  for (const h of L.items) {
    const r = h.revision;
    const title = el("a", { href: `#entry-${h.entry_id}`, class: "kb-title", "data-testid": "kb-row-title" },
      marked(r.title, h.title_marks));
    const cellTitle = el("td", {}, title);
    if (L.mode === "search" && h.snippet) {
      cellTitle.append(el("div", { class: "kb-snippet muted", "data-testid": "kb-row-snippet" },
        marked(h.snippet, h.snippet_marks)));
    }
    const tr = el("tr", { class: "kb-row", "data-testid": "kb-row", "data-entry": String(h.entry_id),
                          "data-state": h.entry_state, "data-valid-now": String(h.valid_now),
                          onclick: (ev) => { ev.preventDefault(); onOpen(h.entry_id); } },
      cellTitle,
      el("td", { "data-testid": "kb-row-category" }, categoryName(r.category)),
      el("td", { "data-testid": "kb-row-from" }, r.valid_from ? fmtAt(r.valid_from) : t("knowledge.from_publication")),
      el("td", { "data-testid": "kb-row-to" }, r.valid_to ? fmtAt(r.valid_to) : t("knowledge.until_withdrawn")),
      el("td", { "data-testid": "kb-row-state" }, stateCell(h)),
      el("td", { "data-testid": "kb-row-department" }, departmentName(r.department_id)));
    if (h.entry_id === K.openId) tr.classList.add("kb-selected");
    rows.append(tr);
  }
  const none = $("kb-none");
  none.hidden = L.items.length > 0;
  none.textContent = L.mode === "search" ? t("knowledge.none_found", { q: L.q }) : t("knowledge.none");
}
