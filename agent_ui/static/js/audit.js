/* audit.html: the audit trail, readable (issue 17 part 6; docs/audit.md). For admins and the roles the centre
 * grants (settings.audit.readers; GET /api/audit/policy): search the log by person, customer, recording, any
 * target, action (exactly or by prefix) and days in the centre's time, newest first, page by page
 * (audit/search.js); export the search as CSV; when a customer is named, who opened that customer's record and
 * when (audit/views.js). Every search is itself audited by the server. The address keeps the search
 * (audit.html?customer=5). */

import "./i18n/common.js";
import "./i18n/audit.js";
import { call } from "./core/api.js";
import { $ } from "./core/dom.js";
import { openPageFor, whoAmIWithClock } from "./core/auth.js";
import { renderHeader } from "./core/header.js";
import { A } from "./audit/state.js";
import { fillForm, initSearch, renderExport, renderResults, search } from "./audit/search.js";
import { renderViews } from "./audit/views.js";

async function startAudit() {
  renderHeader({ title: "audit.title" });
  A.user = await openPageFor(whoAmIWithClock, () => true, "audit");
  if (!A.user) return;
  const policy = await call("GET", "/api/audit/policy");
  if (!policy.ok || !policy.data.may_read) { // not a reader (the API's rule): the no-access note
    $("audit").hidden = true;
    $("no-access").hidden = false;
    return;
  }
  A.policy = policy.data;
  const params = new URLSearchParams(window.location.search);
  const asked = {};
  for (const k of ["person", "customer", "recording", "target", "action", "from", "to"]) {
    if (params.get(k)) asked[k] = params.get(k);
  }
  fillForm(asked);
  initSearch();
  renderExport();
  document.addEventListener("cc:langchange", () => { renderExport(); renderResults(); renderViews(); });
  await search();
}

document.addEventListener("DOMContentLoaded", startAudit);

/* For tests and debugging. */
window.ccAudit = { state: A };
