/* The month's random draw (once a month) and hand-picking a call. */

import { call, errorText } from "../core/api.js";
import { $, qs, showStatus } from "../core/dom.js";
import { t } from "../core/i18n.js";
import { Q, fmtDateTime } from "./state.js";
import { loadSamples } from "./queue.js";
import { setMonth } from "./month.js";

/* The month's stored draw (GET /api/qc/draws?month=): a month is drawn once; after that calls are hand-picked. */
export async function loadDraw() {
  const month = Q.month;
  const seq = (Q.drawSeq = (Q.drawSeq || 0) + 1);
  const r = await call("GET", `/api/qc/draws${qs({ month })}`);
  // an answer overtaken by a newer load or by a draw made meanwhile (it may predate that draw) is dropped
  if (month !== Q.month || seq !== Q.drawSeq || !r.ok) return;
  const d = Array.isArray(r.data) ? r.data.find((x) => x.month === month) : null;
  Q.draw = d || null;
  renderDraw();
}

export function renderDraw() {
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

export async function draw(ev) {
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

export async function pick(ev) {
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
