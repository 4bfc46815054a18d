/* The running campaigns' live figures (the snapshot's and deltas' ``campaigns``, ``campaigns_gone``; their owner
 * is the campaigns service: callcenter/wallboard/campaigns.py): per campaign dialled, connected, remaining and the
 * numbers by their last outcome. The campaigns page (campaigns.html) has the rest. */
import { $, el } from "../core/dom.js";
import { t, tOr } from "../core/i18n.js";
import { B } from "./state.js";

const OUTCOMES = ["answered", "busy", "no_answer", "failed", "agent_missed"];

/* Apply a board message's campaigns (after wbApply accepted it): true when something changed. */
export function applyCampaigns(m) {
  if (m.type === "snapshot") {
    B.campaigns = m.campaigns && typeof m.campaigns === "object" ? { ...m.campaigns } : {};
    return true;
  }
  if (m.type !== "delta") return false;
  let changed = false;
  for (const [id, c] of Object.entries(m.campaigns || {})) {
    B.campaigns[id] = c;
    changed = true;
  }
  for (const id of m.campaigns_gone || []) {
    if (String(id) in B.campaigns) {
      delete B.campaigns[String(id)];
      changed = true;
    }
  }
  return changed;
}

function outcomes(byOutcome) {
  const entries = Object.entries(byOutcome || {}).filter(([, n]) => n > 0);
  if (!entries.length) return "";
  const rank = (k) => (OUTCOMES.includes(k) ? OUTCOMES.indexOf(k) : OUTCOMES.length);
  entries.sort((a, b) => rank(a[0]) - rank(b[0]) || a[0].localeCompare(b[0]));
  return entries.map(([k, n]) => `${tOr(`board.campaigns.outcome.${k}`, k)} ${n}`).join(" · ");
}

export function renderCampaignHead() {
  $("board-campaign-head").replaceChildren(
    el("th", { class: "num", text: t("board.campaigns.col.dialled") }),
    el("th", { class: "num", text: t("board.campaigns.col.connected") }),
    el("th", { class: "num", text: t("board.campaigns.col.remaining") }));
}

export function renderCampaigns() {
  const list = Object.values(B.campaigns).sort((a, b) => a.name.localeCompare(b.name) || a.id - b.id);
  // one <tbody> per campaign: its name (mode, numbers by outcome) on a line of its own over its three figures, so
  // the narrow side column holds them
  const table = $("board-campaigns-table");
  table.querySelectorAll("tbody").forEach((b) => b.remove());
  for (const c of list) {
    table.append(el("tbody", { "data-testid": "board-campaign", "data-id": c.id, "data-name": c.name },
      el("tr", {}, el("td", { colspan: 3, class: "wb-campaign-name", style: "border-bottom: 0; padding-bottom: 0" },
        el("strong", { text: c.name }), " ",
        el("span", { class: "muted small", text: tOr(`board.campaigns.mode.${c.mode}`, c.mode) }), " ",
        el("span", { class: "muted small", "data-testid": "board-campaign-outcomes",
                     title: t("board.campaigns.col.by_outcome"), text: outcomes(c.by_outcome) }))),
      el("tr", {},
        el("td", { class: "num", "data-testid": "board-campaign-dialled", text: String(c.dialled) }),
        el("td", { class: "num", "data-testid": "board-campaign-connected", text: String(c.connected) }),
        el("td", { class: "num", "data-testid": "board-campaign-remaining", text: String(c.remaining) }))));
  }
  table.hidden = list.length === 0;
  $("board-campaigns-none").hidden = list.length > 0;
  const count = $("board-campaign-count");
  count.textContent = list.length ? String(list.length) : "";
  count.hidden = !list.length;
}
