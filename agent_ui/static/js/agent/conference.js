/* The conference on a call (电话会议): add a seat, a queue's expert or an allowed outside number to the call with the
 * customer (the first one starts the conference), see who is in it, leave it to the others or end it. The server
 * checks every target; who is in the conference is read from Asterisk (GET /api/agent/conference), every few
 * seconds while it lasts. docs/outbound.md "Conference". */

import { call } from "../core/api.js";
import { $, el, showStatus } from "../core/dom.js";
import { t } from "../core/i18n.js";
import { S, failText, st } from "./state.js";

const POLL_MS = 3000;
// the conference as the server last told it: {active, call_uniqueid, outbound, members: [...]}
const C = { view: null, call: null, timer: null, busy: false };

export function initConference() {
  $("conference-form").addEventListener("submit", addParty);
  $("conference-type").addEventListener("change", () => { $("conference-target").value = ""; fillTargets(); });
  $("conference-leave").addEventListener("click", () => finish("leave"));
  $("conference-end").addEventListener("click", () => finish("end"));
}

/* Shown while on a call; a new call starts with no conference; its members are read while it is one. */
export function renderConference() {
  const a = S.agent || {};
  const onCall = st() === "on_call";
  $("conference-card").hidden = !onCall;
  if (!onCall || C.call !== a.call_uniqueid) {
    C.view = null;
    C.call = onCall ? a.call_uniqueid : null;
    showStatus($("conference-status"), "");
    if (C.timer) clearInterval(C.timer);
    C.timer = null;
    if (onCall) refreshConference();
  }
  fillTargets();
  renderMembers();
}

export async function refreshConference() {
  const r = await call("GET", "/api/agent/conference");
  if (r.ok && r.data) {
    C.view = r.data.active ? r.data : null;
    if (C.view && !C.timer) C.timer = setInterval(refreshConference, POLL_MS);
    if (!C.view && C.timer) {
      clearInterval(C.timer);
      C.timer = null;
    }
  }
  renderMembers();
}

function renderMembers() {
  const v = C.view;
  const list = $("conference-members");
  list.textContent = "";
  $("conference-state").textContent = v ? t("agent.conference_on", { n: v.members.length })
    : t("agent.conference_off");
  for (const m of (v && v.members) || []) {
    const who = m.kind === "queue" ? t("agent.conference_expert_of", { queue: m.who }) : m.who || "—";
    const role = t(`agent.conference_role.${m.role}`);
    list.appendChild(el("li", { "data-role": m.role, "data-who": m.who, "data-testid": "conference-member",
                                text: `${role} · ${who}${m.you ? ` (${t("agent.conference_you")})` : ""}` }));
  }
  $("conference-actions").hidden = !v;
  $("conference-leave").disabled = !v || C.busy || Boolean(v && v.outbound);
  $("conference-leave").title = v && v.outbound ? t("agent.conference_leave_outbound") : "";
  $("conference-end").disabled = !v || C.busy;
  $("conference-submit").disabled = C.busy;
  $("conference-submit").textContent = t(v ? "agent.conference_add" : "agent.conference_start");
}

async function addParty(ev) {
  ev.preventDefault();
  const status = $("conference-status");
  const target = $("conference-target").value.trim();
  const type = $("conference-type").value;
  if (!target) {
    showStatus(status, () => t("agent.conference_no_target"), "error");
    $("conference-target").focus();
    return;
  }
  C.busy = true;
  renderMembers();
  showStatus(status, () => t("agent.conference_ringing", { target }));
  const r = await call("POST", "/api/agent/conference/party", { target_type: type, target });
  C.busy = false;
  if (r.ok) {
    const shown = (r.data && r.data.target) || target;
    showStatus(status, () => t(type === "queue" ? "agent.conference_rung_queue" : "agent.conference_rung",
                               { target: shown }), "ok");
    $("conference-target").value = "";
    await refreshConference();
  } else {
    showStatus(status, () => failText(r), "error");
    renderMembers();
  }
}

async function finish(what) {
  const status = $("conference-status");
  C.busy = true;
  renderMembers();
  const r = await call("POST", `/api/agent/conference/${what}`);
  C.busy = false;
  if (r.ok) {
    showStatus(status, () => t(what === "leave" ? "agent.conference_left" : "agent.conference_ended"), "ok");
  } else {
    showStatus(status, () => failText(r), "error");
  }
  await refreshConference();
}

/* The targets offered: the other seats, the queues the agent knows of; an outside number is typed. */
function fillTargets() {
  const dl = $("conference-targets");
  const type = $("conference-type").value;
  const opts = [];
  if (type === "queue") {
    const qs = new Set(Object.keys((S.agent && S.agent.queues) || {}));
    S.skills.forEach((s) => qs.add(s.queue));
    [...qs].sort().forEach((q) => opts.push([q, q]));
  } else if (type === "seat") {
    for (const s of S.seats) {
      if (S.agent && s.extension === S.agent.extension) continue;
      opts.push([s.extension, [s.name, s.taken_by].filter(Boolean).join(" · ")]);
    }
  }
  $("conference-hint").hidden = type !== "outside";
  const key = JSON.stringify(opts);
  if (dl.dataset.key === key) return;
  dl.dataset.key = key;
  dl.textContent = "";
  opts.forEach(([v, label]) => dl.appendChild(el("option", { value: v, label: label || null })));
}
