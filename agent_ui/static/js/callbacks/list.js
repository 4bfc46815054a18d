/* The worklist: GET /api/callbacks with the filters (state — open by default —, queue, department, case type), in
 * due order; each row's countdown ticks each second on the server's clock, an overdue one in red
 * (class cb-overdue, data-overdue="true"). */
import { call, errorText } from "../core/api.js";
import { $, el, qs, showStatus } from "../core/dom.js";
import { t } from "../core/i18n.js";
import { R, countdown, departmentName, fmtAt, stampNow, stateLabel, typeLabel } from "./state.js";

export function filters() {
  return { state: $("cb-filter-state").value || "open", queue: $("cb-filter-queue").value.trim(),
           department_id: $("cb-filter-department").value, case_type: $("cb-filter-type").value };
}

export async function loadList() {
  const r = await call("GET", `/api/callbacks${qs({ ...filters(), limit: 500 })}`);
  if (!r.ok) {
    showStatus($("cb-status"), () => errorText(r), "error");
    return;
  }
  stampNow(r.data.now);
  R.list = r.data;
  renderList();
}

export function fillDepartments() {
  const sel = $("cb-filter-department");
  const chosen = sel.value;
  const all = sel.querySelector('option[value=""]');
  sel.replaceChildren(all, ...[...R.departments.values()].map((d) => el("option", { value: String(d.id), text: d.name })));
  sel.value = chosen;
}

function attemptsText(task) {
  return `${task.attempts} / ${task.max_attempts}`;
}

export function renderList() {
  const page = R.list;
  if (!page) return;
  $("cb-count").textContent = t("callbacks.count", { total: page.total });
  const queues = new Set(page.items.map((x) => x.queue).filter(Boolean));
  $("cb-queues").replaceChildren(...[...queues].sort().map((q) => el("option", { value: q })));
  $("cb-rows").replaceChildren(...page.items.map((task) => {
    const c = countdown(task);
    return el("tr", { class: `cb-row${c.overdue ? " cb-overdue" : ""}${task.id === R.openId ? " cb-selected" : ""}`,
                      "data-testid": "cb-row", "data-id": String(task.id), "data-case": task.case_number || "",
                      "data-state": task.state, "data-overdue": String(c.overdue),
                      onclick: (ev) => { if (!ev.target.closest("a, button")) openTask(task.id); } },
      el("td", {}, task.case_number
        ? el("a", { href: `cases.html#case-${task.case_number}`, "data-testid": "cb-case", text: task.case_number })
        : "—"),
      el("td", { text: typeLabel(task.case_type) }),
      el("td", { class: "mono", "data-testid": "cb-number", text: task.number || t("callbacks.no_number") }),
      el("td", { title: departmentName(task.department_id) },
        el("span", { class: "cb-due", "data-testid": "cb-due", text: fmtAt(task.due_at) }), el("br", {}),
        el("span", { class: `cb-left${c.overdue ? " cb-overdue" : ""}`, "data-testid": "cb-left", text: c.text })),
      el("td", { "data-testid": "cb-attempts", text: attemptsText(task) }),
      el("td", { "data-testid": "cb-state" }, el("span", { class: `badge${task.state === "open" ? "" : " live"}`,
                                                           text: stateLabel(task.state) })),
      el("td", {}, el("button", { type: "button", class: "secondary small", "data-testid": "cb-open",
                                  text: t("callbacks.open"), onclick: () => openTask(task.id) })));
  }));
  $("cb-none").hidden = page.items.length > 0;
}

/* Each second: the countdowns, and a row turning overdue. */
export function tickList() {
  if (!R.list) return;
  const byId = new Map(R.list.items.map((x) => [String(x.id), x]));
  for (const row of $("cb-rows").children) {
    const task = byId.get(row.dataset.id);
    if (!task) continue;
    const c = countdown(task);
    const cell = row.querySelector('[data-testid="cb-left"]');
    if (cell.textContent !== c.text) cell.textContent = c.text;
    if (row.dataset.overdue !== String(c.overdue)) {
      row.dataset.overdue = String(c.overdue);
      row.classList.toggle("cb-overdue", c.overdue);
      cell.classList.toggle("cb-overdue", c.overdue);
    }
  }
}

/* A task as changed by an action: its row follows at once (the next load confirms). */
export function replaceInList(task) {
  if (!R.list) return;
  const i = R.list.items.findIndex((x) => x.id === task.id);
  if (i >= 0) {
    R.list.items[i] = task;
    renderList();
  }
}

let opener = () => {};

export function onOpen(fn) {
  opener = fn;
}

function openTask(id) {
  opener(id);
}
