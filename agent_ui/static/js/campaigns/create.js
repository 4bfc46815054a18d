/* A new campaign (leads; POST /api/campaigns, a draft): name, mode, its agents, calling hours and days, the retry
 * minutes per outcome, the attempts, the script. The agents offered: every active agent for an admin (GET
 * /api/admin/users); for a supervisor, who may not list the users, the agents at a seat now (GET /api/board) and
 * those of the campaigns so far — any other agent is typed in by username (the server refuses one that is not an
 * active agent, naming them). */
import { api, call, errorText } from "../core/api.js";
import { hasRole } from "../core/auth.js";
import { $, el, showStatus } from "../core/dom.js";
import { t } from "../core/i18n.js";
import { C, DAYS, dayLabel } from "./state.js";

let created = async () => {};

export async function loadAgents() {
  const names = new Map(); // username → display name
  if (hasRole(C.user, "admin")) {
    const r = await api("GET", "/api/admin/users");
    if (r.ok) {
      for (const u of r.data) if (u.active && u.roles.includes("agent")) names.set(u.username, u.display_name);
    }
  }
  if (!names.size || !hasRole(C.user, "admin")) {
    const b = await api("GET", "/api/board");
    if (b.ok) {
      for (const a of Object.values(b.data.agents || {})) names.set(a.username, a.display_name || a.username);
    }
  }
  for (const c of C.campaigns) for (const a of c.agents) if (!names.has(a)) names.set(a, a);
  C.agents = [...names.entries()].sort((a, b) => a[0].localeCompare(b[0]));
  renderAgentPicks();
}

function renderAgentPicks() {
  const picked = new Set([...document.querySelectorAll("#camp-agent-picks input:checked")].map((i) => i.value));
  const box = $("camp-agent-picks");
  box.replaceChildren(...C.agents.map(([username, display]) => el("label", { "data-testid": "camp-agent-pick",
                                                                              "data-username": username },
    el("input", { type: "checkbox", value: username, checked: picked.has(username) }),
    display && display !== username ? `${display} (${username})` : username)));
  if (!C.agents.length) box.append(el("p", { class: "muted", text: t("campaigns.agents_none_listed") }));
}

export function renderDays() {
  const checked = new Set([...document.querySelectorAll("#camp-days input:checked")].map((i) => Number(i.value)));
  const first = !document.querySelector("#camp-days input");
  $("camp-days").replaceChildren(...DAYS.map((_, i) => el("label", {},
    el("input", { type: "checkbox", value: i + 1, "data-testid": `camp-day-${DAYS[i]}`,
                  checked: first || checked.has(i + 1) }),
    dayLabel(i + 1))));
}

function chosenAgents() {
  const picked = [...document.querySelectorAll("#camp-agent-picks input:checked")].map((i) => i.value);
  const typed = $("camp-agents-more").value.split(/[\s,，;；]+/).map((s) => s.trim()).filter(Boolean);
  return [...new Set([...picked, ...typed])];
}

function minutes(id) {
  const v = Number($(id).value);
  return Number.isFinite(v) ? v : NaN;
}

async function submit(ev) {
  ev.preventDefault();
  const status = $("camp-create-status");
  const name = $("camp-name").value.trim();
  const agents = chosenAgents();
  const days = [...document.querySelectorAll("#camp-days input:checked")].map((i) => Number(i.value));
  if (!name) {
    showStatus(status, () => t("campaigns.need_name"), "error");
    $("camp-name").focus();
    return;
  }
  if (!agents.length) {
    showStatus(status, () => t("campaigns.need_agents"), "error");
    return;
  }
  if (!days.length) {
    showStatus(status, () => t("campaigns.need_days"), "error");
    return;
  }
  const retry = { busy: minutes("camp-retry-busy"), no_answer: minutes("camp-retry-no-answer"),
                  failed: minutes("camp-retry-failed") };
  const body = { name, mode: $("camp-mode").value, agents, hours_from: $("camp-hours-from").value,
                 hours_to: $("camp-hours-to").value, days, retry, max_attempts: Number($("camp-max-attempts").value),
                 script: $("camp-script").value };
  $("camp-create-submit").disabled = true;
  const r = await call("POST", "/api/campaigns", body);
  $("camp-create-submit").disabled = false;
  if (!r.ok) {
    showStatus(status, () => errorText(r), "error");
    return;
  }
  showStatus(status, () => t("campaigns.created", { name: r.data.name }), "ok");
  $("camp-name").value = "";
  $("camp-script").value = "";
  await created(r.data);
}

export function initCreate(onCreated) {
  created = onCreated;
  renderDays();
  $("camp-create").addEventListener("submit", submit);
}

export function renderCreate() {
  renderAgentPicks();
  renderDays();
}
