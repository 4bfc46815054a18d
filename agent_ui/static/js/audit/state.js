/* The audit page's state and its times. Who may read the log is the API's rule (admins and settings.audit.readers;
 * GET /api/audit/policy); times are shown in the centre's timezone, as the server gives them (at_local). */

import { serverMessage } from "../core/api.js";
import { t } from "../core/i18n.js";

export const A = {
  user: null,
  policy: null,     // AuditPolicyOut
  filters: {},      // the search as last submitted
  page: null,       // AuditPage
  cursors: [],      // the cursor of each page shown so far (null: the first)
  views: null,      // CustomerViewsOut, when the search names a customer
  asked: 0,         // the newest search
};

export function refusal(r) {
  return r.status === 0 ? t("common.network_error") : t("common.error", { message: serverMessage(r) });
}
