/* notices.html: the notices (通告; issue 16, part 3; docs/notices.md "The page"). For team leads, admins and the
 * heads of a department: publish a notice to every agent, queues, shifts or named agents, valid until a time,
 * with a file (notices/form.js); the notices they manage with how many of the agents it reached have read it, one
 * open with who has not read it yet and who has, and its withdrawal with a reason (notices/list.js); the latest
 * shift handover's notices. A notice opens from the address as #notice-<id>. Nothing is polled: the list reloads
 * after each action and by its refresh button. */

import "./i18n/common.js";
import "./i18n/notices.js";
import { call } from "./core/api.js";
import { $ } from "./core/dom.js";
import { openPageFor, whoAmIWithClock } from "./core/auth.js";
import { renderHeader } from "./core/header.js";
import { P } from "./notices/state.js";
import { initForm, renderForm } from "./notices/form.js";
import { loadHandover, loadList, openNotice, renderDetail, renderHandover, renderList } from "./notices/list.js";

function noticeInAddress() {
  const m = /^#notice-(\d+)$/.exec(window.location.hash || "");
  return m ? Number(m[1]) : null;
}

async function startNotices() {
  renderHeader({ title: "notices.title" });
  P.user = await openPageFor(whoAmIWithClock, () => true, "notices");
  if (!P.user) return;
  P.tz = P.user.timezone || undefined;
  const options = await call("GET", "/api/notices/audience");
  if (!options.ok) { // not a publisher (the API's rule): the no-access note
    $("notices").hidden = true;
    $("no-access").hidden = false;
    return;
  }
  P.options = options.data;
  renderForm();
  initForm(async (n) => {
    await loadList();
    await openNotice(n.id);
  });
  $("nt-filter-state").addEventListener("change", loadList);
  $("nt-refresh").addEventListener("click", () => {
    loadList();
    loadHandover();
    if (P.openId !== null) openNotice(P.openId);
  });
  window.addEventListener("hashchange", () => {
    const id = noticeInAddress();
    if (id !== null && id !== P.openId) openNotice(id);
  });
  document.addEventListener("cc:langchange", () => { renderForm(); renderList(); renderDetail(); renderHandover(); });
  await Promise.all([loadList(), loadHandover()]);
  const id = noticeInAddress();
  if (id !== null) await openNotice(id);
}

document.addEventListener("DOMContentLoaded", startNotices);

/* For tests and debugging. */
window.ccNotices = { state: P };
