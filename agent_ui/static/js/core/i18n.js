/* The page texts in zh-CN (default) and English, and the language switch.
 *
 * The texts live in catalogues, js/i18n/<page or domain>.js, each a module that calls register() with both
 * languages; a page imports the catalogues it shows (always i18n/common.js). Use t("key", {name: value}) in
 * scripts; in HTML put data-i18n="key" (text), data-i18n-placeholder, data-i18n-title or data-i18n-aria-label on
 * an element and call applyI18n(). The chosen language is kept in localStorage ("cc.lang"). A language change
 * re-applies the data-i18n texts and dispatches "cc:langchange" on document for what scripts drew. */

export const LANGUAGES = [
  { code: "zh-CN", name: "中文" },
  { code: "en", name: "English" },
];
const DEFAULT_LANG = "zh-CN";
const LANG_KEY = "cc.lang";

const MESSAGES = Object.fromEntries(LANGUAGES.map((l) => [l.code, {}]));

/* Add a catalogue: {"zh-CN": {key: text}, "en": {key: text}}. */
export function register(catalogue) {
  for (const [lang, texts] of Object.entries(catalogue)) {
    if (!MESSAGES[lang]) throw new Error(`unknown language ${lang}`);
    Object.assign(MESSAGES[lang], texts);
  }
}

let pageLang = null;

/* Show this page in ``lang`` without changing the stored choice (the TV's ?lang=en). False for an unknown one. */
export function usePageLanguage(lang) {
  if (!MESSAGES[lang]) return false;
  pageLang = lang;
  return true;
}

export function getLang() {
  if (pageLang) return pageLang;
  let lang = null;
  try { lang = localStorage.getItem(LANG_KEY); } catch { /* storage disabled */ }
  return MESSAGES[lang] ? lang : DEFAULT_LANG;
}

export function setLang(lang) {
  if (!MESSAGES[lang]) return;
  try { localStorage.setItem(LANG_KEY, lang); } catch { /* storage disabled */ }
  applyI18n();
  document.dispatchEvent(new CustomEvent("cc:langchange", { detail: { lang } }));
}

/* The text of ``key`` in the page's language (English when only that has it, else the key itself), with
 * {name} placeholders filled from ``vars``. */
export function t(key, vars) {
  let s = MESSAGES[getLang()][key];
  if (s === undefined) s = MESSAGES.en[key];
  if (s === undefined) return key;
  if (vars) s = s.replace(/\{(\w+)\}/g, (m, name) => (name in vars ? String(vars[name]) : m));
  return s;
}

export function hasKey(key) {
  return t(key) !== key;
}

/* t() with a fallback for codes the catalogue does not know (a new outcome, a new device state). */
export function tOr(key, fallback, vars) {
  return hasKey(key) ? t(key, vars) : fallback;
}

export function applyI18n(root) {
  const scope = root || document;
  document.documentElement.lang = getLang();
  scope.querySelectorAll("[data-i18n]").forEach((e) => { e.textContent = t(e.dataset.i18n); });
  scope.querySelectorAll("[data-i18n-placeholder]").forEach((e) => { e.placeholder = t(e.dataset.i18nPlaceholder); });
  scope.querySelectorAll("[data-i18n-title]").forEach((e) => { e.title = t(e.dataset.i18nTitle); });
  scope.querySelectorAll("[data-i18n-aria-label]").forEach((e) => {
    e.setAttribute("aria-label", t(e.dataset.i18nAriaLabel));
  });
  const title = document.querySelector("title[data-i18n]");
  if (title) document.title = t(title.dataset.i18n);
}

/* Fill a <select> with the languages and keep it in step with the chosen one. */
export function initLangSwitch(select) {
  select.textContent = "";
  for (const l of LANGUAGES) {
    const o = document.createElement("option");
    o.value = l.code;
    o.textContent = l.name;
    o.lang = l.code;
    select.appendChild(o);
  }
  select.value = getLang();
  select.addEventListener("change", () => setLang(select.value));
}
