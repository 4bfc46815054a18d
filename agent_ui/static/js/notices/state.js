/* The notices page's state and its words and times. Who may publish is the API's rule (settings.notices: team
 * leads and admins, and the head of a department); the page asks GET /api/notices/audience and shows the
 * no-access note on a refusal. Times are the centre's (the timezone of /api/auth/me). */

import { serverMessage } from "../core/api.js";
import { getLang, t } from "../core/i18n.js";
import { parseServerTime } from "../core/time.js";

export const P = {
  user: null,
  tz: undefined,
  options: null,       // AudienceOptionsOut
  list: null,          // NoticePage
  openId: null,        // the notice shown in the detail
  detail: null,        // NoticeOut
  readers: null,       // ReadersOut
  handover: null,      // HandoverNoticesOut
  asked: 0,            // the newest list load
};

export function refusal(r) {
  return r.status === 0 ? t("common.network_error") : t("common.error", { message: serverMessage(r) });
}

/* A server time in the centre's time zone, in the page's language. */
export function fmt(v) {
  const ms = parseServerTime(v);
  if (ms === null) return "";
  return new Date(ms).toLocaleString(getLang(), { timeZone: P.tz, year: "numeric", month: "2-digit",
                                                  day: "2-digit", hour: "2-digit", minute: "2-digit" });
}

export function fmtSize(n) {
  return n >= 1048576 ? `${(n / 1048576).toFixed(1)} MiB` : `${Math.max(1, Math.round(n / 1024))} KiB`;
}

export function shiftName(id) {
  const s = P.options ? P.options.shifts.find((x) => x.id === id) : null;
  return s ? s.name : `#${id}`;
}

/* The audience in words: "everyone", "queues: a, b", ... */
export function audienceText(a) {
  const parts = [];
  if (a.everyone) parts.push(t("notices.audience.everyone"));
  if (a.queues.length) parts.push(t("notices.audience.queues", { list: a.queues.join(", ") }));
  if (a.shifts.length) parts.push(t("notices.audience.shifts", { list: a.shifts.map(shiftName).join(", ") }));
  if (a.agents.length) parts.push(t("notices.audience.agents", { list: a.agents.join(", ") }));
  return parts.join("; ");
}
