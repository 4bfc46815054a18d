/* Voicemail: listen to messages and mark them handled (supervisors see only this panel). */
import { call, errorText } from "../core/api.js";
import { $, el, showStatus } from "../core/dom.js";
import { t } from "../core/i18n.js";
import { fmtTime } from "../core/time.js";

export async function loadVoicemails() {
  const q = $("vm-show-handled").checked ? "" : "?handled=false";
  const r = await call("GET", `/api/ivr/voicemails${q}`);
  const ul = $("vm-list");
  if (!r.ok) {
    showStatus($("vm-status"), () => errorText(r), "error");
    return;
  }
  showStatus($("vm-status"), "");
  ul.textContent = "";
  if (!r.data.length) ul.appendChild(el("li", { class: "muted", text: t("vm.empty") }));
  for (const vm of r.data) {
    ul.appendChild(el("li", { "data-testid": `vm-${vm.id}`, class: vm.handled_at ? "handled" : "" },
      el("div", {},
        el("strong", { text: fmtTime(vm.recorded_at) }), " ",
        t("vm.from", { number: vm.caller_number || t("vm.unknown_caller") }), " · ",
        t("vm.mailbox", { mailbox: vm.mailbox }),
        vm.duration_seconds !== null ? " · " + t("vm.seconds", { seconds: Math.round(vm.duration_seconds) }) : "",
        vm.empty ? " · " + t("vm.empty_message") : ""),
      vm.empty ? null : el("audio", { controls: true, preload: "none", src: `/api/ivr/voicemails/${vm.id}/audio`,
                                      "data-testid": `vm-audio-${vm.id}` }),
      vm.handled_at
        ? el("div", { class: "muted", text: t("vm.handled_by", { user: vm.handled_by || "?" }) + " · "
                                               + fmtTime(vm.handled_at) })
        : el("button", { type: "button", class: "small", "data-testid": `vm-handle-${vm.id}`, text: t("vm.handle"),
                         onclick: () => handleVoicemail(vm.id) })));
  }
}

export async function handleVoicemail(id) {
  const r = await call("POST", `/api/ivr/voicemails/${id}/handled`);
  if (!r.ok) showStatus($("vm-status"), () => errorText(r), "error");
  await loadVoicemails();
}
