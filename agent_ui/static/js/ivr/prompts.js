/* Prompts: upload, listen, delete (per language). */
import { call, errorText, serverMessage } from "../core/api.js";
import { $, el, showStatus } from "../core/dom.js";
import { t } from "../core/i18n.js";
import { renderTree } from "./editor.js";
import { S } from "./state.js";

export const promptKey = (p) => `${p.language}-${p.name}`;
export const promptUrl = (p) => `/api/ivr/prompts/${encodeURIComponent(p.language)}/${encodeURIComponent(p.name)}`;

export async function loadPrompts() {
  const r = await call("GET", "/api/ivr/prompts");
  if (!r.ok) {
    showStatus($("prompt-status"), () => errorText(r), "error");
    return;
  }
  S.prompts = r.data;
  renderPrompts();
  if (S.flow) renderTree(); // the prompt selects list them
}

export function renderPrompts() {
  const ul = $("prompt-list");
  ul.textContent = "";
  if (!S.prompts.length) ul.appendChild(el("li", { class: "muted", text: t("prompts.empty") }));
  for (const p of S.prompts) {
    const k = promptKey(p);
    const err = el("p", { class: "status error", "data-testid": `prompt-error-${k}`, role: "alert" });
    ul.appendChild(el("li", { "data-testid": `prompt-${k}` },
      el("div", { class: "prompt-head" },
        el("strong", { text: p.name }), " ",
        el("span", { class: "badge", text: p.language }), " ",
        el("span", { class: "muted", text: t("prompts.size", { kb: Math.max(1, Math.round(p.bytes / 1024)) }) }),
        el("button", { type: "button", class: "small danger", "data-testid": `prompt-delete-${k}`,
                       text: t("prompts.delete"), onclick: () => deletePrompt(p, err) })),
      el("audio", { controls: true, preload: "none", src: `${promptUrl(p)}/audio`, "data-testid": `prompt-audio-${k}` }),
      err));
  }
}

export async function uploadPrompt(ev) {
  ev.preventDefault();
  const status = $("prompt-status");
  const name = $("prompt-name").value.trim();
  const language = $("prompt-language").value.trim();
  const file = $("prompt-file").files[0];
  if (!file) {
    showStatus(status, () => t("prompts.no_file"), "error");
    return;
  }
  const fd = new FormData();
  fd.append("name", name);
  fd.append("language", language);
  fd.append("file", file, file.name);
  const btn = $("prompt-upload");
  btn.disabled = true;
  showStatus(status, () => t("prompts.uploading"));
  const r = await call("POST", "/api/ivr/prompts", fd);
  btn.disabled = false;
  if (!r.ok) {
    showStatus(status, () => errorText(r), "error");
    return;
  }
  showStatus(status, () => t("prompts.uploaded", { name: r.data.name, language: r.data.language, seconds: r.data.seconds }),
             "ok");
  $("prompt-name").value = "";
  $("prompt-file").value = "";
  await loadPrompts();
}

export async function deletePrompt(p, errNode) {
  if (!window.confirm(t("prompts.confirm_delete", { name: p.name, language: p.language }))) return;
  const r = await call("DELETE", promptUrl(p));
  const status = $("prompt-status");
  if (r.status === 409) {
    const msg = () => t("prompts.in_use", { message: serverMessage(r) }); // in the page's language when sent
    showStatus(errNode, msg, "error");
    showStatus(status, msg, "error");
    return;
  }
  if (!r.ok) {
    showStatus(errNode, () => errorText(r), "error");
    return;
  }
  showStatus(status, () => t("prompts.deleted", { name: p.name, language: p.language }), "ok");
  await loadPrompts();
}
