/* agent.html: the agent desktop. Log in at a seat, go ready / pause with a reason, see the caller's record pop
 * up while the phone rings, write the service record, transfer, click-to-call, today's calls.
 *
 * Everything live arrives over the websocket /ws/agent ("hello" rebuilds the whole view, then "state", "pop",
 * "pop_phase", "pop_cleared", "discipline": away warning / violation, leave-seat request decided); HTTP is only
 * used for actions and for lists that change when a call ends (and /api/seat/me after a "discipline" push).
 * The only timers are the one-second clock (time in state, wait so far), the 25 s keep-alive ping and the
 * reconnect back-off: no data is polled.
 */
"use strict";

const CATEGORIES = ["consultation", "query", "business", "complaint", "suggestion", "other"];
const SEAT_KEY = "cc.agent.seat";
const CONFIRM_MS = 8000; // "press again to confirm" window

const S = {
  user: null,
  agent: null, // AGENT as the server last told us
  pop: null, // POP on screen (ringing / active / wrapup)
  reasons: [], // pause reasons [{code, label_zh, label_en, away, system}]
  seats: [],
  skills: [],
  today: [],
  clockOffset: 0, // server clock minus this browser's clock, in ms
  formsFor: null, // the call_uniqueid the pop forms were last reset for
  customerMode: null, // null | "new" | "edit"
  local: {}, // call_uniqueid → {customer, records: []} created/changed here (kept across a reconnect's hello)
  lastCleared: null, // {number, why} of the last pop that went away
  busy: false, // a state action is in flight
  pending: null, // the action asked for while one was in flight
  doneArmedUntil: 0, // "done — ready" pressed with an unsaved record: a second press within CONFIRM_MS goes on
  socket: null, // the liveSocket() of /ws/agent
  wsState: "connecting", // connecting | open | reconnecting | refused
  wsEverOpened: false,
  reconnectAt: 0, // when the next connection attempt is due (ms)
  recording: { call: null, muted: false }, // the current call's recording as this page muted it
  // seat discipline (docs/seat-discipline.md): my away episode now (AWAY of /api/seat/me, or from a push), my
  // leave-seat request (the live one, or the last one decided / ended while this page was open)
  seat: { away: null, request: null, settings: {}, seq: 0, busy: false },
};

const $ = (id) => document.getElementById(id);

/* ---- helpers ---------------------------------------------------------------------------------------- */

/* api() that sends the user back to the login page when the session has ended. */
async function call(method, path, body) {
  const r = await api(method, path, body);
  if (r.status === 401) window.location.replace("index.html");
  return r;
}

function serverNow() {
  return Date.now() + S.clockOffset;
}

const pad2 = (n) => String(n).padStart(2, "0");

/* mm:ss, or h:mm:ss from an hour on. */
function fmtClock(seconds) {
  if (seconds === null || seconds === undefined || Number.isNaN(seconds)) return "";
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h ? `${h}:${pad2(m)}:${pad2(s % 60)}` : `${pad2(m)}:${pad2(s % 60)}`;
}

/* A short time: "14:05" today, "03-02 14:05" otherwise (the year only when it is not this one). */
function fmtShort(v) {
  const ms = parseServerTime(v);
  if (ms === null) return "";
  const d = new Date(ms);
  const now = new Date();
  const hm = `${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
  if (d.toDateString() === now.toDateString()) return hm;
  const md = `${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}`;
  return d.getFullYear() === now.getFullYear() ? `${md} ${hm}` : `${d.getFullYear()}-${md} ${hm}`;
}

function fmtDate(v) {
  const ms = parseServerTime(v);
  if (ms === null) return "";
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}`;
}

/* t() with a fallback for codes the dictionary does not know (a new outcome, a new device state). */
function tOr(key, fallback) {
  const s = t(key);
  return s === key ? fallback : s;
}

function reasonLabel(code) {
  if (!code) return "";
  const r = S.reasons.find((x) => x.code === code);
  if (r) return getLang() === "en" ? r.label_en || r.code : r.label_zh || r.label_en || r.code;
  return tOr(`agent.reason.${code}`, code);
}

/* errorText(), but a refusal (403) shows the server's reason too: an agent needs to know why. */
function failText(r) {
  const msg = r && r.data && typeof r.data.message === "string" ? r.data.message : "";
  if (r && r.status === 403 && msg) return t("common.error", { message: msg });
  return errorText(r);
}

function showError(r) {
  showStatus($("agent-error"), typeof r === "string" ? r : () => failText(r), "error");
}

function noticeText(m) {
  const key = { "board.pause": "agent.notice_pause", "board.logout": "agent.notice_logout" }[m.action];
  const text = key ? t(key, { by: m.by || "" }) : String(m.text || "");
  return m.note ? `${text}: ${m.note}` : text;
}

function clearError() {
  showStatus($("agent-error"), "");
}

function splitList(s) {
  return String(s || "").split(/[,，;；、\n]+/).map((x) => x.trim()).filter(Boolean);
}

function focusIsFree() {
  const a = document.activeElement;
  return !a || a === document.body || a.tagName === "BUTTON";
}

/* ---- what the agent may do now ----------------------------------------------------------------------- */

const st = () => (S.agent ? S.agent.state : "logged_out");
const canReady = () => ["paused", "wrapup"].includes(st());
const canPause = () => ["ready", "wrapup", "paused"].includes(st());
const canLeave = () => !["logged_out", "ringing", "on_call"].includes(st());
const canDial = () => !["logged_out", "ringing", "on_call"].includes(st());

/* ---- applying what the server says ------------------------------------------------------------------- */

/* ``authoritative``: from the websocket (in order) or a fresh /me. An HTTP action's answer may be older than a
 * websocket message that overtook it, so it is applied only if its state is not older than the one shown. */
function applyAgent(agent, authoritative) {
  if (!agent) return;
  if (!authoritative && S.agent) {
    const mine = parseServerTime(S.agent.since);
    const theirs = parseServerTime(agent.since);
    if (mine !== null && theirs !== null && theirs < mine) return;
  }
  const prev = S.agent ? S.agent.state : null;
  const prevQueues = S.agent ? JSON.stringify(S.agent.queues || {}) : "";
  S.agent = agent;
  if (prev !== agent.state) S.doneArmedUntil = 0;
  if (agent.state === "logged_out" && prev !== "logged_out" && prev !== null) loadSeats();
  if (agent.state !== "logged_out" && (prev === "logged_out" || prev === null
                                       || prevQueues !== JSON.stringify(agent.queues || {}))) {
    loadSkills();
  }
  if (prev === "logged_out" && agent.state !== "logged_out") loadToday();
  if (prev !== null && (prev === "logged_out") !== (agent.state === "logged_out")) refreshSeat(); // seated / left
  renderAgent();
}

function applyPop(pop) {
  if (!pop) {
    S.pop = null;
  } else {
    const p = { ...pop };
    p.recent_calls = Array.isArray(p.recent_calls) ? p.recent_calls : [];
    p.service_records = Array.isArray(p.service_records) ? p.service_records : [];
    p.open_follow_ups = Array.isArray(p.open_follow_ups) ? p.open_follow_ups : [];
    p.ivr_path = Array.isArray(p.ivr_path) ? p.ivr_path : [];
    const mine = S.local[p.call_uniqueid];
    if (mine) { // what this page created/changed for the call, which the server's copy of the pop may lack
      if (mine.customer && (!p.customer || p.customer.id === mine.customer.id)) p.customer = mine.customer;
      for (const rec of mine.records) {
        if (!p.service_records.some((x) => x.id === rec.id)) p.service_records.unshift(rec);
        if (rec.follow_up_needed && !rec.follow_up_done_at && !p.open_follow_ups.some((x) => x.id === rec.id)) {
          p.open_follow_ups.unshift(rec);
        }
      }
    }
    S.pop = p;
    if (S.formsFor !== p.call_uniqueid) resetPopForms();
  }
  renderPop();
  renderControls();
}

function localFor(uid) {
  if (!S.local[uid]) S.local[uid] = { customer: null, records: [] };
  return S.local[uid];
}

/* ---- rendering: state bar, seat, controls -------------------------------------------------------------- */

function renderAgent() {
  const a = S.agent || { state: "logged_out" };
  const state = a.state;
  $("state-bar").dataset.state = state;
  const label = $("agent-state");
  label.dataset.state = state;
  label.dataset.reason = a.reason || "";
  label.textContent = "";
  label.appendChild(el("span", { class: "state-name", text: tOr(`agent.state.${state}`, state) }));
  if (state === "paused" && a.reason) {
    label.appendChild(el("span", { class: "state-reason", "data-testid": "agent-state-reason",
                                   text: " · " + reasonLabel(a.reason) }));
  }
  const sub = [];
  if (a.extension) sub.push(t("agent.sub_seat", { ext: a.extension }));
  if (state === "ringing" || state === "on_call") {
    const q = a.call_queue || (S.pop && S.pop.queue);
    if (q) sub.push(t("agent.sub_queue", { queue: q }));
  }
  if (a.extension && a.device) sub.push(t("agent.sub_phone", { device: deviceLabel(a.device) }));
  $("state-sub").textContent = sub.join(" · ");
  renderSeatDiscipline();
  tick();

  // seat card
  const out = state === "logged_out";
  $("seat-form").hidden = !out;
  $("seat-info").hidden = out;
  if (!out) {
    $("seat-ext").textContent = a.extension || "";
    const seat = S.seats.find((x) => x.extension === a.extension);
    if (seat && seat.name) $("seat-ext").textContent = `${a.extension} — ${seat.name}`;
    const dev = $("seat-device");
    dev.textContent = deviceLabel(a.device);
    dev.className = ["unavailable", "invalid", "unknown", ""].includes(a.device || "") ? "warn-text" : "";
    if (a.missed_rings) dev.textContent += " · " + t("agent.missed_rings", { n: a.missed_rings });
    $("seat-since").textContent = fmtShort(a.logged_in_at);
    renderQueues();
  } else {
    renderSeats();
  }
  renderControls();
  if (!S.pop) renderPop(); // the empty pop area's hint depends on the state
  document.title = titleText();
}

function deviceLabel(d) {
  if (!d) return t("agent.device.unknown");
  return tOr(`agent.device.${d}`, d);
}

function titleText() {
  const base = t("agent.title");
  if (st() === "ringing") {
    const n = (S.pop && S.pop.caller_number) || t("agent.unknown_number");
    return `☎ ${n} — ${base}`;
  }
  return `${tOr(`agent.state.${st()}`, st())} — ${base}`;
}

function renderQueues() {
  const dd = $("seat-queues");
  dd.textContent = "";
  const queues = S.agent && S.agent.queues ? Object.keys(S.agent.queues) : [];
  const levels = Object.fromEntries(S.skills.map((s) => [s.queue, s.level]));
  const names = [...new Set([...queues, ...Object.keys(levels)])].sort();
  if (!names.length) {
    dd.textContent = t("agent.no_queues");
    return;
  }
  const ul = el("ul", { class: "queue-list" });
  for (const q of names) {
    const lvl = levels[q];
    const member = queues.includes(q);
    ul.appendChild(el("li", { "data-testid": `seat-queue-${q}`, class: member ? "" : "muted" },
      el("strong", { text: q }),
      lvl ? el("span", { class: "badge", text: tOr(`agent.level.${lvl}`, lvl) }) : null,
      member ? null : el("span", { class: "muted", text: " " + t("agent.not_member") })));
  }
  dd.appendChild(ul);
}

function renderSeats() {
  const sel = $("seat-select");
  const keep = sel.value || localStorageGet(SEAT_KEY);
  sel.textContent = "";
  let firstFree = null;
  for (const s of S.seats) {
    const mine = s.taken_by && S.user && s.taken_by === S.user.username;
    const taken = s.taken_by && !mine;
    const text = `${s.extension}${s.name ? " — " + s.name : ""}` + (taken ? " " + t("agent.seat_taken", { who: s.taken_by }) : "");
    sel.appendChild(el("option", { value: s.extension, disabled: taken, text }));
    if (!taken && firstFree === null) firstFree = s.extension;
  }
  const keepOk = S.seats.some((s) => s.extension === keep && (!s.taken_by || (S.user && s.taken_by === S.user.username)));
  if (keepOk) sel.value = keep;
  else if (firstFree !== null) sel.value = firstFree;
  if (!S.seats.length) {
    showStatus($("seat-status"), () => t("agent.no_seats"), "warn");
  } else if (firstFree === null) {
    showStatus($("seat-status"), () => t("agent.all_seats_taken"), "warn");
  } else if ($("seat-status").classList.contains("warn")) {
    showStatus($("seat-status"), "");
  }
  $("seat-login").disabled = S.busy || firstFree === null;
}

function localStorageGet(key) {
  try { return localStorage.getItem(key) || ""; } catch (e) { return ""; }
}

function localStorageSet(key, value) {
  try { localStorage.setItem(key, value); } catch (e) { /* storage disabled */ }
}

function renderReasons() {
  const sel = $("pause-reason");
  const keep = sel.value;
  sel.textContent = "";
  for (const r of S.reasons.filter((x) => !x.system)) {
    sel.appendChild(el("option", { value: r.code, text: reasonLabel(r.code) }));
  }
  if (keep && S.reasons.some((x) => x.code === keep && !x.system)) sel.value = keep;
}

/* Enable / disable / show / hide every control for the current state and pop. */
function renderControls() {
  const state = st();
  const busy = S.busy;
  $("btn-ready").disabled = busy || !canReady();
  $("btn-pause").disabled = busy || !canPause() || !$("pause-reason").options.length;
  $("pause-reason").disabled = state === "logged_out";
  $("seat-logout").disabled = busy || !canLeave();
  $("dial-submit").disabled = !canDial();
  $("dial-number").disabled = state === "logged_out";
  document.querySelectorAll("button.dial-this").forEach((b) => { b.disabled = !canDial(); });
  $("transfer-card").hidden = state !== "on_call";
  renderRecording();
  const p = S.pop;
  const recordOpen = Boolean(p && p.phase !== "ringing" && p.call_uniqueid);
  $("record-card").hidden = !recordOpen;
  $("record-wait").hidden = !p || recordOpen;
  $("desk").classList.toggle("no-pop", !p);
  $("record-done").disabled = busy || !canReady();
  fillTransferTargets();
}

/* ---- rendering: the pop ------------------------------------------------------------------------------- */

function renderPop() {
  const p = S.pop;
  $("pop-card").hidden = !p;
  $("pop-empty").hidden = Boolean(p);
  document.body.classList.toggle("has-pop", Boolean(p));
  if (!p) {
    $("pop-empty-text").textContent = st() === "logged_out" ? t("agent.pop_none_logged_out") : t("agent.pop_none");
    const last = S.lastCleared;
    $("pop-last").textContent = last
      ? t("agent.pop_last", { number: last.number || t("agent.unknown_number"),
                              why: tOr(`agent.why.${last.why}`, last.why || "") })
      : "";
    document.title = titleText();
    return;
  }
  const phase = p.phase || "ringing";
  $("pop-card").dataset.phase = phase;
  const ph = $("pop-phase");
  ph.dataset.phase = phase;
  ph.textContent = tOr(`agent.phase.${phase}`, phase);
  $("pop-caller-number").textContent = p.caller_number || t("agent.unknown_number");
  $("pop-caller-name").textContent = p.caller_name && p.caller_name !== p.caller_number ? p.caller_name : "";
  $("pop-queue").textContent = p.queue || "—";
  $("pop-dialled").textContent = p.dialled_number || "";
  $("pop-dialled-wrap").hidden = !p.dialled_number;
  renderIvrPath(p);
  showStatus($("pop-error"), p.error ? () => t("agent.pop_error", { message: p.error }) : "", "warn");
  renderCustomer(p);
  renderFollowUps(p);
  renderRecentCalls(p);
  renderRecords(p);
  tick();
  document.title = titleText();
}

/* The wait so far: live from queued_at while ringing, then frozen at the answer. */
function popWait(p) {
  const queued = parseServerTime(p.queued_at);
  if (p.phase === "ringing" || !p.phase) {
    if (queued !== null) return (serverNow() - queued) / 1000;
    return p.wait_seconds;
  }
  const answered = parseServerTime(p.active_at);
  if (queued !== null && answered !== null) return (answered - queued) / 1000;
  return p.wait_seconds;
}

function ivrStepText(s) {
  const node = s.node || "?";
  let extra = "";
  if (s.kind === "menu") {
    if (s.result === "option" && s.digits) extra = t("agent.ivr_pressed", { digits: s.digits });
    else if (s.result === "invalid") extra = t("agent.ivr_invalid", { digits: s.digits || "" });
    else if (s.result === "timeout") extra = t("agent.ivr_timeout");
    else if (s.digits) extra = t("agent.ivr_pressed", { digits: s.digits });
  } else if (s.kind === "queue") {
    extra = t("agent.ivr_queue", { queue: s.queue || "" });
  } else if (s.kind === "lookup" || s.kind === "hours") {
    extra = tOr(`agent.ivr_result.${s.result}`, s.result || "");
  } else if (s.kind === "language" && s.language) {
    extra = s.language;
  } else if (s.kind === "transfer" && s.target) {
    extra = s.target;
  }
  if (s.result === "caller_hangup") extra = t("agent.ivr_result.caller_hangup");
  return { node, extra };
}

function renderIvrPath(p) {
  const ol = $("pop-ivr-path");
  ol.textContent = "";
  const steps = p.ivr_path.filter((s) => s && s.kind !== "play");
  if (!steps.length) {
    ol.appendChild(el("li", { class: "muted", text: t("agent.ivr_none") }));
    return;
  }
  // the flow's own label of each node (人工服务 / Human service) in the page's language; the node id otherwise
  const labels = p.ivr_labels && typeof p.ivr_labels === "object" ? p.ivr_labels : {};
  const lang = getLang().startsWith("zh") ? "zh" : "en";
  for (const s of steps) {
    const { node, extra } = ivrStepText(s);
    const label = labels[node] && labels[node][lang];
    ol.appendChild(el("li", { "data-node": node, "data-kind": s.kind || "" },
      el("span", { class: "crumb-node", title: label ? node : "", text: label || node }),
      extra ? el("span", { class: "crumb-extra" + (s.digits && s.result === "option" ? " digits" : ""), text: extra })
        : null));
  }
}

function renderCustomer(p) {
  const box = $("pop-customer");
  box.textContent = "";
  const c = p.customer;
  if (c) {
    const numbers = Array.isArray(c.numbers) ? c.numbers : [];
    const tags = Array.isArray(c.tags) ? c.tags : [];
    box.appendChild(el("div", { class: "cust-head" },
      el("span", { class: "cust-name", id: "pop-customer-name", "data-testid": "pop-customer-name", text: c.name || "" }),
      el("span", { class: "badge vip", "data-testid": "pop-vip", hidden: !c.vip, text: "VIP" }),
      el("button", { type: "button", class: "secondary small", "data-testid": "pop-edit-customer",
                     hidden: S.customerMode === "edit", onclick: openEditCustomer, text: t("agent.cust_edit") })));
    const facts = el("dl", { class: "facts" });
    const fact = (key, value, testid) => {
      if (!value) return;
      facts.appendChild(el("dt", { text: t(key) }));
      facts.appendChild(el("dd", { "data-testid": testid }, value));
    };
    fact("agent.cust_company", c.company, "pop-company");
    fact("agent.cust_address", c.address, "pop-address");
    if (numbers.length) {
      fact("agent.cust_numbers_short", el("span", { class: "numbers" }, numbers.map((n) => el("span", { class: "number" },
        el("span", { text: n }),
        el("button", { type: "button", class: "secondary small dial-this", "data-testid": `pop-dial-${n}`,
                       disabled: !canDial(), title: t("agent.dial_this", { number: n }),
                       onclick: () => dial(n, c.id), text: t("agent.dial") })))), "pop-numbers");
    }
    if (tags.length) {
      fact("agent.cust_tags_short", el("span", { class: "tags" }, tags.map((tg) => el("span", { class: "badge", text: tg }))),
           "pop-tags");
    }
    box.appendChild(facts);
    if (c.notes) box.appendChild(el("p", { class: "notes", "data-testid": "pop-notes", text: c.notes }));
  } else {
    box.appendChild(el("div", { class: "cust-head" },
      el("span", { class: "cust-unknown", "data-testid": "pop-unknown", text: t("agent.cust_unknown") })));
  }
  // the form: new customer when there is none (unless the record could not be loaded), edit on request
  if (!c && !p.error) S.customerMode = "new";
  else if (c && S.customerMode === "new") S.customerMode = null;
  if (!c && p.error && S.customerMode !== "new") {
    box.appendChild(el("button", { type: "button", class: "secondary small", "data-testid": "pop-open-new-customer",
                                   onclick: () => { S.customerMode = "new"; renderCustomer(S.pop); },
                                   text: t("agent.cust_new") }));
  }
  renderCustomerForm();
}

function renderCustomerForm() {
  const form = $("customer-form");
  const mode = S.customerMode;
  form.hidden = !mode;
  form.dataset.mode = mode || "";
  $("customer-form-title").textContent = mode === "edit" ? t("agent.cust_edit_heading") : t("agent.cust_new_heading");
  $("new-customer-save").textContent = mode === "edit" ? t("agent.cust_save_edit") : t("agent.cust_save_new");
  $("customer-cancel").hidden = mode !== "edit";
}

function fillCustomerForm(c) {
  $("new-customer-name").value = c.name || "";
  $("new-customer-company").value = c.company || "";
  $("new-customer-address").value = c.address || "";
  $("new-customer-numbers").value = (c.numbers || []).join(", ");
  $("new-customer-tags").value = (c.tags || []).join(", ");
  $("new-customer-notes").value = c.notes || "";
  $("new-customer-vip").checked = Boolean(c.vip);
}

function openEditCustomer() {
  if (!S.pop || !S.pop.customer) return;
  S.customerMode = "edit";
  fillCustomerForm(S.pop.customer);
  showStatus($("customer-status"), "");
  renderCustomer(S.pop);
  $("new-customer-name").focus();
}

function closeCustomerForm() {
  S.customerMode = null;
  showStatus($("customer-status"), "");
  if (S.pop) renderCustomer(S.pop);
}

async function saveCustomer(ev) {
  ev.preventDefault();
  const p = S.pop;
  if (!p) return;
  const status = $("customer-status");
  const name = $("new-customer-name").value.trim();
  if (!name) {
    showStatus(status, () => t("agent.cust_name_missing"), "error");
    $("new-customer-name").focus();
    return;
  }
  const body = {
    name,
    company: $("new-customer-company").value.trim(),
    address: $("new-customer-address").value.trim(),
    vip: $("new-customer-vip").checked,
    notes: $("new-customer-notes").value,
    tags: splitList($("new-customer-tags").value),
    numbers: splitList($("new-customer-numbers").value),
  };
  const editing = S.customerMode === "edit" && p.customer;
  const btn = $("new-customer-save");
  btn.disabled = true;
  showStatus(status, () => t("agent.saving"));
  const r = editing ? await call("PATCH", `/api/customers/${p.customer.id}`, body)
    : await call("POST", "/api/customers", body);
  btn.disabled = false;
  if (!r.ok || !r.data || typeof r.data !== "object") {
    showStatus(status, () => failText(r), "error");
    return;
  }
  const uid = p.call_uniqueid;
  localFor(uid).customer = r.data;
  if (S.pop && S.pop.call_uniqueid === uid) S.pop.customer = r.data;
  S.customerMode = null;
  showStatus(status, "");
  renderPop();
  showStatus(status, () => (editing ? t("agent.cust_updated") : t("agent.cust_created", { name: r.data.name })), "ok");
}

function renderFollowUps(p) {
  const box = $("pop-follow-ups");
  box.textContent = "";
  const open = p.open_follow_ups;
  box.hidden = !open.length;
  if (!open.length) return;
  box.appendChild(el("h3", { text: t("agent.follow_ups", { n: open.length }) }));
  const ul = el("ul", { class: "records" });
  open.forEach((r) => ul.appendChild(recordItem(r, true)));
  box.appendChild(ul);
}

function recordItem(r, open) {
  const due = r.follow_up_due ? t("agent.due", { date: fmtDate(r.follow_up_due) }) : "";
  const overdue = open && r.follow_up_due && parseServerTime(r.follow_up_due) < serverNow();
  return el("li", { class: "record" + (open ? " open" : ""), "data-record-id": r.id },
    el("div", { class: "record-meta" },
      el("span", { class: "badge cat", "data-category": r.category, text: tOr(`agent.cat.${r.category}`, r.category || "") }),
      el("span", { text: fmtShort(r.created_at) }),
      r.agent_username ? el("span", { class: "muted", text: r.agent_username }) : null,
      r.follow_up_needed && !r.follow_up_done_at
        ? el("span", { class: "badge warn" + (overdue ? " overdue" : ""), text: t("agent.follow_up_open") + (due ? " · " + due : "") })
        : null,
      r.follow_up_done_at ? el("span", { class: "badge live", text: t("agent.follow_up_done") }) : null),
    el("div", { class: "record-text", text: r.text || "" }),
    r.outcome ? el("div", { class: "record-outcome" }, el("span", { class: "muted", text: t("agent.outcome_label") }),
                   r.outcome) : null);
}

function renderRecords(p) {
  const box = $("pop-service-records");
  box.textContent = "";
  if (!p.service_records.length) {
    box.appendChild(el("p", { class: "muted", text: t("agent.no_records") }));
    return;
  }
  const openIds = new Set(p.open_follow_ups.map((r) => r.id));
  const ul = el("ul", { class: "records" });
  p.service_records.forEach((r) => ul.appendChild(recordItem(r, openIds.has(r.id) || (r.follow_up_needed && !r.follow_up_done_at))));
  box.appendChild(ul);
}

function outcomeLabel(o) {
  return o ? tOr(`agent.outcome.${o}`, o) : "";
}

function renderRecentCalls(p) {
  const box = $("pop-recent-calls");
  box.textContent = "";
  const calls = p.recent_calls.filter((c) => c.uniqueid !== p.call_uniqueid).slice(0, 5);
  if (!calls.length) {
    box.appendChild(el("p", { class: "muted", text: t("agent.no_calls") }));
    return;
  }
  const tbody = el("tbody");
  for (const c of calls) {
    tbody.appendChild(el("tr", { "data-uniqueid": c.uniqueid },
      el("td", { class: "time", text: fmtShort(c.arrived_at || c.answered_at) }),
      el("td", { text: c.queue || "—" }),
      el("td", { class: "outcome", text: outcomeLabel(c.outcome) }),
      el("td", { class: "num", text: c.talk_seconds ? fmtClock(c.talk_seconds) : "" }),
      el("td", { class: "muted", text: c.agent_name || c.agent_extension || "" })));
  }
  box.appendChild(el("table", { class: "grid" },
    el("thead", {}, el("tr", {},
      el("th", { text: t("agent.col_time") }), el("th", { text: t("agent.col_queue") }),
      el("th", { text: t("agent.col_outcome") }), el("th", { class: "num", text: t("agent.col_talk") }),
      el("th", { text: t("agent.col_agent") }))),
    tbody));
}

/* ---- the forms of a pop: reset when a new call pops --------------------------------------------------- */

function resetPopForms() {
  const p = S.pop;
  S.formsFor = p ? p.call_uniqueid : null;
  S.customerMode = null;
  S.doneArmedUntil = 0;
  fillCustomerForm({ numbers: p && p.caller_number ? [p.caller_number] : [] });
  showStatus($("customer-status"), "");
  $("record-category").value = categoryFor(p && p.queue);
  $("record-text").value = "";
  $("record-outcome").value = "";
  $("record-follow-up").checked = false;
  $("record-follow-up-due").value = "";
  $("record-follow-up-due").disabled = true;
  $("record-text").dataset.saved = "";
  showStatus($("record-status"), "");
  showStatus($("transfer-status"), "");
  $("transfer-target").value = "";
}

/* The category a call from this queue most likely is (the agent can change it). */
function categoryFor(queue) {
  const q = String(queue || "").toLowerCase();
  const found = CATEGORIES.find((c) => c !== "other" && (q === c || q === `${c}s` || q.startsWith(c)));
  return found || "consultation";
}

function fillCategories() {
  const sel = $("record-category");
  const keep = sel.value || "consultation";
  sel.textContent = "";
  CATEGORIES.forEach((c) => sel.appendChild(el("option", { value: c, text: t(`agent.cat.${c}`) })));
  sel.value = keep;
  const dl = $("record-outcomes");
  dl.textContent = "";
  for (const k of ["answered", "handled", "escalated", "callback", "unresolved"]) {
    dl.appendChild(el("option", { value: t(`agent.record_outcome_hint.${k}`) }));
  }
}

function recordUnsaved() {
  const text = $("record-text").value.trim();
  return Boolean(text) && text !== $("record-text").dataset.saved;
}

async function saveRecord(ev) {
  if (ev) ev.preventDefault();
  const p = S.pop;
  const status = $("record-status");
  if (!p) return;
  const text = $("record-text").value;
  if (!text.trim()) {
    showStatus(status, () => t("agent.record_text_missing"), "error");
    $("record-text").focus();
    return;
  }
  const followUp = $("record-follow-up").checked;
  const body = {
    call_uniqueid: p.call_uniqueid,
    category: $("record-category").value,
    text,
    outcome: $("record-outcome").value.trim(),
    follow_up_needed: followUp,
  };
  if (p.customer && p.customer.id) body.customer_id = p.customer.id;
  if (p.caller_number) body.caller_number = p.caller_number;
  const due = $("record-follow-up-due").value;
  if (followUp && due) {
    const [y, m, d] = due.split("-").map(Number);
    body.follow_up_due = new Date(y, m - 1, d, 23, 59, 0).toISOString(); // by the end of that day, local time
  }
  const btn = $("record-save");
  btn.disabled = true;
  showStatus(status, () => t("agent.saving"));
  const r = await call("POST", "/api/service-records", body);
  btn.disabled = false;
  if (!r.ok || !r.data || typeof r.data !== "object") {
    showStatus(status, () => failText(r), "error");
    return;
  }
  const rec = r.data;
  localFor(p.call_uniqueid).records.push(rec);
  if (S.pop && S.pop.call_uniqueid === p.call_uniqueid) {
    S.pop.service_records = [rec, ...S.pop.service_records.filter((x) => x.id !== rec.id)];
    if (rec.follow_up_needed && !rec.follow_up_done_at) S.pop.open_follow_ups = [rec, ...S.pop.open_follow_ups];
    renderPop();
  }
  // cleared for the next record of the same call; category and outcome stay
  $("record-text").value = "";
  $("record-text").dataset.saved = "";
  $("record-follow-up").checked = false;
  $("record-follow-up-due").value = "";
  $("record-follow-up-due").disabled = true;
  S.doneArmedUntil = 0;
  showStatus(status, () => t("agent.record_saved", { time: fmtShort(rec.created_at) || "" }), "ok");
}

function onFollowUpToggle() {
  const on = $("record-follow-up").checked;
  const due = $("record-follow-up-due");
  due.disabled = !on;
  if (on && !due.value) { // the centre's rule: call-backs within 72 hours
    const d = new Date(Date.now() + 3 * 86400000);
    due.value = `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}`;
  }
}

/* ---- actions ------------------------------------------------------------------------------------------ */

/* One state action at a time; a key pressed while one is in flight (F2 then F3 quickly) runs right after it. */
async function stateAction(path, body) {
  if (S.busy) {
    S.pending = () => stateAction(path, body);
    return null;
  }
  S.busy = true;
  renderControls();
  renderSeats();
  const r = await call("POST", path, body);
  S.busy = false;
  if (r.ok && r.data && r.data.agent) {
    clearError();
    if (Array.isArray(r.data.pause_reasons) && r.data.pause_reasons.length) {
      S.reasons = r.data.pause_reasons;
      renderReasons();
    }
    applyAgent(r.data.agent, false);
  } else if (!r.ok) {
    showError(r);
  }
  renderControls();
  if (st() === "logged_out") renderSeats();
  const next = S.pending;
  S.pending = null;
  if (next) next();
  return r;
}

async function goReady() {
  if (!canReady() && !S.busy) return;
  // wrap-up with a record typed but not saved: the first press warns, the second goes ready
  if (S.pop && S.pop.phase !== "ringing" && recordUnsaved() && Date.now() > S.doneArmedUntil) {
    S.doneArmedUntil = Date.now() + CONFIRM_MS;
    showStatus($("record-status"), () => t("agent.record_unsaved"), "warn");
    $("record-text").focus();
    return;
  }
  S.doneArmedUntil = 0;
  await stateAction("/api/agent/ready");
}

async function goPause(ev) {
  if (ev) ev.preventDefault();
  if (!canPause() && !S.busy) return;
  const reason = $("pause-reason").value;
  if (!reason) return;
  await stateAction("/api/agent/pause", { reason });
}

async function seatLogin(ev) {
  ev.preventDefault();
  const ext = $("seat-select").value;
  if (!ext) return;
  showStatus($("seat-status"), "");
  const r = await stateAction("/api/agent/login", { extension: ext });
  if (r && r.ok) {
    localStorageSet(SEAT_KEY, ext);
  } else if (r) {
    showStatus($("seat-status"), () => failText(r), "error");
    loadSeats();
  }
}

async function seatLogout() {
  if (!canLeave()) return;
  await stateAction("/api/agent/logout");
}

async function dial(number, customerId) {
  const status = $("dial-status");
  const n = String(number || "").trim();
  if (!n) {
    $("dial-number").focus();
    return;
  }
  if (!canDial()) return;
  const body = { number: n };
  if (customerId) body.customer_id = customerId;
  showStatus(status, () => t("agent.dialling", { number: n }));
  const r = await call("POST", "/api/agent/call", body);
  if (r.ok) {
    showStatus(status, () => t("agent.dialled", { number: (r.data && r.data.number) || n }), "ok");
    clearError();
  } else {
    showStatus(status, () => failText(r), "error");
  }
}

/* The recording of the current call: muted for a stretch (a card number) and resumed; the server keeps the times. */
function renderRecording() {
  const a = S.agent || {};
  const onCall = st() === "on_call";
  if (!onCall || S.recording.call !== a.call_uniqueid) {
    S.recording = { call: onCall ? a.call_uniqueid : null, muted: false };
  }
  $("recording-card").hidden = !onCall;
  const muted = S.recording.muted;
  $("recording-state").textContent = t(muted ? "agent.recording_muted" : "agent.recording_on");
  $("recording-state").classList.toggle("warn", muted);
  $("recording-toggle").textContent = t(muted ? "agent.recording_resume" : "agent.recording_pause");
  $("recording-toggle").dataset.muted = muted ? "1" : "0";
}

/* The server says whether the current call's recording is muted (a reload or reconnect mid-call). */
function adoptRecording(muted) {
  const a = S.agent || {};
  if (st() === "on_call" && typeof muted === "boolean") S.recording = { call: a.call_uniqueid, muted };
  renderRecording();
}

async function toggleRecording() {
  const btn = $("recording-toggle");
  const want = !S.recording.muted;
  btn.disabled = true;
  const r = await call("POST", "/api/agent/recording", { muted: want });
  btn.disabled = false;
  if (r.ok) {
    S.recording.muted = Boolean(r.data.muted);
    showStatus($("recording-status"), "");
  } else {
    showStatus($("recording-status"), () => failText(r), "error");
  }
  renderRecording();
}

async function transfer(ev) {
  ev.preventDefault();
  const status = $("transfer-status");
  const target = $("transfer-target").value.trim();
  const type = $("transfer-type").value;
  const mode = $("transfer-mode").value;
  if (!target) {
    showStatus(status, () => t("agent.transfer_no_target"), "error");
    $("transfer-target").focus();
    return;
  }
  const btn = $("transfer-submit");
  btn.disabled = true;
  showStatus(status, () => t("agent.transferring", { target }));
  const r = await call("POST", "/api/agent/transfer", { target_type: type, target, mode });
  btn.disabled = false;
  if (r.ok) {
    showStatus(status, () => (mode === "attended" ? t("agent.transferred_attended", { target })
      : t("agent.transferred", { target })), "ok");
  } else {
    showStatus(status, () => failText(r), "error");
  }
}

function fillTransferTargets() {
  const dl = $("transfer-targets");
  const type = $("transfer-type").value;
  const opts = [];
  if (type === "queue") {
    const qs = new Set(Object.keys((S.agent && S.agent.queues) || {}));
    S.skills.forEach((s) => qs.add(s.queue));
    if (S.pop && S.pop.queue) qs.add(S.pop.queue);
    [...qs].sort().forEach((q) => opts.push([q, q]));
  } else {
    for (const s of S.seats) {
      if (S.agent && s.extension === S.agent.extension) continue;
      opts.push([s.extension, [s.name, s.taken_by].filter(Boolean).join(" · ")]);
    }
  }
  const key = JSON.stringify(opts);
  if (dl.dataset.key === key) return;
  dl.dataset.key = key;
  dl.textContent = "";
  opts.forEach(([v, label]) => dl.appendChild(el("option", { value: v, label: label || null })));
}

/* ---- lists loaded over HTTP --------------------------------------------------------------------------- */

async function loadSeats() {
  const r = await call("GET", "/api/agent/seats");
  if (r.ok && Array.isArray(r.data)) {
    S.seats = r.data;
    if (st() === "logged_out") renderSeats();
    else renderAgent();
  }
}

async function loadSkills() {
  const r = await call("GET", "/api/agent/skills");
  if (r.ok && Array.isArray(r.data)) {
    S.skills = r.data;
    if (st() !== "logged_out") renderQueues();
    fillTransferTargets();
  }
}

let todaySeq = 0;
async function loadToday() {
  const seq = ++todaySeq;
  const r = await call("GET", "/api/agent/calls/today");
  if (seq !== todaySeq) return; // a newer load is under way
  if (r.ok && Array.isArray(r.data)) {
    S.today = r.data;
    renderToday();
  }
}

function renderToday() {
  const box = $("today-calls");
  box.textContent = "";
  const calls = [...S.today].sort((a, b) => (parseServerTime(b.arrived_at || b.answered_at) || 0)
                                            - (parseServerTime(a.arrived_at || a.answered_at) || 0));
  const answered = calls.filter((c) => c.answered_at).length;
  const talk = calls.reduce((sum, c) => sum + (c.talk_seconds || 0), 0);
  $("today-count").textContent = calls.length
    ? t("agent.today_summary", { n: calls.length, answered, talk: fmtClock(talk) }) : "";
  if (!calls.length) {
    box.appendChild(el("p", { class: "muted", text: t("agent.today_none") }));
    return;
  }
  const tbody = el("tbody");
  for (const c of calls) {
    tbody.appendChild(el("tr", { class: c.in_progress ? "in-progress" : "", "data-uniqueid": c.uniqueid },
      el("td", { class: "time", text: fmtShort(c.arrived_at || c.answered_at) }),
      el("td", { text: c.caller_number || t("agent.unknown_number") }),
      el("td", { text: c.queue || "—" }),
      el("td", { class: "num", text: c.wait_seconds !== null && c.wait_seconds !== undefined ? fmtClock(c.wait_seconds) : "" }),
      el("td", { class: "num", text: c.talk_seconds ? fmtClock(c.talk_seconds) : "" }),
      el("td", { text: c.in_progress ? t("agent.in_progress") : outcomeLabel(c.outcome) })));
  }
  box.appendChild(el("table", { class: "grid" },
    el("thead", {}, el("tr", {},
      el("th", { text: t("agent.col_time") }), el("th", { text: t("agent.col_caller") }),
      el("th", { text: t("agent.col_queue") }), el("th", { class: "num", text: t("agent.col_wait") }),
      el("th", { class: "num", text: t("agent.col_talk") }), el("th", { text: t("agent.col_outcome") }))),
    tbody));
}

/* ---- my QC scores ------------------------------------------------------------------------------------- */

/* The agent's own scored calls (GET /api/qc/mine): the total and grade of each, opened to see the scores per
 * criterion, the comments, the inspector's timeline notes and the recording (js/player.js), and acknowledged or
 * disputed with a comment. Loaded when the page opens and after every (re)connect of the websocket. */
const MYQC = { items: [], open: null, detail: null, player: null, seq: 0 };

function myQcGrade(total) {
  if (total === null || total === undefined || Number.isNaN(Number(total))) return "";
  const n = Number(total);
  return n >= 95 ? "excellent" : n >= 90 ? "good" : n >= 80 ? "competent" : n >= 60 ? "basic" : "not_competent";
}

function myQcNum(v) {
  if (v === null || v === undefined || v === "" || Number.isNaN(Number(v))) return "—";
  const n = Number(v);
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

/* The latest version of an evaluation (its scores), whatever shape the answer has. */
function myQcLatest(ev) {
  const v = ev && Array.isArray(ev.versions) ? ev.versions : [];
  if (!v.length) return ev || {};
  return [...v].sort((a, b) => Number(a.version || 0) - Number(b.version || 0))[v.length - 1];
}

async function loadMyQc() {
  const seq = ++MYQC.seq;
  const r = await call("GET", "/api/qc/mine");
  if (seq !== MYQC.seq) return;
  if (!r.ok) {
    if (r.status !== 404) showStatus($("my-qc-status"), () => failText(r), "error");
    return;
  }
  MYQC.items = Array.isArray(r.data) ? r.data : (r.data && (r.data.items || r.data.evaluations)) || [];
  renderMyQc();
  if (MYQC.open !== null) {
    const again = MYQC.items.find((x) => x.id === MYQC.open);
    if (again) openMyQc(again.id, true);
  }
}

function myQcCall(e) {
  return e.call || e.sample || {};
}

function renderMyQc() {
  const box = $("my-qc-list");
  box.textContent = "";
  const items = [...MYQC.items].sort((a, b) => (parseServerTime(myQcCall(b).answered_at || b.answered_at || b.created_at) || 0)
                                             - (parseServerTime(myQcCall(a).answered_at || a.answered_at || a.created_at) || 0));
  const waiting = items.filter((e) => !e.agent_response).length;
  $("my-qc-count").textContent = items.length ? t("qc.my_count", { n: items.length, waiting }) : "";
  if (!items.length) {
    box.appendChild(el("p", { class: "muted", text: t("qc.my_none") }));
    return;
  }
  const tbody = el("tbody");
  for (const e of items) {
    const c = myQcCall(e);
    const last = myQcLatest(e);
    const total = e.total !== undefined ? e.total : last.total;
    const grade = e.grade || last.grade || myQcGrade(total);
    const resp = e.agent_response || "";
    tbody.appendChild(el("tr", { "data-testid": "my-qc-item", "data-id": e.id, "data-response": resp,
                                 class: MYQC.open === e.id ? "in-progress" : "" },
      el("td", { class: "time", text: fmtShort(c.answered_at || e.answered_at) }),
      el("td", { text: c.queue || e.queue || "—" }),
      el("td", { text: c.caller_number || e.caller_number || "" }),
      el("td", { class: "num", "data-testid": "my-qc-total", text: myQcNum(total) }),
      el("td", {}, el("span", { class: "qc-grade", "data-grade": grade, "data-testid": "my-qc-grade",
                                text: grade ? tOr(`qc.grade.${grade}`, grade) : "" })),
      el("td", {}, el("span", { class: `badge qc-resp-${resp || "none"}`,
                                text: resp ? tOr(`qc.response.${resp}`, resp) : t("qc.my_to_read") })),
      el("td", {}, el("button", { type: "button", class: "small secondary", "data-testid": `my-qc-open-${e.id}`,
                                  text: MYQC.open === e.id ? t("qc.close") : t("qc.open"),
                                  onclick: () => (MYQC.open === e.id ? closeMyQc() : openMyQc(e.id)) }))));
  }
  box.appendChild(el("table", { class: "grid" },
    el("thead", {}, el("tr", {},
      el("th", { text: t("agent.col_time") }), el("th", { text: t("agent.col_queue") }),
      el("th", { text: t("agent.col_caller") }), el("th", { class: "num", text: t("qc.total") }),
      el("th", { text: t("qc.grade_heading") }), el("th", { text: t("qc.agent_response") }), el("th"))),
    tbody));
}

function closeMyQc() {
  if (MYQC.player) MYQC.player.destroy();
  MYQC.player = null;
  MYQC.open = null;
  MYQC.detail = null;
  $("my-qc-detail").hidden = true;
  $("my-qc-detail").textContent = "";
  renderMyQc();
}

/* The evaluation in full: the list item when it carries the scores, else GET /api/qc/evaluations/{id}. */
async function openMyQc(id, quiet) {
  const item = MYQC.items.find((x) => x.id === id);
  if (!item) return;
  let detail = item;
  if (!item.template && !item.criteria) {
    const r = await call("GET", `/api/qc/evaluations/${id}`);
    if (r.ok && r.data) detail = { ...item, ...r.data };
  }
  const same = MYQC.open === id;
  MYQC.open = id;
  MYQC.detail = detail;
  renderMyQc();
  renderMyQcDetail(!same);
  if (!quiet) $("my-qc-detail").scrollIntoView({ block: "nearest" });
}

function renderMyQcDetail(newPlayer) {
  const e = MYQC.detail;
  const box = $("my-qc-detail");
  if (!e) return;
  const keepPlayer = !newPlayer && MYQC.player ? MYQC.player : null;
  const playerBox = keepPlayer ? keepPlayer.element.parentNode : el("div", { class: "my-qc-player", "data-testid": "my-qc-player" });
  if (keepPlayer) playerBox.remove();
  box.textContent = "";
  box.hidden = false;
  const c = myQcCall(e);
  const last = myQcLatest(e);
  const scores = last.scores || e.scores || {};
  const comments = last.comments || e.comments || {};
  const tpl = e.template || {};
  const crit = Array.isArray(tpl.criteria) ? tpl.criteria : Array.isArray(e.criteria) ? e.criteria
    : Object.keys(scores).map((key) => ({ key }));
  const total = e.total !== undefined ? e.total : last.total;
  const grade = e.grade || last.grade || myQcGrade(total);
  const label = (k) => (getLang() === "en" ? k.label_en || k.label_zh || k.key : k.label_zh || k.label_en || k.key);

  box.appendChild(el("h3", {}, t("qc.my_detail", { date: fmtShort(c.answered_at || e.answered_at), queue: c.queue || e.queue || "—" }),
    " ", el("span", { class: "muted small", text: t("qc.version", { version: last.version || 1 }) })));
  const rows = crit.map((k) => el("tr", {},
    el("td", { text: label(k) }),
    el("td", { class: "num", "data-testid": `my-qc-score-${k.key}`,
               text: scores[k.key] === undefined ? "—" : `${scores[k.key]}${k.scale_max !== undefined ? ` / ${k.scale_max}` : ""}` }),
    el("td", { text: comments[k.key] || "" })));
  box.appendChild(el("table", { class: "grid my-qc-scores" },
    el("thead", {}, el("tr", {}, el("th", { text: t("qc.col_criterion") }), el("th", { class: "num", text: t("qc.col_score") }),
                    el("th", { text: t("qc.col_comment") }))),
    el("tbody", {}, rows),
    el("tfoot", {}, el("tr", {}, el("th", { text: t("qc.total") }),
      el("td", { class: "num" }, el("strong", { "data-testid": "my-qc-detail-total", text: myQcNum(total) })),
      el("td", {}, el("span", { class: "qc-grade", "data-grade": grade, text: grade ? tOr(`qc.grade.${grade}`, grade) : "" }))))));
  const summary = last.summary || e.summary;
  if (summary) box.appendChild(el("p", { class: "my-qc-summary" }, el("strong", { text: `${t("qc.summary")}: ` }), summary));

  const recording = e.recording || (e.recording_id ? { id: e.recording_id } : null);
  const notes = [...(e.notes || [])].sort((a, b) => Number(a.at_seconds) - Number(b.at_seconds));
  if (recording && recording.id !== undefined && recording.id !== null) {
    box.appendChild(el("h4", { text: t("qc.recording") }));
    box.appendChild(playerBox);
    if (!keepPlayer) {
      if (MYQC.player) MYQC.player.destroy();
      MYQC.player = ccPlayer(playerBox, { recordingId: recording.id, duration: recording.duration_seconds,
                                          marks: notes.map((n) => ({ at: n.at_seconds, label: n.text })) });
    }
  } else if (MYQC.player) {
    MYQC.player.destroy();
    MYQC.player = null;
  }
  if (notes.length) {
    box.appendChild(el("h4", { text: t("qc.notes") }));
    box.appendChild(el("ol", { class: "qc-notes" }, notes.map((n) => el("li", {},
      el("button", { type: "button", class: "qc-note", "data-testid": "note-item", "data-at": n.at_seconds,
                     onclick: () => { if (MYQC.player) MYQC.player.seek(Number(n.at_seconds)); } },
        el("span", { class: "qc-note-at mono", text: playerClock(Number(n.at_seconds)) }),
        el("span", { class: "qc-note-text", text: n.text }))))));
  }

  const resp = e.agent_response || "";
  const respBox = el("div", { class: "qc-response", "data-testid": "my-qc-response", "data-response": resp });
  if (resp) {
    respBox.append(el("strong", { text: t("qc.agent_response") }), " ",
                   el("span", { class: `badge qc-resp-${resp}`, text: tOr(`qc.response.${resp}`, resp) }));
    if (e.agent_comment) respBox.append(el("p", { class: "qc-agent-comment", text: e.agent_comment }));
    box.appendChild(respBox);
    return;
  }
  const comment = el("textarea", { id: "qc-ack-comment", "data-testid": "qc-ack-comment", rows: 2, maxlength: 2000,
                                   placeholder: t("qc.my_comment_hint") });
  const ack = el("button", { type: "button", class: "go", "data-testid": "qc-ack", text: t("qc.acknowledge") });
  const dispute = el("button", { type: "button", class: "danger", "data-testid": "qc-dispute", text: t("qc.dispute") });
  ack.addEventListener("click", () => respondMyQc(e.id, "acknowledge", comment, [ack, dispute]));
  dispute.addEventListener("click", () => respondMyQc(e.id, "dispute", comment, [ack, dispute]));
  respBox.append(el("label", { for: "qc-ack-comment", text: t("qc.my_comment") }), comment,
                 el("div", { class: "form-buttons" }, ack, dispute));
  box.appendChild(respBox);
}

async function respondMyQc(id, action, comment, buttons) {
  const text = comment.value.trim();
  if (action === "dispute" && !text) {
    showStatus($("my-qc-status"), () => t("qc.dispute_needs_comment"), "error");
    comment.focus();
    return;
  }
  for (const b of buttons) b.disabled = true;
  const r = await call("POST", `/api/qc/evaluations/${id}/${action}`, { comment: text });
  for (const b of buttons) b.disabled = false;
  if (!r.ok) {
    showStatus($("my-qc-status"), () => failText(r), "error");
    return;
  }
  showStatus($("my-qc-status"), () => t(action === "acknowledge" ? "qc.acknowledged" : "qc.disputed_done"), "ok");
  const i = MYQC.items.findIndex((x) => x.id === id);
  if (i >= 0) {
    const resp = action === "acknowledge" ? "acknowledged" : "disputed";
    MYQC.items[i] = { ...MYQC.items[i], agent_response: resp, agent_comment: text,
                      ...(r.data && r.data.agent_response ? { agent_response: r.data.agent_response } : {}) };
    if (MYQC.detail && MYQC.detail.id === id) MYQC.detail = { ...MYQC.detail, agent_response: MYQC.items[i].agent_response, agent_comment: text };
  }
  renderMyQc();
  renderMyQcDetail(false);
}

/* ---- seat discipline: the away banner and the leave-seat request ---------------------------------------- */

const LIVE_REQUEST = ["pending", "approved"];

/* "HH:MM" of a server time in the centre's timezone (as the supervisors' board shows it). */
function centreTime(v) {
  const ms = parseServerTime(v);
  if (ms === null) return "";
  const opts = { hour: "2-digit", minute: "2-digit", hourCycle: "h23" };
  const tz = (S.user && S.user.timezone) || undefined;
  try {
    return new Intl.DateTimeFormat(getLang(), { ...opts, timeZone: tz }).format(new Date(ms));
  } catch (e) {
    return new Intl.DateTimeFormat(getLang(), opts).format(new Date(ms));
  }
}

/* Minutes as the settings give them (0.05, 20, 12.5): at most two decimals. */
function fmtMinutes(v) {
  const n = Number(v);
  if (v === null || v === undefined || Number.isNaN(n)) return "?";
  return String(Math.round(n * 100) / 100);
}

/* A refusal or conflict shows the server's reason ("log in at a seat first", "you already have a request"). */
function seatFail(r) {
  const msg = r && r.data && typeof r.data.message === "string" ? r.data.message : "";
  if (r && [400, 403, 409, 422].includes(r.status) && msg) return t("common.error", { message: msg });
  return failText(r);
}

/* Why I count as away, in words (the sources now: pause reason, phone unreachable, ring not answered). */
function awaySourcesText(a) {
  const why = String(a.reason || "");
  const out = [];
  for (const s of a.active_sources || []) {
    if (s === "pause") {
      const code = S.agent && S.agent.state === "paused" ? S.agent.reason : why;
      out.push(t("seat.source.pause", { reason: reasonLabel(code) || "—" }));
    } else if (s === "phone") {
      const phone = why.split(",").find((x) => x.startsWith("phone_"));
      out.push(phone ? tOr(`seat.source.${phone}`, t("seat.source.phone")) : t("seat.source.phone"));
    } else {
      out.push(tOr(`seat.source.${s}`, s));
    }
  }
  return out.join(t("seat.source.sep"));
}

/* GET /api/seat/me: my away state and my live request. Only the answer to the latest call is applied (a push
 * or an action meanwhile asks again or knows better). */
async function refreshSeat() {
  S.seat.seq += 1;
  const seq = S.seat.seq;
  const r = await call("GET", "/api/seat/me");
  if (seq !== S.seat.seq || !r.ok || !r.data) return;
  S.seat.settings = r.data.settings || S.seat.settings;
  S.seat.away = r.data.away || null;
  const live = (Array.isArray(r.data.requests) ? r.data.requests : [])[0] || null;
  if (live) S.seat.request = live;
  else if (S.seat.request && LIVE_REQUEST.includes(S.seat.request.status)) S.seat.request = null; // used up / ended
  renderSeatDiscipline();
}

/* A "discipline" push: shown at once, then /api/seat/me for the details a push does not carry (the approved
 * request's end once an absence uses it). */
function onDiscipline(m) {
  const kind = String(m.kind || "");
  if (kind === "away_ended") {
    S.seat.away = null;
  } else if (kind.startsWith("away_")) {
    const ep = m.episode || {};
    const prev = S.seat.away && S.seat.away.episode_id === ep.id ? S.seat.away : null;
    const level = { away_warning: "warning", away_violation: "violation" }[kind] || (prev ? prev.level : "ok");
    S.seat.away = {
      ...(prev || {}), episode_id: ep.id, since: ep.started_at || (prev && prev.since), level,
      limit_minutes: m.limit_minutes !== undefined ? m.limit_minutes : prev && prev.limit_minutes,
      active_sources: Array.isArray(ep.active_sources) ? ep.active_sources : [], reason: ep.reason || "",
      approved_request_id: ep.approved_request_id || null,
    };
  } else if (m.request) {
    S.seat.request = m.request;
    showStatus($("leave-status"), "");
  }
  renderSeatDiscipline();
  refreshSeat();
}

function renderSeatDiscipline() {
  renderAwayBanner();
  renderLeave();
}

/* The banner under the state: away too long (warning, violation), or away on approved leave until when. */
function renderAwayBanner() {
  const banner = $("away-banner");
  const a = st() === "logged_out" ? null : S.seat.away;
  let level = "";
  let text = "";
  if (a) {
    const since = parseServerTime(a.since);
    const vars = { time: since === null ? "" : fmtClock((serverNow() - since) / 1000),
                   limit: fmtMinutes(a.limit_minutes), until: centreTime(a.approved_until) };
    if (a.level === "violation") {
      level = "violation";
      text = t("seat.away_violation", vars);
    } else if (a.level === "warning") {
      level = "warning";
      text = t("seat.away_warning", vars);
    } else if (a.approved_until) {
      level = "approved";
      text = t("seat.away_approved", vars);
    }
    const why = text ? awaySourcesText(a) : "";
    if (why) text += t("seat.away_because", { sources: why });
  }
  banner.hidden = !text;
  if (banner.dataset.level !== level) banner.dataset.level = level;
  if (banner.textContent !== text) banner.textContent = text;
}

function leaveText(r) {
  const minutes = r.approved_minutes || r.minutes;
  const note = r.note ? ` · ${t("seat.status.note", { note: r.note })}` : "";
  if (r.status === "pending") return t("seat.status.pending", { minutes: r.minutes, reason: r.reason || "" });
  if (r.status === "approved") {
    let text = t("seat.status.approved", { by: r.decided_by || "?", minutes });
    if (r.approved_until) {
      text += ` · ${t("seat.status.approved_until", { time: centreTime(r.approved_until) })}`;
    } else if (r.decided_at && S.seat.settings.approval_valid_minutes) {
      const by = parseServerTime(r.decided_at) + Number(S.seat.settings.approval_valid_minutes) * 60000;
      text += ` · ${t("seat.status.approved_unused", { time: centreTime(by) })}`;
    }
    return text + note;
  }
  if (r.status === "rejected") return t("seat.status.rejected", { by: r.decided_by || "?", note: r.note || "—" });
  return tOr(`seat.status.${r.status}`, r.status) + note;
}

/* The leave-seat card: the request's state (pending / approved until when / rejected with the note), the form
 * to ask while there is no live request, withdraw while it is not used. */
function renderLeave() {
  const r = S.seat.request;
  const seated = st() !== "logged_out";
  const live = Boolean(r && LIVE_REQUEST.includes(r.status));
  const box = $("leave-state");
  const text = r ? leaveText(r) : "";
  box.hidden = !r;
  box.dataset.status = r ? r.status : "";
  if (box.textContent !== text) box.textContent = text;
  $("leave-cancel").hidden = !live || Boolean(r.used_from);
  $("leave-cancel").disabled = S.seat.busy;
  $("leave-form").hidden = live || !seated;
  $("leave-hint").hidden = live || seated;
  $("leave-submit").disabled = S.seat.busy;
  const min = S.seat.settings.min_leave_minutes || 1;
  const max = S.seat.settings.max_leave_minutes || 120;
  $("leave-minutes").min = String(min);
  $("leave-minutes").max = String(max);
}

async function askLeave(ev) {
  ev.preventDefault();
  if (S.seat.busy) return;
  const status = $("leave-status");
  const reason = $("leave-reason").value.trim();
  const raw = $("leave-minutes").value.trim();
  const minutes = Number(raw);
  const min = S.seat.settings.min_leave_minutes || 1;
  const max = S.seat.settings.max_leave_minutes || 120;
  if (!reason) {
    showStatus(status, () => t("seat.reason_required"), "error");
    $("leave-reason").focus();
    return;
  }
  if (!raw || !Number.isInteger(minutes) || minutes < min || minutes > max) {
    showStatus(status, () => t("seat.minutes_invalid", { min, max }), "error");
    $("leave-minutes").focus();
    return;
  }
  S.seat.busy = true;
  renderLeave();
  const r = await call("POST", "/api/seat/leave-requests", { reason, minutes });
  S.seat.busy = false;
  if (r.ok && r.data) {
    S.seat.seq += 1; // an older /api/seat/me answer in flight does not know it yet
    S.seat.request = r.data;
    $("leave-reason").value = "";
    showStatus(status, () => t("seat.sent"), "ok");
  } else {
    showStatus(status, () => seatFail(r), "error");
  }
  renderLeave();
}

async function cancelLeave() {
  const req = S.seat.request;
  if (!req || S.seat.busy) return;
  S.seat.busy = true;
  renderLeave();
  const r = await call("POST", `/api/seat/leave-requests/${encodeURIComponent(req.id)}/cancel`);
  S.seat.busy = false;
  if (r.ok && r.data) {
    S.seat.seq += 1;
    S.seat.request = r.data;
    showStatus($("leave-status"), "");
  } else {
    showStatus($("leave-status"), () => seatFail(r), "error");
    refreshSeat(); // decided or used meanwhile
  }
  renderLeave();
}

/* ---- the clock ---------------------------------------------------------------------------------------- */

function tick() {
  const a = S.agent;
  const since = a ? parseServerTime(a.since) : null;
  $("agent-state-timer").textContent = since !== null && a.state !== "logged_out"
    ? fmtClock((serverNow() - since) / 1000) : "--:--";
  if (S.pop) {
    const w = popWait(S.pop);
    $("pop-wait").textContent = w === null || w === undefined ? "—" : fmtClock(w);
  }
  renderAwayBanner();
}

/* GET /api/auth/me; also corrects the clock offset when this browser's clock is more than 2 s off. */
async function whoAmI() {
  const r = await whoAmIWithClock();
  if (r.clockOffset !== null) S.clockOffset = r.clockOffset;
  return r;
}

/* ---- the websocket ------------------------------------------------------------------------------------ */

function setWs(state) {
  S.wsState = state;
  showLiveStatus($("ws-status"), $("ws-banner"), state, S.reconnectAt, "agent");
}

/* /ws/agent (common.js: keep-alive, reconnect, close codes); a closed session goes to the login page. */
function connect() {
  S.socket = liveSocket("/ws/agent", {
    onMessage,
    onState: (state, sock) => {
      S.wsEverOpened = sock.everOpened;
      S.reconnectAt = sock.reconnectAt;
      setWs(state);
    },
    onLoggedOut: () => window.location.replace("index.html"),
  });
}

/* One message from the socket (an object). */
function onMessage(m) {
  switch (m.type) {
    case "hello":
      if (Array.isArray(m.pause_reasons)) {
        S.reasons = m.pause_reasons;
        renderReasons();
      }
      applyAgent(m.agent, true);
      applyPop(m.pop || null);
      adoptRecording(m.recording_muted);
      loadToday(); // calls may have ended while the socket was down
      loadMyQc(); // a call may have been scored meanwhile
      refreshSeat(); // the away time and the leave-seat request may have moved meanwhile
      break;
    case "state":
      applyAgent(m.agent, true);
      break;
    case "pop":
      applyPop(m.pop);
      if (S.pop) $("pop-card").scrollIntoView({ block: "nearest" });
      break;
    case "pop_phase":
      if (S.pop && S.pop.call_uniqueid === m.call_uniqueid) {
        S.pop.phase = m.phase;
        if (m.at) S.pop[`${m.phase}_at`] = m.at;
        renderPop();
        renderControls();
        if (m.phase === "active" && focusIsFree() && !S.customerMode) $("record-text").focus();
      }
      if (m.phase === "wrapup") loadToday();
      break;
    case "pop_cleared":
      if (S.pop && S.pop.call_uniqueid === m.call_uniqueid) {
        S.lastCleared = { number: S.pop.caller_number, why: m.why };
        delete S.local[m.call_uniqueid];
        applyPop(null);
      }
      loadToday();
      break;
    case "notice": // a supervisor paused or logged this agent out from the board
      showStatus($("agent-error"), () => noticeText(m), "warn");
      break;
    case "discipline": // seat discipline: away warning / violation, my leave-seat request decided or lapsed
      onDiscipline(m);
      break;
    default:
      break; // pong, and anything newer than this page
  }
}

/* ---- keyboard ----------------------------------------------------------------------------------------- */

function onKey(ev) {
  if (ev.altKey || ev.metaKey) return;
  if (ev.key === "F2") {
    ev.preventDefault();
    goReady();
  } else if (ev.key === "F3") {
    ev.preventDefault();
    goPause();
  } else if (ev.key === "F4") {
    ev.preventDefault();
    goReady();
  } else if (ev.key === "Escape" && S.customerMode === "edit") {
    closeCustomerForm();
  }
}

/* ---- start -------------------------------------------------------------------------------------------- */

function rerenderAll() {
  renderReasons();
  fillCategories();
  renderAgent();
  renderPop();
  renderToday();
  renderMyQc();
  if (MYQC.detail) renderMyQcDetail(false);
  setWs(S.wsState);
}

document.addEventListener("DOMContentLoaded", async () => {
  initHeader();
  S.user = await openPageFor(whoAmI, (u) => (u.roles || []).includes("agent"), "desk", failText);
  if (!S.user) return;
  fillCategories();
  document.addEventListener("cc:langchange", rerenderAll);
  document.addEventListener("keydown", onKey);
  $("btn-ready").addEventListener("click", goReady);
  $("pause-form").addEventListener("submit", goPause);
  $("seat-form").addEventListener("submit", seatLogin);
  $("seat-logout").addEventListener("click", seatLogout);
  $("dial-form").addEventListener("submit", (ev) => { ev.preventDefault(); dial($("dial-number").value); });
  $("transfer-form").addEventListener("submit", transfer);
  $("recording-toggle").addEventListener("click", toggleRecording);
  $("transfer-type").addEventListener("change", () => { $("transfer-target").value = ""; fillTransferTargets(); });
  $("customer-form").addEventListener("submit", saveCustomer);
  $("customer-cancel").addEventListener("click", closeCustomerForm);
  $("record-form").addEventListener("submit", saveRecord);
  $("record-text").addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) saveRecord(ev);
  });
  $("record-follow-up").addEventListener("change", onFollowUpToggle);
  $("record-done").addEventListener("click", goReady);
  $("leave-form").addEventListener("submit", askLeave);
  $("leave-cancel").addEventListener("click", cancelLeave);
  window.addEventListener("beforeunload", (ev) => { // a record typed but not saved: let the browser ask
    if (S.pop && recordUnsaved()) {
      ev.preventDefault();
      ev.returnValue = "";
    }
  });

  const [mine] = await Promise.all([call("GET", "/api/agent/me"), loadSeats()]);
  if (mine.ok && mine.data) {
    S.reasons = Array.isArray(mine.data.pause_reasons) ? mine.data.pause_reasons : [];
    renderReasons();
    applyAgent(mine.data.agent, true);
    applyPop(mine.data.pop || null);
    adoptRecording(mine.data.recording_muted);
  } else {
    showError(mine);
    renderAgent();
    renderPop();
  }
  loadToday();
  loadMyQc();
  refreshSeat();
  setInterval(() => {
    tick();
    if (S.wsState === "reconnecting") setWs("reconnecting"); // the countdown in the banner
  }, 1000);
  connect();
});

/* For tests and debugging: render a sample pop without a call (window.ccAgent.renderPop(samplePop)). */
window.ccAgent = {
  state: S,
  renderPop: (pop) => applyPop(pop),
  applyAgent: (agent) => applyAgent(agent, true),
  message: (msg) => {
    const m = parseLiveMessage(typeof msg === "string" ? msg : JSON.stringify(msg));
    if (m) onMessage(m);
  },
};
