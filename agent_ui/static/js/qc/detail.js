/* One sample: its facts, the recording (js/player.js) and the timeline notes. */

import { call, errorText } from "../core/api.js";
import { $, el, showStatus } from "../core/dom.js";
import { t } from "../core/i18n.js";
import { hasRole } from "../core/auth.js";
import { ccPlayer, playerClock } from "../player.js";
import { Q, say, me, fmtDateTime, fmtSecs, weekLabel, statusLabel, sAgent, sAssignee, mayClaim } from "./state.js";
import { renderSamples } from "./queue.js";
import { renderForm } from "./form.js";

export async function openDetail(id, keepForm) {
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

export function closeDetail() {
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
  const other = !d.evaluation && holder && holder !== me() && !hasRole(Q.user, "supervisor", "admin");
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

export async function addNote(ev) {
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

export function renderDetail(reset) {
  renderFacts();
  renderPlayer();
  renderNotes();
  renderForm(reset);
}
