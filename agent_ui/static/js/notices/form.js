/* The publish form: title, text, the audience picker (every agent, queues, shifts, named agents: the choices of
 * GET /api/notices/audience), valid until (centre time; sent without an offset, the server reads it as the
 * centre's), the issuing department, an optional file (uploaded first: POST /api/notices/files, then named by its
 * file_id in POST /api/notices). The server's refusal is shown as it says it, naming the field. */

import { call } from "../core/api.js";
import { $, el, showStatus } from "../core/dom.js";
import { t } from "../core/i18n.js";
import { P, fmtSize, refusal } from "./state.js";

function checks(boxId, items, value, label, testid) {
  $(boxId).replaceChildren(...items.map((x) => el("label", { class: "nt-check" },
    el("input", { type: "checkbox", value: String(value(x)), "data-testid": `${testid}-${value(x)}` }),
    el("span", { text: label(x) }))));
}

function picked(boxId) {
  return [...$(boxId).querySelectorAll("input:checked")].map((i) => i.value);
}

export function renderForm() {
  const o = P.options;
  if (!o) return;
  const keep = { queues: picked("nt-queues"), shifts: picked("nt-shifts"), agents: picked("nt-agents") };
  checks("nt-queues", o.queues, (q) => q, (q) => q, "nt-queue");
  checks("nt-shifts", o.shifts, (s) => s.id, (s) => s.name, "nt-shift");
  checks("nt-agents", o.agents, (a) => a.username,
         (a) => (a.display_name && a.display_name !== a.username ? `${a.display_name} (${a.username})` : a.username),
         "nt-agent");
  for (const [box, values] of [["nt-queues", keep.queues], ["nt-shifts", keep.shifts], ["nt-agents", keep.agents]]) {
    for (const i of $(box).querySelectorAll("input")) i.checked = values.includes(i.value);
  }
  const dep = $("nt-department");
  const chosen = dep.value;
  dep.replaceChildren(...(o.any_department ? [el("option", { value: "", text: t("notices.field.no_department") })] : []),
    ...o.departments.map((d) => el("option", { value: String(d.id), text: d.name })));
  if (chosen) dep.value = chosen;
  $("nt-file-hint").textContent = t("notices.file_hint", { size: fmtSize(o.file_max_bytes),
                                                           types: o.file_types.join(", ") });
}

async function publish(ev, done) {
  ev.preventDefault();
  const status = $("nt-form-status");
  const body = {
    title: $("nt-title").value.trim(),
    text: $("nt-text").value.trim(),
    audience: { everyone: $("nt-everyone").checked, queues: picked("nt-queues"),
                shifts: picked("nt-shifts").map(Number), agents: picked("nt-agents") },
  };
  const need = !body.title ? "notices.need_title" : !body.text ? "notices.need_text"
    : !(body.audience.everyone || body.audience.queues.length || body.audience.shifts.length
        || body.audience.agents.length) ? "notices.need_audience" : null;
  if (need) {
    showStatus(status, () => t(need), "error");
    return;
  }
  if ($("nt-valid-until").value) body.valid_until = $("nt-valid-until").value; // centre time (no offset)
  if ($("nt-department").value) body.department_id = Number($("nt-department").value);
  $("nt-submit").disabled = true;
  try {
    const file = $("nt-file").files[0];
    if (file) {
      showStatus(status, () => t("notices.uploading"), "");
      const form = new FormData();
      form.append("file", file);
      const up = await call("POST", "/api/notices/files", form);
      if (!up.ok) {
        showStatus(status, () => refusal(up), "error");
        return;
      }
      body.file_id = up.data.id;
    }
    const r = await call("POST", "/api/notices", body);
    if (!r.ok) {
      showStatus(status, () => refusal(r), "error");
      return;
    }
    $("nt-form").reset();
    renderForm();
    showStatus(status, () => t("notices.published", { id: r.data.id, count: r.data.recipients }), "ok");
    await done(r.data);
  } finally {
    $("nt-submit").disabled = false;
  }
}

export function initForm(done) {
  $("nt-form").addEventListener("submit", (ev) => publish(ev, done));
}
