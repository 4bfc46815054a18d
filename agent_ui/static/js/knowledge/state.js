/* The knowledge page's state, who may do what, and its words and times.
 *
 * Who may: the API decides (settings.knowledge, callcenter/knowledge/config.py); the page offers each step to the
 * roles the default settings give it and shows the server's refusal if a centre configured otherwise:
 * writing (drafts) supervisor/admin, reviewing supervisor (not the version's author), publishing and withdrawing
 * supervisor/admin, confirming the issuing department's head (GET /api/departments), the usage counts
 * supervisor/qc/admin. Times are the centre's (the timezone of /api/auth/me). */

import { serverMessage } from "../core/api.js";
import { hasRole } from "../core/auth.js";
import { getLang, t, tOr } from "../core/i18n.js";
import { parseServerTime } from "../core/time.js";

export const K = {
  user: null,
  tz: undefined,
  categories: [],            // GET /api/knowledge/categories: [{code, en, zh_CN}]
  departments: new Map(),    // id → {id, name, head, members}
  list: null,                // {mode: "catalogue" | "search", total, items: [HitOut], terms}
  openId: null,              // the entry shown
  detail: null,              // EntryOut
  versions: null,            // VersionsOut (editors)
  usage: null,               // EntryUsageOut (usage readers)
  documents: new Map(),      // id → DocumentOut
  editing: null,             // null | "new" | EntryOut being edited
};

/* ---- who may ---- */
export const mayRead = (u) => hasRole(u, "agent", "supervisor", "qc", "admin");
export const mayWrite = (u) => hasRole(u, "supervisor", "admin");
export const mayReview = (u) => hasRole(u, "supervisor");
export const mayPublish = (u) => hasRole(u, "supervisor", "admin");
export const isEditor = (u) => mayWrite(u) || mayReview(u) || mayPublish(u);
export const mayReadUsage = (u) => hasRole(u, "supervisor", "qc", "admin");

/* The heads of a department: its named head and its members with the role head (departments/repository.py). */
export function isHeadOf(username, departmentId) {
  const d = departmentId === null || departmentId === undefined ? null : K.departments.get(departmentId);
  if (!d) return false;
  return d.head === username || (d.members || []).some((m) => m.username === username && m.role === "head");
}

/* ---- words ---- */
export function categoryName(code) {
  const c = K.categories.find((x) => x.code === code);
  if (!c) return code || "—";
  return getLang() === "en" ? c.en : c.zh_CN;
}

export function departmentName(id) {
  if (id === null || id === undefined) return "—";
  const d = K.departments.get(id);
  return d ? d.name : `#${id}`;
}

export const entryStateLabel = (s) => tOr(`knowledge.entry_state.${s}`, s || "—");
export const revisionStateLabel = (s) => tOr(`knowledge.rev_state.${s}`, s || "—");

/* The failed call's text: the server's reason in the page's language (a 403 too: who may do a step is the
 * server's rule, and the user needs to know why). */
export function refusal(r) {
  if (r.status === 0) return t("common.network_error");
  return t("common.error", { message: serverMessage(r) });
}

/* ---- the centre's time ---- */
let formatter = null;
let formatterTz = null;

function parts(ms) {
  if (!formatter || formatterTz !== K.tz) {
    const opts = { year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
                   hourCycle: "h23" };
    try {
      formatter = new Intl.DateTimeFormat("en-CA", { ...opts, timeZone: K.tz });
    } catch { // an unknown timezone name: the browser's
      formatter = new Intl.DateTimeFormat("en-CA", opts);
    }
    formatterTz = K.tz;
  }
  const p = {};
  for (const x of formatter.formatToParts(new Date(ms))) p[x.type] = x.value;
  return { day: `${p.year}-${p.month}-${p.day}`, time: `${p.hour === "24" ? "00" : p.hour}:${p.minute}` };
}

/* "YYYY-MM-DD HH:MM" in the centre's timezone; ``empty`` for no time. */
export function fmtAt(iso, empty = "—") {
  const ms = parseServerTime(iso);
  if (ms === null) return empty;
  const p = parts(ms);
  return `${p.day} ${p.time}`;
}

/* A datetime-local input's value ("YYYY-MM-DDTHH:MM") of ``iso`` in the centre's timezone. */
export function localInput(iso) {
  const ms = parseServerTime(iso);
  if (ms === null) return "";
  const p = parts(ms);
  return `${p.day}T${p.time}`;
}

/* The ISO time of a datetime-local value read in the centre's timezone (null for none or a bad one). */
export function centreIso(value) {
  const m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d)(?::(\d\d))?$/.exec(value || "");
  if (!m) return null;
  const [y, mo, d, hh, mm, ss] = m.slice(1).map((x) => Number(x || 0));
  const wanted = Date.UTC(y, mo - 1, d, hh, mm, ss);
  let guess = wanted;
  for (let i = 0; i < 2; i += 1) { // the centre's offset at that moment (twice: across a DST change)
    const p = parts(guess);
    const [py, pm, pd] = p.day.split("-").map(Number);
    const [ph, pmin] = p.time.split(":").map(Number);
    guess -= Date.UTC(py, pm - 1, pd, ph, pmin, new Date(guess).getUTCSeconds()) - wanted;
  }
  return new Date(guess).toISOString();
}

/* This month in the centre's timezone ("YYYY-MM"). */
export function centreMonth() {
  return parts(Date.now()).day.slice(0, 7);
}

/* "a, b, c" → ["a", "b", "c"] (commas of either width, trimmed, no empties). */
export function splitList(text) {
  return String(text || "").split(/[,，、]/).map((s) => s.trim()).filter(Boolean);
}

/* The validity as one text: "from – to". */
export function validityText(rev) {
  const from = rev.valid_from ? fmtAt(rev.valid_from) : t("knowledge.from_publication");
  const to = rev.valid_to ? fmtAt(rev.valid_to) : t("knowledge.until_withdrawn");
  return `${from} – ${to}`;
}
