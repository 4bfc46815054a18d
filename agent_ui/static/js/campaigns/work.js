/* An agent's side of a preview campaign: the running preview campaigns they work, "next number" (POST
 * /api/campaigns/{id}/next: the next due number, held for them) shows the number, the contact's name, the
 * customer and the script, then "dial" (POST .../numbers/{nid}/dial: their own phone rings, then the customer; the
 * agent must be logged in at a seat on the desktop, else the server's refusal is shown). A number they hold is
 * found again when the page is opened anew. */
import { call } from "../core/api.js";
import { $, el, showStatus } from "../core/dom.js";
import { t } from "../core/i18n.js";
import { fmtTime, parseServerTime, serverNow } from "../core/time.js";
import { C, hoursText, isAgent, refusalText, say } from "./state.js";

let busy = false;

/* The campaigns this agent may take numbers from now (the server checks the calling hours). */
export function workable() {
  if (!isAgent(C.user)) return [];
  return C.campaigns.filter((c) => c.mode === "preview" && c.state === "running" && c.agents.includes(C.user.username));
}

export function renderWork() {
  const mine = workable();
  $("camp-work").hidden = !isAgent(C.user);
  $("camp-work-list").replaceChildren(...mine.map((c) => el("li", { "data-testid": "camp-work-item", "data-id": c.id },
    el("strong", { text: c.name }), " ", el("span", { class: "muted", text: hoursText(c) }), " ",
    el("button", { type: "button", class: "small", "data-testid": "camp-next", disabled: busy,
                   text: t("campaigns.next"), onclick: () => takeNext(c) }))));
  $("camp-work-none").hidden = mine.length > 0;
  renderTaken();
}

function renderTaken() {
  const box = $("camp-taken");
  const k = C.taken;
  box.hidden = !k;
  if (!k) return;
  const { campaign: c, number: n } = k;
  box.dataset.numberId = String(n.id);
  $("camp-taken-number").textContent = n.number;
  $("camp-taken-campaign").textContent = c.name;
  $("camp-taken-name").textContent = n.name || "—";
  const cust = $("camp-taken-customer");
  // no customer page exists: the desktop's screen pop shows the customer once the campaign's call rings there
  cust.replaceChildren(n.customer_id
    ? el("a", { href: "agent.html", "data-testid": "camp-taken-customer-link", "data-customer-id": n.customer_id,
                title: t("campaigns.customer_on_desk"), text: t("campaigns.customer_ref", { id: n.customer_id }) })
    : t("campaigns.customer_none"));
  if (n.callback_id) { // a call-back task's number: its outcome is recorded on the call-back desk
    cust.append(" · ", el("a", { href: `callbacks.html#task-${n.callback_id}`, "data-testid": "camp-taken-callback",
                                  text: t("campaigns.callback_ref", { id: n.callback_id }) }));
  }
  $("camp-taken-attempts").textContent = String(n.attempts);
  $("camp-taken-until").textContent = n.reserved_until ? fmtTime(n.reserved_until) : "—";
  $("camp-taken-script").textContent = c.script || t("campaigns.no_script");
  $("camp-dial").disabled = busy || k.dialled || k.refused;
}

async function takeNext(c) {
  if (busy) return;
  busy = true;
  renderWork();
  const r = await call("POST", `/api/campaigns/${c.id}/next`);
  busy = false;
  if (!r.ok) {
    say(() => refusalText(r), "error");
    renderWork();
    return;
  }
  C.taken = { campaign: c, number: r.data, dialled: false, refused: false };
  showStatus($("camp-dial-status"), "", "");
  say(() => t("campaigns.taken", { number: r.data.number, name: c.name }), "ok");
  renderWork();
}

async function dial() {
  const k = C.taken;
  if (!k || busy || k.dialled) return;
  busy = true;
  renderWork();
  const r = await call("POST", `/api/campaigns/${k.campaign.id}/numbers/${k.number.id}/dial`);
  busy = false;
  if (!r.ok) {
    // the number went back to the list (the server undid its attempt): "next number" takes it again
    k.refused = true;
    showStatus($("camp-dial-status"), () => t("campaigns.dial_refused", { error: refusalText(r) }), "error");
  } else {
    k.dialled = true;
    showStatus($("camp-dial-status"), () => t("campaigns.dialling", { number: k.number.number }), "ok");
  }
  renderWork();
}

/* A number this agent still holds (the page was opened again): shown as taken. */
export async function findHeld() {
  if (C.taken) return;
  for (const c of workable()) {
    const r = await call("GET", `/api/campaigns/${c.id}/numbers?state=reserved&limit=1000`);
    if (!r.ok) continue;
    const n = r.data.items.find((x) => x.agent === C.user.username
                                      && (parseServerTime(x.reserved_until) || 0) > serverNow());
    if (n) {
      C.taken = { campaign: c, number: n, dialled: false, refused: false };
      renderWork();
      return;
    }
  }
}

export function initWork() {
  $("camp-dial").addEventListener("click", dial);
}
