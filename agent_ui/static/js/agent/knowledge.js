/* The agent desktop's knowledge panel (issue 16, 2.; docs/agent-desktop.md): during a call, the entries for the
 * caller's queue and IVR choice (GET /api/knowledge/suggest?queue=&ivr=: the pop's queue, and the target node of
 * the caller's last IVR choice that names one), a search box that answers as the agent types (250 ms after the
 * last key; an older answer is dropped), an entry's agreed wording readable in the panel (the server's escaped
 * markup, copied element by element: knowledge/render.js) with its source document, and "used on this call"
 * (POST /api/knowledge/entries/{id}/uses with the call's uniqueid; shown done after, once per entry and call).
 *
 * It fills the page's #kb-desk and follows the pop on its own: it reads the desktop's state (S.pop) whenever the
 * pop card is redrawn (a MutationObserver on it), so agent.js only mounts it. Nothing is polled. */

import "../i18n/knowledge.js";
import { call, serverMessage } from "../core/api.js";
import { $, el, qs, showStatus } from "../core/dom.js";
import { getLang, t } from "../core/i18n.js";
import { parseServerTime } from "../core/time.js";
import { S } from "./state.js";
import { marked, wording } from "../knowledge/render.js";

const DEBOUNCE_MS = 250;
const P = {
  key: undefined,       // the call context the suggestions are for (JSON of uid, queue, ivr; null: no call)
  ctx: null,            // {uid, queue, ivr, ivrLabel} of the pop on screen, or null
  suggestions: [],      // HitOut of /suggest
  results: null,        // {q, items: [HitOut], total} of /search, or null
  open: null,           // the HitOut read in the panel
  used: new Set(),      // "<entry id>:<call uniqueid>" marked used here
  asked: 0,             // the newest search asked
  suggestAsked: 0,      // the newest suggestions asked
  timer: null,
};

/* "YYYY-MM-DD HH:MM" in the centre's timezone (the knowledge page writes validity so too). */
function centreTime(iso) {
  const ms = parseServerTime(iso);
  if (ms === null) return "";
  const opts = { year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" };
  let f;
  try {
    f = new Intl.DateTimeFormat("en-CA", { ...opts, timeZone: (S.user && S.user.timezone) || undefined });
  } catch { // an unknown timezone name: the browser's
    f = new Intl.DateTimeFormat("en-CA", opts);
  }
  const p = {};
  for (const x of f.formatToParts(new Date(ms))) p[x.type] = x.value;
  return `${p.year}-${p.month}-${p.day} ${p.hour === "24" ? "00" : p.hour}:${p.minute}`;
}

const failText = (r) => (r.status === 0 ? t("common.network_error") : t("common.error", { message: serverMessage(r) }));

/* The pop's call context: its uniqueid, queue and the target of the caller's last IVR choice. */
function context() {
  const p = S.pop;
  if (!p || !p.call_uniqueid) return null;
  const choices = (Array.isArray(p.ivr_choices) ? p.ivr_choices : []).filter((c) => c && c.target);
  const last = choices.length ? choices[choices.length - 1] : null;
  const zh = getLang().startsWith("zh");
  return { uid: p.call_uniqueid, queue: p.queue || null, ivr: last ? last.target : null,
           ivrLabel: last ? (zh ? last.label_zh : last.label_en) || last.target : null };
}

function build(root) {
  root.textContent = "";
  root.append(
    el("div", { class: "kb-desk-head" },
      el("h2", { "data-i18n": "knowledge.desk.heading", text: t("knowledge.desk.heading") }),
      el("a", { href: "knowledge.html", target: "_blank", rel: "noopener", "data-testid": "kb-desk-page",
                "data-i18n": "knowledge.desk.page", text: t("knowledge.desk.page") })),
    el("p", { id: "kb-desk-call", class: "muted small", "data-testid": "kb-desk-call" }),
    el("ul", { id: "kb-desk-suggestions", class: "kb-desk-list", "data-testid": "kb-desk-suggestions" }),
    el("label", { for: "kb-desk-search", class: "sr-only", "data-i18n": "knowledge.desk.search",
                  text: t("knowledge.desk.search") }),
    el("input", { id: "kb-desk-search", "data-testid": "kb-desk-search", type: "search", maxlength: "200",
                  autocomplete: "off", "data-i18n-placeholder": "knowledge.desk.search_placeholder",
                  placeholder: t("knowledge.desk.search_placeholder") }),
    el("p", { id: "kb-desk-found", class: "muted small", "data-testid": "kb-desk-found" }),
    el("ul", { id: "kb-desk-results", class: "kb-desk-list", "data-testid": "kb-desk-results" }),
    el("div", { id: "kb-desk-reader", class: "kb-desk-reader", "data-testid": "kb-desk-reader", hidden: true }),
    el("p", { id: "kb-desk-status", class: "status", "data-testid": "kb-desk-status", role: "status" }));
}

function hitItem(h, where) {
  const r = h.revision;
  return el("li", { "data-testid": `kb-desk-${where}`, "data-entry": String(h.entry_id) },
    el("button", { type: "button", class: "kb-desk-open", "data-testid": "kb-desk-open",
                   onclick: () => openEntry(h) },
      el("span", { class: "kb-desk-title", "data-testid": "kb-desk-title" }, marked(r.title, h.title_marks))),
    h.snippet ? el("div", { class: "kb-snippet muted small", "data-testid": "kb-desk-snippet" },
      marked(h.snippet, h.snippet_marks)) : null,
    P.ctx && P.used.has(`${h.entry_id}:${P.ctx.uid}`)
      ? el("span", { class: "badge live", "data-testid": "kb-desk-used-mark", text: t("knowledge.desk.used_mark") })
      : null);
}

function renderCall() {
  const c = P.ctx;
  let text = t("knowledge.desk.no_call");
  if (c) {
    const parts = [];
    if (c.queue) parts.push(t("knowledge.desk.queue", { queue: c.queue }));
    if (c.ivr) parts.push(t("knowledge.desk.ivr", { ivr: c.ivrLabel || c.ivr }));
    text = parts.length ? t("knowledge.desk.for_call", { what: parts.join(" · ") }) : t("knowledge.desk.call_no_target");
  }
  $("kb-desk-call").textContent = text;
  const list = $("kb-desk-suggestions");
  list.textContent = "";
  if (c && P.suggestions.length) {
    list.append(el("li", { class: "kb-desk-sub muted small", text: t("knowledge.desk.suggested") }));
    for (const h of P.suggestions) list.append(hitItem(h, "suggestion"));
  } else if (c && (c.queue || c.ivr)) {
    list.append(el("li", { class: "muted small", "data-testid": "kb-desk-no-suggestion",
                           text: t("knowledge.desk.no_suggestion") }));
  }
}

function renderResults() {
  const list = $("kb-desk-results");
  list.textContent = "";
  const R = P.results;
  $("kb-desk-found").textContent = R ? (R.items.length ? t("knowledge.desk.found", { n: R.total })
    : t("knowledge.desk.none_found", { q: R.q })) : "";
  if (R) for (const h of R.items) list.append(hitItem(h, "result"));
}

function renderReader() {
  const box = $("kb-desk-reader");
  const h = P.open;
  box.hidden = !h;
  box.textContent = "";
  if (!h) return;
  const r = h.revision;
  const c = P.ctx;
  const done = c && P.used.has(`${h.entry_id}:${c.uid}`);
  box.dataset.entry = String(h.entry_id);
  box.append(
    el("div", { class: "kb-desk-reader-head" },
      el("h3", { "data-testid": "kb-desk-reader-title", text: r.title }),
      el("button", { type: "button", class: "secondary small", "data-testid": "kb-desk-close",
                     text: t("knowledge.desk.close"), onclick: () => { P.open = null; renderReader(); } })),
    r.valid_to ? el("p", { class: "muted small", "data-testid": "kb-desk-valid-to", text: t("knowledge.desk.valid_to", { at: centreTime(r.valid_to) }) })
      : null,
    el("div", { class: "kb-body", "data-testid": "kb-desk-body" }, wording(r.body_html)),
    r.document_id ? el("p", { class: "small" },
      el("a", { href: `/api/knowledge/documents/${r.document_id}`, download: "", "data-testid": "kb-desk-document",
                text: t("knowledge.desk.document") })) : null,
    c ? el("button", { type: "button", class: done ? "secondary" : "go", "data-testid": "kb-desk-use",
                       "data-used": String(Boolean(done)), disabled: done,
                       text: done ? t("knowledge.desk.used") : t("knowledge.desk.use"), onclick: () => markUsed(h) })
      : el("p", { class: "muted small", "data-testid": "kb-desk-use-hint", text: t("knowledge.desk.use_hint") }));
}

function render() {
  renderCall();
  renderResults();
  renderReader();
}

function openEntry(h) {
  P.open = h;
  showStatus($("kb-desk-status"), "");
  renderReader();
}

async function markUsed(h) {
  const c = P.ctx;
  if (!c) return;
  const button = document.querySelector('[data-testid="kb-desk-use"]');
  if (button) button.disabled = true;
  const r = await call("POST", `/api/knowledge/entries/${h.entry_id}/uses`, { call_uniqueid: c.uid });
  if (!r.ok) {
    if (button) button.disabled = false;
    showStatus($("kb-desk-status"), () => failText(r), "error");
    return;
  }
  P.used.add(`${h.entry_id}:${c.uid}`);
  showStatus($("kb-desk-status"), "");
  render();
}

async function loadSuggestions() {
  const c = P.ctx;
  const mine = ++P.suggestAsked;
  if (!c || !(c.queue || c.ivr)) {
    P.suggestions = [];
    renderCall();
    return;
  }
  const r = await call("GET", `/api/knowledge/suggest${qs({ queue: c.queue, ivr: c.ivr, limit: 5 })}`);
  if (mine !== P.suggestAsked) return;
  P.suggestions = r.ok ? r.data.items : [];
  if (!r.ok) showStatus($("kb-desk-status"), () => failText(r), "error");
  renderCall();
}

async function search() {
  const q = $("kb-desk-search").value.trim();
  const mine = ++P.asked;
  if (!q) {
    P.results = null;
    renderResults();
    return;
  }
  const r = await call("GET", `/api/knowledge/search${qs({ q, limit: 8 })}`);
  if (mine !== P.asked) return; // a newer question was asked meanwhile
  if (!r.ok) {
    showStatus($("kb-desk-status"), () => failText(r), "error");
    return;
  }
  P.results = { q, items: r.data.items, total: r.data.total };
  renderResults();
}

/* The pop was redrawn: a new call (or none) gets its suggestions; the same call only its buttons. */
function followPop() {
  const ctx = context();
  const key = ctx ? JSON.stringify([ctx.uid, ctx.queue, ctx.ivr]) : null;
  P.ctx = ctx;
  if (key !== P.key) {
    P.key = key;
    P.suggestions = [];
    render();
    loadSuggestions();
  }
}

/* Fill #kb-desk and follow the pop (agent.js calls this once the agent is signed in). */
export function initKnowledgePanel() {
  const root = $("kb-desk");
  if (!root) return;
  build(root);
  root.hidden = false;
  $("kb-desk-search").addEventListener("input", () => {
    clearTimeout(P.timer);
    P.timer = setTimeout(search, DEBOUNCE_MS);
  });
  const watch = new MutationObserver(followPop);
  const card = $("pop-card");
  if (card) watch.observe(card, { attributes: true, attributeFilter: ["hidden", "data-phase"] });
  for (const id of ["pop-phase", "pop-queue", "pop-caller-number"]) {
    if ($(id)) watch.observe($(id), { childList: true, characterData: true, subtree: true });
  }
  document.addEventListener("cc:langchange", () => {
    P.ctx = context();
    render();
  });
  followPop();
}
