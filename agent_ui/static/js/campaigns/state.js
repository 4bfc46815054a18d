/* The campaigns page's state, who may do what (as the API's roles: callcenter/campaigns/api.py), its words and its
 * status line. */
import { errorText, serverMessage } from "../core/api.js";
import { hasRole } from "../core/auth.js";
import { $, showStatus } from "../core/dom.js";
import { t, tOr } from "../core/i18n.js";

export const C = {
  user: null,
  campaigns: [],          // GET /api/campaigns: items
  figures: new Map(),     // campaign id → GET /api/campaigns/{id} (the live figures)
  selected: null,         // the campaign id shown in the detail
  agents: [],             // usernames offered in the create form
  dnc: null,              // GET /api/dnc
  taken: null,            // the number this agent took: {campaign, number}
  loading: false,
  updatedAt: null,
};

export const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]; // ISO weekdays 1..7
export const OUTCOMES = ["answered", "busy", "no_answer", "failed", "agent_missed", "callback_closed"];

export const mayRead = (u) => hasRole(u, "supervisor", "admin", "qc", "agent");
export const isLead = (u) => hasRole(u, "supervisor", "admin");
export const isAgent = (u) => hasRole(u, "agent");

/* errorText(), with the server's own reason for a 403 too (not an agent of this campaign, ...). */
export function refusalText(r) {
  const d = (r && r.data) || {};
  if (r.status === 403 && d.messages && typeof d.messages === "object") {
    return t("common.error", { message: serverMessage(r) });
  }
  return errorText(r);
}

export function say(message, kind) {
  showStatus($("camp-status"), message, kind);
}

export const modeLabel = (m) => tOr(`campaigns.mode.${m}`, m);
export const stateLabel = (s) => tOr(`campaigns.state.${s}`, s);
export const outcomeLabel = (o) => tOr(`campaigns.outcome.${o}`, o);
export const dayLabel = (iso) => t(`campaigns.day.${DAYS[iso - 1]}`);

/* "answered 3 · busy 1", in the page's language (the known outcomes first). */
export function outcomesText(byOutcome) {
  const entries = Object.entries(byOutcome || {}).filter(([, n]) => n > 0);
  if (!entries.length) return "—";
  const rank = (k) => (OUTCOMES.includes(k) ? OUTCOMES.indexOf(k) : OUTCOMES.length);
  entries.sort((a, b) => rank(a[0]) - rank(b[0]) || a[0].localeCompare(b[0]));
  return entries.map(([k, n]) => `${outcomeLabel(k)} ${n}`).join(" · ");
}

/* "Mon–Fri" style lists are not attempted: the days by name, in order. */
export function daysText(days) {
  return [...(days || [])].sort((a, b) => a - b).map(dayLabel).join(t("campaigns.list_sep"));
}

export function hoursText(c) {
  return t("campaigns.hours_text", { from: c.hours_from, to: c.hours_to, days: daysText(c.days) });
}
