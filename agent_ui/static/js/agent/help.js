/* Ask the lead (issue 16 part 4; docs/help.md): during a call the agent asks for help with a note; the request is
 * on the supervisors' board at once. The card shows it waiting (the time running) until a lead takes it — the
 * "notice" push with action help.take, text = how (listen / whisper / barge / transfer) — or the call ends. */

import { call } from "../core/api.js";
import { $, showStatus } from "../core/dom.js";
import { t } from "../core/i18n.js";
import { fmtClock, secondsSince } from "../core/time.js";
import { S, failText, st } from "./state.js";

const H = { request: null, call: null, by: "", how: "" };

function callUid() {
  return (S.agent && S.agent.call_uniqueid) || null;
}

async function loadMine() {
  const r = await call("GET", "/api/help");
  if (!r.ok) return;
  const items = (r.data && r.data.items) || [];
  H.request = items.filter((x) => x.call_uniqueid === callUid()).pop() || null;
  if (H.request && H.request.state === "taken") {
    H.by = H.request.taken_by || "";
    H.how = H.request.taken_how || "";
  }
  renderHelp();
}

export function renderHelp() {
  const onCall = st() === "on_call";
  $("help-card").hidden = !onCall;
  const uid = callUid();
  if (uid !== H.call) { // a new call: nothing asked on it yet (a reload asks the server)
    H.call = uid;
    H.request = null;
    H.by = "";
    H.how = "";
    if (uid) loadMine();
  }
  const open = Boolean(H.request && H.request.state === "open");
  $("help-submit").disabled = !onCall || Boolean(H.request && ["open", "taken"].includes(H.request.state));
  $("help-note").disabled = $("help-submit").disabled;
  $("help-withdraw").hidden = !open;
  tickHelp();
}

/* The one-second clock: the time the request has waited. */
export function tickHelp() {
  const status = $("help-status");
  const r = H.request;
  if (!r) return;
  if (r.state === "open") {
    const wait = secondsSince(r.raised_at);
    showStatus(status, () => t("agent.help_waiting", { wait: fmtClock(wait === null ? 0 : wait) }), "warn");
  } else if (r.state === "taken") {
    showStatus(status, () => t("agent.help_taken", { by: H.by, how: t(`agent.help_how.${H.how}`) }), "ok");
  }
}

/* The "notice" push help.take: a lead took it. */
export function onHelpTaken(m) {
  if (!H.request) return;
  H.request = { ...H.request, state: "taken", taken_by: m.by };
  H.by = m.by || "";
  H.how = m.text || "";
  renderHelp();
}

async function ask(ev) {
  ev.preventDefault();
  const btn = $("help-submit");
  btn.disabled = true;
  const r = await call("POST", "/api/help", { note: $("help-note").value.trim() });
  if (r.ok) {
    H.request = r.data;
    $("help-note").value = "";
  } else {
    showStatus($("help-status"), () => failText(r), "error");
  }
  renderHelp();
}

async function withdraw() {
  if (!H.request) return;
  const r = await call("POST", `/api/help/${H.request.id}/withdraw`);
  if (r.ok) {
    H.request = null;
    showStatus($("help-status"), () => t("agent.help_withdrawn"), "ok");
  } else {
    showStatus($("help-status"), () => failText(r), "error");
  }
  renderHelp();
}

export function initHelp() {
  $("help-form").addEventListener("submit", ask);
  $("help-withdraw").addEventListener("click", withdraw);
}
