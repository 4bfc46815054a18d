/* The published versions of the flow, and rolling back to one. */
import { call, errorText } from "../core/api.js";
import { $, el, showStatus } from "../core/dom.js";
import { t } from "../core/i18n.js";
import { fmtTime } from "../core/time.js";
import { problemText, renderEditor } from "./editor.js";
import { reloadFlow } from "./publish.js";
import { clone, markDirty, S } from "./state.js";

export function renderVersions() {
  const box = $("versions");
  box.textContent = "";
  const versions = [...(S.flow.versions || [])].sort((a, b) => b.version - a.version);
  if (!versions.length) {
    box.appendChild(el("p", { class: "muted", text: t("versions.empty") }));
    return;
  }
  const head = el("tr", {}, ["versions.version", "versions.published", "versions.by", "versions.note", ""]
    .map((k) => el("th", { text: k ? t(k) : "" })));
  const rows = versions.map((v) => {
    const live = v.id === S.flow.live_version_id;
    return el("tr", { "data-testid": `version-${v.version}`, class: live ? "live" : "" },
      el("td", {}, `v${v.version} `, live ? el("span", { class: "badge live", "data-testid": "version-live",
                                                         text: t("versions.live") }) : null),
      el("td", { text: fmtTime(v.published_at) }),
      el("td", { text: v.published_by }),
      el("td", { text: v.note || "" }),
      el("td", {}, live ? null : el("button", { type: "button", class: "small secondary",
                                                "data-testid": `rollback-${v.version}`, text: t("versions.rollback"),
                                                onclick: () => rollback(v.version) })));
  });
  box.appendChild(el("table", { class: "versions" }, el("thead", {}, head), el("tbody", {}, rows)));
}

export async function rollback(version) {
  const r = await call("POST", `/api/ivr/flows/${S.flow.id}/rollback`, { version });
  if (!r.ok) {
    // 422: that version no longer validates (a prompt deleted, a queue removed since); list why
    const problems = (r.data && r.data.details && Array.isArray(r.data.details.problems)) ? r.data.details.problems : [];
    const why = () => problems.map((p) => (p.node ? `${p.node}: ${problemText(p)}` : problemText(p))).join("; ");
    showStatus($("versions-status"), () => errorText(r) + (problems.length ? ` — ${why()}` : ""), "error");
    return;
  }
  const keep = S.dirty ? clone(S.draft) : null;
  await reloadFlow();
  if (keep) { // rollback leaves the draft alone: keep the unsaved edits too
    S.draft = keep;
    markDirty();
    renderEditor();
  }
  showStatus($("versions-status"), () => t("versions.rolled_back", { version }), "ok");
}
