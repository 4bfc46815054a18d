/* The campaigns list with their state and live figures (GET /api/campaigns, then GET /api/campaigns/{id} of each:
 * dialled, connected, remaining, by outcome, in hours), and the leads' start / pause / resume / stop. */
import { call, errorText } from "../core/api.js";
import { $, el } from "../core/dom.js";
import { t } from "../core/i18n.js";
import { fmtTime } from "../core/time.js";
import { C, isLead, modeLabel, outcomesText, say, stateLabel } from "./state.js";

const FINAL = ["stopped", "done"];
const ACTIONS = { draft: ["start", "stop"], running: ["pause", "stop"], paused: ["resume", "stop"] };
const CONFIRM_MS = 5000;

let onSelect = () => {};
let confirmStop = null; // {id, until}: the Stop button asks once more

export function onSelected(fn) {
  onSelect = fn;
}

/* The list and the figures of every campaign not finished (a finished one's figures no longer move: read once). */
export async function loadList() {
  if (C.loading) return;
  C.loading = true;
  try {
    const r = await call("GET", "/api/campaigns");
    if (!r.ok) {
      say(() => errorText(r), "error");
      return;
    }
    C.campaigns = r.data.items;
    const wanted = C.campaigns.filter((c) => !FINAL.includes(c.state) || !C.figures.has(c.id)
                                            || C.figures.get(c.id).campaign.state !== c.state);
    const answers = await Promise.all(wanted.map((c) => call("GET", `/api/campaigns/${c.id}`)));
    answers.forEach((a, i) => { if (a.ok) C.figures.set(wanted[i].id, a.data); });
    C.updatedAt = new Date();
    renderList();
  } finally {
    C.loading = false;
  }
}

function figure(c, key) {
  const f = C.figures.get(c.id);
  return f ? f[key] : null;
}

function numCell(c, key, testid) {
  const v = figure(c, key);
  return el("td", { class: "num", "data-testid": testid, text: v === null || v === undefined ? "…" : String(v) });
}

function actionButton(c, action) {
  const asking = action === "stop" && confirmStop && confirmStop.id === c.id && confirmStop.until > Date.now();
  return el("button", {
    type: "button", class: `small${action === "stop" ? " danger" : " secondary"}`,
    "data-testid": `camp-${action}`, "data-confirm": asking ? "true" : null,
    text: asking ? t("campaigns.action.stop_confirm") : t(`campaigns.action.${action}`),
    onclick: (ev) => {
      ev.stopPropagation();
      act(c, action);
    },
  });
}

export function renderList() {
  const lead = isLead(C.user);
  const rows = C.campaigns.map((c) => {
    const f = C.figures.get(c.id);
    const inHours = f ? f.in_hours : null;
    return el("tr", { class: `camp-row${C.selected === c.id ? " camp-selected" : ""}`, "data-testid": "camp-row",
                      "data-id": c.id, "data-name": c.name, "data-state": c.state,
                      onclick: () => onSelect(c.id) },
      el("td", {}, el("strong", { text: c.name })),
      el("td", { "data-testid": "camp-row-mode", text: modeLabel(c.mode) }),
      el("td", {}, el("span", { class: `badge${c.state === "running" ? " live" : c.state === "paused" ? " warn" : ""}`,
                               "data-testid": "camp-state", "data-state": c.state, text: stateLabel(c.state) })),
      numCell(c, "numbers", "camp-numbers"),
      numCell(c, "dialled", "camp-dialled"),
      numCell(c, "connected", "camp-connected"),
      numCell(c, "remaining", "camp-remaining"),
      el("td", { "data-testid": "camp-outcomes", text: f ? outcomesText(f.by_outcome) : "…" }),
      el("td", { "data-testid": "camp-in-hours", "data-in-hours": inHours === null ? null : String(inHours),
                 text: inHours === null ? "…" : t(inHours ? "campaigns.in_hours" : "campaigns.out_of_hours") }),
      el("td", { class: "camp-actions" }, lead ? (ACTIONS[c.state] || []).map((a) => actionButton(c, a)) : null));
  });
  $("camp-rows").replaceChildren(...rows);
  $("camp-none").hidden = C.campaigns.length > 0;
  $("camp-updated").textContent = C.updatedAt ? t("campaigns.updated", { time: fmtTime(C.updatedAt) }) : "";
}

async function act(c, action) {
  if (action === "stop" && !(confirmStop && confirmStop.id === c.id && confirmStop.until > Date.now())) {
    confirmStop = { id: c.id, until: Date.now() + CONFIRM_MS };
    renderList();
    setTimeout(renderList, CONFIRM_MS + 50);
    return;
  }
  confirmStop = null;
  const r = await call("POST", `/api/campaigns/${c.id}/${action}`);
  if (!r.ok) {
    say(() => errorText(r), "error");
  } else {
    say(() => t(`campaigns.done.${action}`, { name: c.name }), "ok");
  }
  await loadList();
  onSelect(C.selected, { keep: true });
}
