/* qc.html: quality control (质检). The month's samples (drawn at random per agent, or hand-picked), claimed by an
 * inspector, replayed with the player (js/player.js), noted on a timeline and scored on the centre's assessment
 * form; a submitted score is locked and only changed by a correction (a new version, with a reason). The agent's
 * acknowledgement or dispute is shown. Reports: per agent for the month, and the weekly summary (with CSV).
 *
 * Everything comes from /api/qc/* (and /api/recordings/* for the audio); nothing is polled — the lists are
 * reloaded after each action and when the month or a filter changes.
 */
"use strict";

const QC_ROLES = ["qc", "supervisor", "admin"];
const GRADES = ["excellent", "good", "competent", "basic", "not_competent"];

const Q = {
  user: null,
  month: "",
  samples: [],
  detail: null, // GET /api/qc/samples/{id}
  player: null, // ccPlayer() of the detail's recording
  playerRecording: null, // the recording id the player is on
  correcting: false, // the form is open for a correction of the locked score
  tab: "queue",
  assignFor: null, // the sample id whose assign row is open
  reports: { agents: null, weekly: null },
  draw: null, // the month's stored draw
  drawnCount: undefined, // how many calls the draw just made here picked
  loadSeq: 0,
};

const $ = (id) => document.getElementById(id);
const pad2 = (n) => String(n).padStart(2, "0");

/* ---- helpers ------------------------------------------------------------------------------------------- */

async function call(method, path, body) {
  const r = await api(method, path, body);
  if (r.status === 401) window.location.replace("index.html");
  return r;
}

function tOr(key, fallback) {
  const s = t(key);
  return s === key ? fallback : s;
}

function say(message, kind) {
  showStatus($("qc-status"), message, kind);
}

function me() {
  return Q.user ? Q.user.username : "";
}

function hasRole(...roles) {
  const mine = (Q.user && Q.user.roles) || [];
  return roles.some((r) => mine.includes(r));
}

function fmtDateTime(v) {
  const ms = parseServerTime(v);
  if (ms === null) return v ? String(v) : "—";
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
}

function fmtSecs(v) {
  if (v === null || v === undefined || v === "" || Number.isNaN(Number(v))) return "—";
  return playerClock(Number(v));
}

function fmtNum(v, digits) {
  if (v === null || v === undefined || v === "" || Number.isNaN(Number(v))) return "—";
  const n = Number(v);
  return Number.isInteger(n) ? String(n) : n.toFixed(digits === undefined ? 1 : digits);
}

/* The week of the month: the API counts from 0 (days 1-7 are week 0); shown from 1. */
function weekLabel(w) {
  if (w === null || w === undefined || w === "" || Number.isNaN(Number(w))) return "—";
  return t("qc.week_n", { n: Number(w) + 1 });
}

/* Today's date in the centre's timezone (from /api/auth/me), as [year, month, day]. */
function centreToday() {
  const tz = (Q.user && Q.user.timezone) || undefined;
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone: tz, year: "numeric", month: "2-digit", day: "2-digit" })
    .formatToParts(new Date());
  const get = (type) => Number(parts.find((p) => p.type === type).value);
  return [get("year"), get("month"), get("day")];
}

function thisMonth() {
  const [y, m] = centreToday();
  return `${y}-${pad2(m)}`;
}

/* Monday of this week (the centre's), YYYY-MM-DD. */
function thisWeekStart() {
  const [y, m, day] = centreToday();
  const d = new Date(Date.UTC(y, m - 1, day));
  d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
  return `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}`;
}

function qs(params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") u.set(k, v);
  const s = u.toString();
  return s ? `?${s}` : "";
}

function gradeOf(total) {
  if (total === null || total === undefined || Number.isNaN(Number(total))) return "";
  const n = Number(total);
  if (n >= 95) return "excellent";
  if (n >= 90) return "good";
  if (n >= 80) return "competent";
  if (n >= 60) return "basic";
  return "not_competent";
}

function gradeLabel(g) {
  return g ? tOr(`qc.grade.${g}`, g) : "";
}

function statusLabel(s) {
  return s ? tOr(`qc.status.${s}`, s) : "";
}

function responseLabel(r) {
  return r ? tOr(`qc.response.${r}`, r) : t("qc.response.none");
}

/* ---- scoring ------------------------------------------------------------------------------------------- */

/* The criterion's label in the page's language. */
function criterionLabel(c) {
  return getLang() === "en" ? c.label_en || c.label_zh || c.key : c.label_zh || c.label_en || c.key;
}

/* Points of one criterion for a score on its scale: the weight times the share of the scale reached (the
 * scale's lowest value gives 0 points, its highest the full weight). Null when there is no valid score. */
function criterionPoints(c, score) {
  if (score === null || score === undefined || score === "" || Number.isNaN(Number(score))) return null;
  const v = Number(score);
  const lo = Number(c.scale_min);
  const hi = Number(c.scale_max);
  if (v < lo || v > hi || !(hi > lo)) return null;
  return (Number(c.weight) * (v - lo)) / (hi - lo);
}

/* {total, complete}: the sum of the points cut (not rounded) to 0.1 as the server stores it, so a total never shows
 * a band it did not reach (94.95 → 94.9, good); complete when every criterion has a valid score. */
function totalOf(criteria, scores) {
  let sum = 0;
  let complete = true;
  for (const c of criteria) {
    const p = criterionPoints(c, scores[c.key]);
    if (p === null) complete = false;
    else sum += p;
  }
  return { total: Math.floor(Math.round(sum * 1e6) / 1e5) / 10, complete };
}

/* ---- the work queue ------------------------------------------------------------------------------------ */

const SAMPLE_COLS = ["agent", "queue", "date", "talk", "week", "picked", "status", "assignee", "score", "actions"];

function renderSamplesHead() {
  const tr = $("qc-samples-head");
  tr.textContent = "";
  for (const c of SAMPLE_COLS) {
    tr.appendChild(el("th", { scope: "col", class: ["talk", "week", "score"].includes(c) ? "num" : null,
                              text: t(`qc.col.${c}`) }));
  }
}

async function loadSamples() {
  const seq = ++Q.loadSeq;
  const params = { month: Q.month, status: $("qc-filter-status").value, agent: $("qc-filter-agent").value.trim() };
  if ($("qc-filter-mine").checked) params.assignee = me();
  const r = await call("GET", `/api/qc/samples${qs(params)}`);
  if (seq !== Q.loadSeq) return;
  if (!r.ok) {
    say(() => errorText(r), "error");
    return;
  }
  Q.samples = (r.data && r.data.items) || [];
  renderSamples();
}

function sAgent(s) {
  return s.agent || "";
}

/* who holds the sample: assigned to or claimed by (one field) */
function sAssignee(s) {
  return s.assignee || null;
}

function sScored(s) {
  return s.status === "scored" || Boolean(s.evaluation_id);
}

/* Claim: QC inspectors only (the API refuses supervisors), a sample nobody holds that is open or disputed. */
function mayClaim(s) {
  return hasRole("qc") && !sAssignee(s) && (s.status === "open" || s.status === "disputed");
}

/* Release: the holder, or a supervisor / admin; not once scored. */
function mayRelease(s) {
  return Boolean(sAssignee(s)) && s.status !== "scored" && (sAssignee(s) === me() || hasRole("supervisor", "admin"));
}

function sampleRow(s) {
  const scored = sScored(s);
  const actions = el("td", { class: "actions" });
  if (mayClaim(s)) {
    actions.appendChild(el("button", { type: "button", class: "small", "data-testid": `qc-claim-${s.id}`,
                                       text: t("qc.claim"), onclick: () => claim(s.id, "claim") }));
  }
  if (mayRelease(s)) {
    actions.appendChild(el("button", { type: "button", class: "small secondary", "data-testid": `qc-release-${s.id}`,
                                       text: t("qc.release"), onclick: () => claim(s.id, "release") }));
  }
  actions.appendChild(el("button", { type: "button", class: "small secondary", "data-testid": `qc-open-${s.id}`,
                                     text: t("qc.open"), onclick: () => openDetail(s.id) }));
  if (hasRole("supervisor", "admin") && s.status !== "scored") {
    actions.appendChild(el("button", { type: "button", class: "small secondary", "data-testid": `qc-assign-${s.id}`,
                                       text: t("qc.assign"), onclick: () => toggleAssign(s.id) }));
  }
  const who = sAssignee(s) || "";
  const ev = s.evaluation; // once scored: {id, status, total, grade} of the current version
  const grade = ev ? ev.grade || gradeOf(ev.total) : "";
  const tr = el("tr", { "data-testid": `qc-sample-${s.id}`, "data-id": s.id, "data-status": s.status || "",
                        "data-call": s.call_uniqueid || "", "data-agent": sAgent(s),
                        class: Q.detail && Q.detail.id === s.id ? "qc-selected" : null },
    el("td", { text: sAgent(s) || "—" }),
    el("td", { text: s.queue || "—" }),
    el("td", { class: "mono", text: fmtDateTime(s.answered_at) }),
    el("td", { class: "num mono", text: fmtSecs(s.talk_seconds) }),
    el("td", { class: "num", title: t("qc.week_title"), text: weekLabel(s.week) }),
    el("td", { class: "qc-picked", title: s.hand_picked ? t("qc.hand_picked") : null,
               text: s.hand_picked ? `★ ${t("qc.hand_picked_short")}` : "" }),
    el("td", {}, el("span", { class: `badge qc-st qc-st-${s.status || ""}`, "data-testid": `qc-sample-status-${s.id}`,
                              text: statusLabel(s.status) })),
    el("td", { class: "small", text: who || "—" }),
    el("td", { class: "num", "data-testid": `qc-sample-score-${s.id}` },
       ev && ev.total !== null && ev.total !== undefined ? `${fmtNum(ev.total)} ` : scored ? "✓" : "",
       grade ? el("span", { class: `qc-grade small`, "data-grade": grade, text: gradeLabel(grade) }) : ""),
    actions);
  return tr;
}

function assignRow(s) {
  const input = el("input", { "data-testid": "qc-assign-user", maxlength: 64, autocomplete: "off",
                              value: sAssignee(s) || "", placeholder: t("qc.assign_placeholder") });
  const form = el("form", { class: "row qc-assign-form", "data-testid": "qc-assign-form" },
    el("label", { class: "inline" }, el("span", { text: t("qc.assign_to") }), input),
    el("button", { type: "submit", class: "small", "data-testid": "qc-assign-submit", text: t("qc.assign") }),
    el("button", { type: "button", class: "small secondary", text: t("qc.cancel"),
                   onclick: () => { Q.assignFor = null; renderSamples(); } }));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const username = input.value.trim();
    if (!username) { input.focus(); return; }
    const r = await call("POST", `/api/qc/samples/${s.id}/assign`, { username });
    if (!r.ok) { say(() => errorText(r), "error"); return; }
    say(() => t("qc.assigned", { who: username }), "ok");
    Q.assignFor = null;
    loadSamples();
  });
  return el("tr", { class: "qc-assign-row" }, el("td", { colspan: SAMPLE_COLS.length }, form));
}

function toggleAssign(id) {
  Q.assignFor = Q.assignFor === id ? null : id;
  renderSamples();
  const input = document.querySelector("[data-testid=qc-assign-user]");
  if (input) input.focus();
}

function renderSamples() {
  const body = $("qc-samples-rows");
  body.textContent = "";
  const list = [...Q.samples].sort((a, b) => sAgent(a).localeCompare(sAgent(b))
                                             || (parseServerTime(a.answered_at) || 0) - (parseServerTime(b.answered_at) || 0));
  for (const s of list) {
    body.appendChild(sampleRow(s));
    if (Q.assignFor === s.id) body.appendChild(assignRow(s));
  }
  const none = $("qc-samples-none");
  none.hidden = list.length > 0;
  none.textContent = t("qc.samples_none", { month: Q.month });
  const done = list.filter(sScored).length;
  $("qc-count").textContent = list.length ? t("qc.count", { n: list.length, done }) : "";
}

async function claim(id, action) {
  const r = await call("POST", `/api/qc/samples/${id}/${action}`);
  if (!r.ok) {
    say(() => errorText(r), "error");
    return;
  }
  say(() => t(action === "claim" ? "qc.claimed" : "qc.released"), "ok");
  await loadSamples();
  if (Q.detail && Q.detail.id === id) await openDetail(id, true);
}

/* ---- draw and hand-pick -------------------------------------------------------------------------------- */

/* The month's stored draw (GET /api/qc/draws?month=): a month is drawn once; after that calls are hand-picked. */
async function loadDraw() {
  const month = Q.month;
  const seq = (Q.drawSeq = (Q.drawSeq || 0) + 1);
  const r = await call("GET", `/api/qc/draws${qs({ month })}`);
  // an answer overtaken by a newer load or by a draw made meanwhile (it may predate that draw) is dropped
  if (month !== Q.month || seq !== Q.drawSeq || !r.ok) return;
  const d = Array.isArray(r.data) ? r.data.find((x) => x.month === month) : null;
  Q.draw = d || null;
  renderDraw();
}

function renderDraw() {
  const d = Q.draw;
  const res = $("qc-draw-result");
  $("qc-draw").disabled = Boolean(d);
  res.dataset.seed = d ? String(d.seed) : "";
  res.dataset.candidates = d ? String(d.candidate_count) : "";
  if (!d) {
    if (res.dataset.kind !== "error") showStatus(res, "");
    return;
  }
  const p = d.policy || {};
  res.dataset.kind = "ok";
  const key = Q.drawnCount === undefined ? "qc.drawn_before" : "qc.drawn";
  showStatus(res, () => t(key, { month: d.month, seed: d.seed, candidates: d.candidate_count, n: Q.drawnCount,
                                        per: p.per_agent === undefined ? "?" : p.per_agent,
                                        min: p.min_talk_seconds === undefined ? "?" : p.min_talk_seconds,
                                        by: d.drawn_by || "", at: fmtDateTime(d.drawn_at) }), "ok");
}

async function draw(ev) {
  ev.preventDefault();
  const per = Number($("qc-per-agent").value);
  const minTalk = Number($("qc-min-talk").value);
  if (!Number.isInteger(per) || per < 1 || per > 5) {
    $("qc-draw-result").dataset.kind = "error";
    showStatus($("qc-draw-result"), () => t("qc.per_agent_range"), "error");
    $("qc-per-agent").focus();
    return;
  }
  if (!Number.isFinite(minTalk) || minTalk < 0) {
    $("qc-draw-result").dataset.kind = "error";
    showStatus($("qc-draw-result"), () => t("qc.min_talk_invalid"), "error");
    $("qc-min-talk").focus();
    return;
  }
  $("qc-draw").disabled = true;
  const res = $("qc-draw-result");
  res.dataset.kind = "";
  showStatus(res, () => t("qc.drawing"));
  const r = await call("POST", "/api/qc/draws", { month: Q.month, per_agent: per, min_talk_seconds: minTalk });
  if (!r.ok) {
    $("qc-draw").disabled = false;
    res.dataset.kind = "error";
    showStatus(res, () => errorText(r), "error");
    if (r.status === 409) loadDraw(); // drawn meanwhile (by someone else): show that draw
    return;
  }
  Q.drawSeq = (Q.drawSeq || 0) + 1;
  Q.draw = r.data || null;
  Q.drawnCount = Array.isArray(Q.draw && Q.draw.samples) ? Q.draw.samples.length : undefined;
  renderDraw();
  loadSamples();
}

async function pick(ev) {
  ev.preventDefault();
  const uid = $("qc-pick-call").value.trim();
  if (!uid) {
    showStatus($("qc-pick-status"), () => t("qc.pick_missing"), "error");
    $("qc-pick-call").focus();
    return;
  }
  const r = await call("POST", "/api/qc/samples", { call_uniqueid: uid, reason: $("qc-pick-reason").value.trim() });
  if (!r.ok) {
    showStatus($("qc-pick-status"), () => errorText(r), "error");
    return;
  }
  showStatus($("qc-pick-status"), () => t("qc.picked", { call: uid }), "ok");
  $("qc-pick-call").value = "";
  $("qc-pick-reason").value = "";
  const m = r.data && r.data.month;
  if (m && m !== Q.month) setMonth(m); // the call belongs to another month: show that one
  else loadSamples();
}

/* ---- one sample ---------------------------------------------------------------------------------------- */

/* The evaluation's current version (versions are never changed; a correction adds one). */
function latestVersion(ev) {
  const v = ev && Array.isArray(ev.versions) ? ev.versions : [];
  if (!v.length) return ev ? { ...ev, version: ev.current_version } : null;
  const cur = v.find((x) => x.version === ev.current_version);
  return cur || [...v].sort((a, b) => Number(a.version || 0) - Number(b.version || 0))[v.length - 1];
}

function criteria() {
  const tpl = Q.detail && Q.detail.template;
  return tpl && Array.isArray(tpl.criteria) ? tpl.criteria : [];
}

/* May this user score the open sample now? */
function canScore() {
  const d = Q.detail;
  if (!d) return false;
  if (d.evaluation) return Q.correcting;
  return sAssignee(d) === me() || hasRole("supervisor", "admin"); // the API lets a supervisor score unclaimed
}

/* May this user correct the locked score (its evaluator, the sample's holder, a supervisor / admin)? */
function mayCorrect() {
  const d = Q.detail;
  const ev = d && d.evaluation;
  if (!ev) return false;
  return hasRole("supervisor", "admin") || ev.evaluator === me() || sAssignee(d) === me();
}

async function openDetail(id, keepForm) {
  const r = await call("GET", `/api/qc/samples/${id}`);
  if (!r.ok) {
    say(() => errorText(r), "error");
    return;
  }
  const sameSample = Q.detail && Q.detail.id === r.data.id;
  Q.detail = r.data;
  if (!sameSample || !keepForm) Q.correcting = false;
  if (window.location.hash !== `#sample-${id}`) history.replaceState(null, "", `#sample-${id}`);
  $("qc-detail").hidden = false;
  renderDetail(!(sameSample && keepForm));
  renderSamples();
  if (!sameSample) $("qc-detail").scrollIntoView({ block: "start" });
}

function closeDetail() {
  if (Q.player) Q.player.destroy();
  Q.player = null;
  Q.playerRecording = null;
  Q.detail = null;
  Q.correcting = false;
  $("qc-detail").hidden = true;
  history.replaceState(null, "", window.location.pathname + window.location.search);
  renderSamples();
}

function fact(dl, key, value, testid) {
  dl.appendChild(el("dt", { text: t(`qc.fact.${key}`) }));
  dl.appendChild(el("dd", { "data-testid": testid || null, text: value === null || value === undefined || value === "" ? "—" : String(value) }));
}

function renderFacts() {
  const d = Q.detail;
  const c = d.call || {};
  $("qc-detail-title").textContent = t("qc.detail_title", { agent: sAgent(d) || "—",
                                                            date: fmtDateTime(d.answered_at || c.answered_at) });
  const dl = $("qc-detail-facts");
  dl.textContent = "";
  fact(dl, "agent", sAgent(d));
  fact(dl, "queue", d.queue || c.queue);
  fact(dl, "caller", c.caller_number);
  fact(dl, "answered", fmtDateTime(d.answered_at || c.answered_at));
  fact(dl, "talk", fmtSecs(d.talk_seconds !== undefined ? d.talk_seconds : c.talk_seconds));
  fact(dl, "week", weekLabel(d.week));
  fact(dl, "call", d.call_uniqueid, "qc-detail-call");
  fact(dl, "status", statusLabel(d.status), "qc-detail-sample-status");
  fact(dl, "who", sAssignee(d) || "");
  if (d.hand_picked) {
    fact(dl, "picked", [d.reason || t("qc.hand_picked"), d.picked_by].filter(Boolean).join(" · "));
  }

  // not yet scored and not held by this user: say why the form is read-only (and offer the claim)
  const holder = sAssignee(d);
  const box = $("qc-claim-box");
  const claimable = mayClaim(d) && !d.evaluation;
  const other = !d.evaluation && holder && holder !== me() && !hasRole("supervisor", "admin");
  box.hidden = !(claimable || other);
  $("qc-detail-claim").hidden = !claimable;
  $("qc-claim-text").textContent = claimable ? t("qc.claim_to_score") : t("qc.claimed_by_other", { who: holder || "" });
}

function renderPlayer() {
  const d = Q.detail;
  const rec = d.recording;
  const usable = rec && rec.id !== undefined && rec.id !== null && (!rec.status || rec.status === "ok");
  $("qc-no-recording").hidden = Boolean(usable);
  if (!usable) {
    $("qc-no-recording").textContent = rec ? t("qc.recording_status", { status: rec.status || "?" }) : t("qc.no_recording");
    if (Q.player) Q.player.destroy();
    Q.player = null;
    Q.playerRecording = null;
    $("qc-player").textContent = "";
    return;
  }
  if (Q.player && Q.playerRecording === rec.id) {
    Q.player.setMarks(noteMarks());
    return;
  }
  if (Q.player) Q.player.destroy();
  Q.playerRecording = rec.id;
  Q.player = ccPlayer($("qc-player"), { recordingId: rec.id, duration: rec.duration_seconds, marks: noteMarks(),
                                        onTime: renderNoteButton });
}

function noteMarks() {
  return (Q.detail.notes || []).map((n) => ({ at: n.at_seconds, label: n.text }));
}

function renderNotes() {
  const ol = $("qc-notes");
  ol.textContent = "";
  const notes = [...(Q.detail.notes || [])].sort((a, b) => Number(a.at_seconds) - Number(b.at_seconds));
  for (const n of notes) {
    ol.appendChild(el("li", {},
      el("button", { type: "button", class: "qc-note", "data-testid": "note-item", "data-at": n.at_seconds,
                     title: t("qc.note_seek"), onclick: () => { if (Q.player) Q.player.seek(Number(n.at_seconds)); } },
        el("span", { class: "qc-note-at mono", text: playerClock(Number(n.at_seconds)) }),
        el("span", { class: "qc-note-text", text: n.text }),
        el("span", { class: "muted small", text: [n.author || n.by, fmtDateTime(n.created_at)].filter(Boolean).join(" · ") }))));
  }
  if (!notes.length) ol.appendChild(el("li", { class: "muted", text: t("qc.notes_none") }));
  renderNoteButton();
}

function renderNoteButton() {
  const at = Q.player ? Q.player.time() : 0;
  $("qc-note-add").textContent = t("qc.note_add", { at: playerClock(at) });
  const can = Boolean(Q.player);
  $("qc-note-add").disabled = !can;
  $("qc-note-text").disabled = !can;
}

async function addNote(ev) {
  ev.preventDefault();
  const text = $("qc-note-text").value.trim();
  if (!text || !Q.player) {
    $("qc-note-text").focus();
    return;
  }
  const at = Math.round(Q.player.time() * 10) / 10;
  const id = Q.detail.id;
  $("qc-note-add").disabled = true;
  const r = await call("POST", `/api/qc/samples/${id}/notes`, { at_seconds: at, text });
  $("qc-note-add").disabled = false;
  if (!r.ok) {
    showStatus($("qc-detail-status"), () => errorText(r), "error");
    return;
  }
  $("qc-note-text").value = "";
  showStatus($("qc-detail-status"), "");
  if (Q.detail && Q.detail.id === id) {
    Q.detail.notes = [...(Q.detail.notes || []), r.data && r.data.text ? r.data : { at_seconds: at, text, author: me() }];
    renderNotes();
    if (Q.player) Q.player.setMarks(noteMarks());
  }
}

/* The form: from the latest version when there is one (locked unless correcting), else empty. */
function renderForm(reset) {
  const d = Q.detail;
  const tpl = d.template || {};
  $("qc-template-name").textContent = tpl.name ? `· ${tpl.name}` : "";
  const ev = d.evaluation;
  const last = latestVersion(ev);
  const editable = canScore();
  const body = $("qc-criteria-rows");
  const keep = {};
  if (!reset) { // a language change: keep what was typed
    for (const c of criteria()) {
      const s = $(`qc-score-${c.key}`);
      const m = $(`qc-comment-${c.key}`);
      if (s) keep[c.key] = { score: s.value, comment: m ? m.value : "" };
    }
  }
  body.textContent = "";
  for (const c of criteria()) {
    const fromVersion = last ? { score: (last.scores || {})[c.key], comment: (last.comments || {})[c.key] } : {};
    const v = keep[c.key] || fromVersion;
    const score = el("input", { type: "number", id: `qc-score-${c.key}`, "data-testid": `qc-score-${c.key}`,
                                min: c.scale_min, max: c.scale_max, step: "1", inputmode: "numeric",
                                value: v.score === undefined || v.score === null ? "" : String(v.score),
                                disabled: !editable, "aria-label": criterionLabel(c) });
    score.addEventListener("input", renderTotal);
    const comment = el("input", { id: `qc-comment-${c.key}`, "data-testid": `qc-comment-${c.key}`, maxlength: 2000,
                                  autocomplete: "off", value: v.comment || "", disabled: !editable,
                                  "aria-label": t("qc.comment_for", { criterion: criterionLabel(c) }) });
    body.appendChild(el("tr", { "data-key": c.key },
      el("th", { scope: "row" }, el("span", { class: "qc-crit", text: criterionLabel(c) }),
         el("span", { class: "muted small qc-crit-meta",
                      text: t("qc.criterion_meta", { weight: fmtNum(c.weight), min: c.scale_min, max: c.scale_max }) })),
      el("td", { class: "qc-score-cell" }, score, el("span", { class: "muted small", text: ` ${c.scale_min}–${c.scale_max}` })),
      el("td", { class: "num mono", id: `qc-points-${c.key}`, "data-testid": `qc-points-${c.key}` }),
      el("td", { class: "qc-comment-cell" }, comment)));
  }
  if (reset) $("qc-summary").value = last ? last.summary || "" : "";
  $("qc-summary").disabled = !editable;

  const locked = Boolean(ev) && !Q.correcting;
  const lockedBox = $("qc-locked");
  lockedBox.hidden = !ev;
  if (ev) {
    const ver = ev.current_version || (last ? last.version || (ev.versions || []).length : 1);
    lockedBox.textContent = Q.correcting
      ? t("qc.correcting", { version: ver })
      : t("qc.locked", { version: ver, by: (last && (last.by || last.scored_by)) || "—",
                         at: fmtDateTime(last && (last.created_at || last.at)) });
    lockedBox.dataset.version = String(ver);
    lockedBox.classList.toggle("qc-correcting", Q.correcting);
  }
  $("qc-form").classList.toggle("qc-form-locked", locked);
  $("qc-submit").hidden = !editable || Boolean(ev);
  $("qc-submit").disabled = false;
  $("qc-correct").hidden = !ev || Q.correcting || !mayCorrect();
  $("qc-correct-cancel").hidden = !Q.correcting;
  $("qc-correct-box").hidden = !Q.correcting;
  if (reset || !Q.correcting) $("qc-correct-reason").value = "";
  const submitCorrection = $("qc-correct-submit");
  if (submitCorrection) submitCorrection.hidden = !Q.correcting;
  renderTotal();
  renderHistory();
  renderResponse();
}

function formScores() {
  const scores = {};
  const comments = {};
  for (const c of criteria()) {
    const s = $(`qc-score-${c.key}`).value.trim();
    scores[c.key] = s === "" ? null : Number(s);
    const m = $(`qc-comment-${c.key}`).value.trim();
    if (m) comments[c.key] = m;
  }
  return { scores, comments };
}

function renderTotal() {
  const list = criteria();
  const { scores } = formScores();
  for (const c of list) {
    const p = criterionPoints(c, scores[c.key]);
    const cell = $(`qc-points-${c.key}`);
    cell.textContent = p === null ? "—" : fmtNum(Math.round(p * 10) / 10);
    const input = $(`qc-score-${c.key}`);
    const bad = scores[c.key] !== null && p === null;
    input.setAttribute("aria-invalid", bad ? "true" : "false");
  }
  const ev = Q.detail.evaluation;
  const last = latestVersion(ev);
  let total;
  let complete;
  if (ev && last && !Q.correcting && last.total !== undefined && last.total !== null) {
    total = Number(last.total); // the stored score is what counts
    complete = true;
  } else {
    ({ total, complete } = totalOf(list, scores));
  }
  const grade = complete ? (ev && last && !Q.correcting && last.grade) || gradeOf(total) : "";
  $("qc-total").textContent = list.length ? fmtNum(total) : "—";
  $("qc-total").dataset.total = String(total);
  $("qc-total").dataset.complete = complete ? "true" : "false";
  const g = $("qc-grade");
  g.dataset.grade = grade;
  g.textContent = grade ? gradeLabel(grade) : t("qc.grade_incomplete");
}

function renderHistory() {
  const ev = Q.detail.evaluation;
  const versions = ev && Array.isArray(ev.versions) ? [...ev.versions] : [];
  versions.sort((a, b) => Number(b.version || 0) - Number(a.version || 0));
  $("qc-history-box").hidden = !versions.length;
  const ol = $("qc-history");
  ol.textContent = "";
  for (const v of versions) {
    const grade = v.grade || gradeOf(v.total);
    ol.appendChild(el("li", { "data-testid": "qc-history-item", "data-version": v.version },
      el("strong", { text: t("qc.version", { version: v.version }) }), " ",
      `${fmtNum(v.total)} · `, el("span", { class: "qc-grade", "data-grade": grade, text: gradeLabel(grade) }),
      el("span", { class: "muted small", text: ` · ${[v.by || v.scored_by, fmtDateTime(v.created_at || v.at)].filter(Boolean).join(" · ")}` }),
      v.reason ? el("div", { class: "small", text: t("qc.version_reason", { reason: v.reason }) }) : null,
      v.agent_response ? el("div", { class: "small" }, el("span", { class: `badge qc-resp-${v.agent_response}`,
                                                                    text: responseLabel(v.agent_response) }),
                            v.agent_comment ? ` ${v.agent_comment}` : "") : null));
  }
}

function renderResponse() {
  const ev = Q.detail.evaluation;
  const box = $("qc-response");
  box.hidden = !ev;
  if (!ev) return;
  const r = ev.agent_response || "";
  box.dataset.response = r;
  box.textContent = "";
  box.append(el("strong", { text: t("qc.agent_response") }), " ",
             el("span", { class: `badge qc-resp-${r || "none"}`, "data-testid": "qc-agent-response-state",
                          text: responseLabel(r) }));
  if (ev.agent_responded_at || ev.responded_at) {
    box.append(el("span", { class: "muted small", text: ` ${fmtDateTime(ev.agent_responded_at || ev.responded_at)}` }));
  }
  if (ev.agent_comment) box.append(el("p", { class: "qc-agent-comment", text: ev.agent_comment }));
}

function renderDetail(reset) {
  renderFacts();
  renderPlayer();
  renderNotes();
  renderForm(reset);
}

async function submitForm(ev) {
  ev.preventDefault();
  const d = Q.detail;
  if (!d || !canScore()) return;
  const { scores, comments } = formScores();
  const missing = criteria().filter((c) => criterionPoints(c, scores[c.key]) === null);
  if (missing.length) {
    showStatus($("qc-form-status"), () => t("qc.scores_missing", { list: missing.map(criterionLabel).join(", ") }), "error");
    $(`qc-score-${missing[0].key}`).focus();
    return;
  }
  const summary = $("qc-summary").value.trim();
  let r;
  if (d.evaluation) {
    const reason = $("qc-correct-reason").value.trim();
    if (!reason) {
      showStatus($("qc-form-status"), () => t("qc.reason_missing"), "error");
      $("qc-correct-reason").focus();
      return;
    }
    $("qc-correct-submit").disabled = true;
    r = await call("POST", `/api/qc/evaluations/${d.evaluation.id}/corrections`, { scores, comments, summary, reason });
    $("qc-correct-submit").disabled = false;
  } else {
    $("qc-submit").disabled = true;
    r = await call("POST", `/api/qc/samples/${d.id}/evaluation`,
                   { template_id: d.template && d.template.id, scores, comments, summary });
    $("qc-submit").disabled = false;
  }
  if (!r.ok) {
    showStatus($("qc-form-status"), () => errorText(r), "error");
    return;
  }
  const res = r.data || {};
  const total = res.total !== undefined ? res.total : (latestVersion(res) || {}).total;
  const grade = res.grade || (latestVersion(res) || {}).grade || gradeOf(total);
  say("");
  showStatus($("qc-form-status"), () => t(d.evaluation ? "qc.corrected" : "qc.submitted",
                                          { total: fmtNum(total), grade: gradeLabel(grade) }), "ok");
  Q.correcting = false;
  await openDetail(d.id);
  loadSamples();
}

function startCorrection() {
  Q.correcting = true;
  renderForm(false);
  showStatus($("qc-form-status"), "");
  $("qc-correct-reason").focus();
}

function cancelCorrection() {
  Q.correcting = false;
  renderForm(true);
  showStatus($("qc-form-status"), "");
}

/* ---- reports ------------------------------------------------------------------------------------------- */

/* GET /api/qc/reports/agents: {month, criteria: [{key, label_en, label_zh, weight}], agents: [{agent, sampled,
 * scored, average, grade, criteria: {key: average points}, trend: [{month, average}]}]}. */
function renderAgentsReport(rep) {
  const box = $("qc-report-agents");
  box.textContent = "";
  if (!rep) return;
  const agents = Array.isArray(rep.agents) ? rep.agents : [];
  if (!agents.length) {
    box.appendChild(el("p", { class: "muted", text: t("qc.report_empty") }));
    return;
  }
  const crit = Array.isArray(rep.criteria) ? rep.criteria : [];
  const trend = (agents[0].trend || []).map((x) => x.month);
  const head = [el("th", { text: t("qc.rcol.agent") }), el("th", { class: "num", text: t("qc.rcol.sampled") }),
                el("th", { class: "num", text: t("qc.rcol.scored") }), el("th", { class: "num", text: t("qc.rcol.average") }),
                el("th", { text: t("qc.rcol.grade") }),
                ...crit.map((c) => el("th", { class: "num", title: t("qc.rcol.criterion_points", { weight: fmtNum(c.weight) }),
                                              text: criterionLabel(c) })),
                ...trend.map((m) => el("th", { class: "num", text: t("qc.rcol.average_of", { month: m }) }))];
  const rows = agents.map((a) => el("tr", { "data-agent": a.agent, "data-testid": `qc-report-agent-${a.agent}` },
    el("td", { text: a.agent }),
    el("td", { class: "num", text: fmtNum(a.sampled) }),
    el("td", { class: "num", text: fmtNum(a.scored) }),
    el("td", { class: "num", "data-testid": "qc-report-average", text: fmtNum(a.average) }),
    el("td", {}, a.grade ? el("span", { class: "qc-grade", "data-grade": a.grade, text: gradeLabel(a.grade) }) : "—"),
    ...crit.map((c) => el("td", { class: "num", text: fmtNum((a.criteria || {})[c.key], 2) })),
    ...(a.trend || []).map((x) => el("td", { class: "num", text: fmtNum(x.average) }))));
  box.appendChild(el("table", { class: "admin-table qc-report-table", "data-testid": "qc-report-agents-table" },
    el("thead", {}, el("tr", {}, head)), el("tbody", {}, rows)));
}

/* GET /api/qc/reports/weekly: {week_start, week_end, evaluations, average, criteria: [{key, label_en, label_zh,
 * weight, evaluated, below_par}] (most often below par first), agents: [{agent, evaluations, average,
 * below_par: {key: n}}]}. A criterion below par in half the evaluations or more is suggested for whole-team
 * training; each agent's own below-par criteria for individual coaching. */
function renderWeekly(rep) {
  const box = $("qc-report-weekly");
  box.textContent = "";
  if (!rep) return;
  const crit = Array.isArray(rep.criteria) ? rep.criteria : [];
  const byKey = Object.fromEntries(crit.map((c) => [c.key, c]));
  box.appendChild(el("p", { "data-testid": "qc-report-weekly-summary",
                            text: t("qc.weekly_summary", { from: rep.week_start, to: rep.week_end, n: fmtNum(rep.evaluations),
                                                           average: fmtNum(rep.average) }) }));
  if (!rep.evaluations) {
    box.appendChild(el("p", { class: "muted", text: t("qc.report_empty") }));
    return;
  }
  const team = crit.filter((c) => c.evaluated && c.below_par / c.evaluated >= 0.5);
  box.appendChild(el("p", { class: team.length ? "qc-training" : "muted", "data-testid": "qc-report-team-training",
                            text: team.length ? t("qc.training_team", { list: team.map(criterionLabel).join("、") })
                              : t("qc.training_team_none") }));
  box.appendChild(el("div", { class: "table-wrap" }, el("table", { class: "admin-table qc-report-table", "data-testid": "qc-report-weekly-criteria" },
    el("thead", {}, el("tr", {}, el("th", { text: t("qc.col_criterion") }), el("th", { class: "num", text: t("qc.rcol.weight") }),
                      el("th", { class: "num", text: t("qc.rcol.evaluated") }), el("th", { class: "num", text: t("qc.rcol.below_par") }))),
    el("tbody", {}, crit.map((c) => el("tr", {},
      el("td", { text: criterionLabel(c) }), el("td", { class: "num", text: fmtNum(c.weight) }),
      el("td", { class: "num", text: fmtNum(c.evaluated) }),
      el("td", { class: "num", text: c.evaluated ? `${c.below_par} (${Math.round((100 * c.below_par) / c.evaluated)}%)` : "0" })))))));
  const agents = Array.isArray(rep.agents) ? rep.agents : [];
  box.appendChild(el("div", { class: "table-wrap" }, el("table", { class: "admin-table qc-report-table", "data-testid": "qc-report-weekly-agents" },
    el("thead", {}, el("tr", {}, el("th", { text: t("qc.rcol.agent") }), el("th", { class: "num", text: t("qc.rcol.evaluations") }),
                      el("th", { class: "num", text: t("qc.rcol.average") }), el("th", { text: t("qc.rcol.grade") }),
                      el("th", { text: t("qc.rcol.training") }))),
    el("tbody", {}, agents.map((a) => {
      const grade = a.average === null || a.average === undefined ? "" : gradeOf(a.average);
      const below = Object.entries(a.below_par || {})
        .map(([k, n]) => `${byKey[k] ? criterionLabel(byKey[k]) : k} ×${n}`).join("、");
      return el("tr", { "data-agent": a.agent },
        el("td", { text: a.agent }), el("td", { class: "num", text: fmtNum(a.evaluations) }),
        el("td", { class: "num", text: fmtNum(a.average) }),
        el("td", {}, grade ? el("span", { class: "qc-grade", "data-grade": grade, text: gradeLabel(grade) }) : "—"),
        el("td", { class: below ? null : "muted", text: below || t("qc.training_none") }));
    })))));
}

async function loadReports() {
  const week = $("qc-week-start").value || thisWeekStart();
  $("qc-report-agents-csv").href = `/api/qc/reports/agents${qs({ month: Q.month, format: "csv" })}`;
  $("qc-report-weekly-csv").href = `/api/qc/reports/weekly${qs({ week_start: week, format: "csv" })}`;
  const [a, w] = await Promise.all([
    call("GET", `/api/qc/reports/agents${qs({ month: Q.month })}`),
    call("GET", `/api/qc/reports/weekly${qs({ week_start: week })}`),
  ]);
  Q.reports.agents = a.ok ? a.data : null;
  Q.reports.weekly = w.ok ? w.data : null;
  renderReports();
  if (!a.ok) say(() => errorText(a), "error");
  else if (!w.ok) say(() => errorText(w), "error");
}

function renderReports() {
  $("qc-report-agents-title").textContent = t("qc.report_agents", { month: Q.month });
  renderAgentsReport(Q.reports.agents);
  renderWeekly(Q.reports.weekly);
}

function showTab(tab) {
  Q.tab = tab;
  for (const name of ["queue", "reports"]) {
    $(`qc-tab-${name}`).setAttribute("aria-selected", name === tab ? "true" : "false");
    $(`qc-${name}-panel`).hidden = name !== tab;
  }
  if (tab === "reports") loadReports();
}

/* ---- putting it together ------------------------------------------------------------------------------- */

function setMonth(m) {
  Q.month = m;
  $("qc-month").value = m;
  const url = new URL(window.location.href);
  url.searchParams.set("month", m);
  history.replaceState(null, "", url.pathname + url.search + url.hash);
  Q.draw = null;
  Q.drawnCount = undefined;
  $("qc-draw-result").dataset.kind = "";
  renderDraw();
  loadDraw();
  loadSamples();
  if (Q.tab === "reports") loadReports();
}

function rerenderAll() {
  renderSamplesHead();
  renderSamples();
  if (Q.detail) renderDetail(false);
  if (Q.tab === "reports") renderReports();
  if (Q.draw) renderDraw();
}

async function startQc() {
  initHeader();
  Q.user = await openPageFor(whoAmIWithClock, (u) => QC_ROLES.some((r) => (u.roles || []).includes(r)), "qc", errorText);
  if (!Q.user) return;
  const fromUrl = new URLSearchParams(window.location.search).get("month");
  Q.month = /^\d{4}-\d\d$/.test(fromUrl || "") ? fromUrl : thisMonth();
  $("qc-month").value = Q.month;
  $("qc-week-start").value = thisWeekStart();
  $("qc-month").addEventListener("change", () => {
    if (/^\d{4}-\d\d$/.test($("qc-month").value)) setMonth($("qc-month").value);
  });
  $("qc-tab-queue").addEventListener("click", () => showTab("queue"));
  $("qc-tab-reports").addEventListener("click", () => showTab("reports"));
  $("qc-week-start").addEventListener("change", loadReports);
  $("qc-draw-form").addEventListener("submit", draw);
  $("qc-pick-form").addEventListener("submit", pick);
  $("qc-filter-status").addEventListener("change", loadSamples);
  $("qc-filter-mine").addEventListener("change", loadSamples);
  let filterTimer = null;
  $("qc-filter-agent").addEventListener("input", () => {
    clearTimeout(filterTimer);
    filterTimer = setTimeout(loadSamples, 300);
  });
  $("qc-close").addEventListener("click", closeDetail);
  $("qc-detail-claim").addEventListener("click", () => claim(Q.detail.id, "claim"));
  $("qc-note-form").addEventListener("submit", addNote);
  $("qc-form").addEventListener("submit", submitForm);
  $("qc-correct").addEventListener("click", startCorrection);
  $("qc-correct-cancel").addEventListener("click", cancelCorrection);
  // the correction's own submit button, next to the reason
  const corr = el("button", { type: "submit", id: "qc-correct-submit", "data-testid": "qc-correct-submit", hidden: true });
  corr.dataset.i18n = "qc.correct_submit";
  corr.textContent = t("qc.correct_submit");
  $("qc-correct-box").appendChild(corr);
  document.addEventListener("cc:langchange", rerenderAll);
  renderSamplesHead();
  loadDraw();
  await loadSamples();
  const m = /^#sample-(\d+)$/.exec(window.location.hash);
  if (m) openDetail(Number(m[1]));
}

document.addEventListener("DOMContentLoaded", startQc);

/* For tests and debugging. */
window.ccQc = { state: Q, totalOf, gradeOf };
