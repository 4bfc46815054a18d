/* Calling the API with the session cookie, and the text to show when a call failed. */
import { getLang, t } from "./i18n.js";

/* Resolves to {ok, status, data}; data is the parsed JSON body (or null). A network failure resolves to
 * {ok: false, status: 0, data: {message: ...}}. */
export async function api(method, path, body) {
  const opts = { method, credentials: "same-origin", headers: { Accept: "application/json" } };
  if (body instanceof FormData) {
    opts.body = body;
  } else if (body !== undefined) {
    opts.headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(body);
  }
  let resp;
  try {
    resp = await fetch(path, opts);
  } catch {
    return { ok: false, status: 0, data: { message: t("common.network_error") } };
  }
  let data = null;
  const text = await resp.text();
  if (text) {
    try { data = JSON.parse(text); } catch { data = { message: text.slice(0, 300) }; }
  }
  return { ok: resp.ok, status: resp.status, data };
}

/* api() that sends the user back to the login page when the session has ended. */
export async function call(method, path, body) {
  const r = await api(method, path, body);
  if (r.status === 401) window.location.replace("index.html");
  return r;
}

/* The server's message of a failed call in the page's language: the answer's messages[<language>] when the
 * server sent one (errors carry both UI languages), else its message (or FastAPI's detail). */
export function serverMessage(r) {
  const d = r.data || {};
  const localized = d.messages && typeof d.messages === "object" ? d.messages[getLang()] : undefined;
  const msg = localized || d.message || d.detail || `HTTP ${r.status}`;
  return typeof msg === "string" ? msg : JSON.stringify(msg);
}

/* The message to show for a failed call. */
export function errorText(r) {
  if (r.status === 0) return t("common.network_error");
  if (r.status === 403) return t("common.forbidden");
  return t("common.error", { message: serverMessage(r) });
}
