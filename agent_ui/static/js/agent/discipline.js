/* Seat discipline (docs/seat-discipline.md): the away banner under the state and the leave-seat request card. */

import { call, serverMessage } from "../core/api.js";
import { $, showStatus } from "../core/dom.js";
import { t, tOr, getLang } from "../core/i18n.js";
import { parseServerTime, fmtClock, serverNow } from "../core/time.js";
import { S, reasonLabel, failText, st } from "./state.js";

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
  const msg = r && r.data && typeof r.data.message === "string" ? serverMessage(r) : "";
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
export async function refreshSeat() {
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
export function onDiscipline(m) {
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

export function renderSeatDiscipline() {
  renderAwayBanner();
  renderLeave();
}

/* The banner under the state: away too long (warning, violation), or away on approved leave until when. */
export function renderAwayBanner() {
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

export async function askLeave(ev) {
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

export async function cancelLeave() {
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
