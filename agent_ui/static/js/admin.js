/* admin.html: users (roles, active, password reset, skills), seats (SIP phones), queues and pause reasons.
 *
 * Every change goes to /api/admin (admin role); the server checks everything and names the field it refuses,
 * which is then marked here (aria-invalid) and focused, with the message next to the form that caused it.
 * Seat passwords are never sent back by the server: the edit form only sets a new one.
 */
"use strict";

const TABS = ["users", "seats", "queues", "reasons"];
const S = {
  user: null,
  meta: null,
  users: [],
  seats: [],
  queues: [],
  reasons: [],
  tab: "users",
  editing: { user: null, seat: null, queue: null, reason: null }, // id / extension / name / code
};

const $ = (id) => document.getElementById(id);
const dash = (key) => key.replace(/_/g, "-");

/* api() that sends the user back to the login page when the session has ended. */
async function call(method, path, body) {
  const r = await api(method, path, body);
  if (r.status === 401) window.location.replace("index.html");
  return r;
}

/* ---- forms built from field specs ------------------------------------------------------------------------ */
/* spec: {key, label, type: text|password|number|select|checkbox|roles, options: () => [{value, label}],
 *        min, max, maxlength, placeholder, hint, autocomplete, inputmode, disabled} */

function control(prefix, spec, value) {
  const id = `${prefix}-${dash(spec.key)}`;
  if (spec.type === "roles") {
    const box = el("fieldset", { class: "roles", id, "data-testid": id },
      el("legend", { "data-i18n": spec.label, text: t(spec.label) }));
    for (const role of S.meta.roles) {
      const cid = `${id}-${role}`;
      box.appendChild(el("label", { class: "inline" },
        el("input", { type: "checkbox", id: cid, "data-testid": cid, name: "roles", value: role,
                      checked: (value || []).includes(role) }),
        el("span", { "data-i18n": `admin.role.${role}`, text: t(`admin.role.${role}`) })));
    }
    return box;
  }
  const label = el("span", { "data-i18n": spec.label, text: t(spec.label) });
  let input;
  if (spec.type === "checkbox") {
    input = el("input", { type: "checkbox", id, "data-testid": id, name: spec.key, checked: Boolean(value),
                          disabled: spec.disabled });
    const wrap = el("label", { class: "field inline", for: id }, input, label);
    if (spec.hint) wrap.appendChild(el("small", { class: "muted", "data-i18n": spec.hint, text: t(spec.hint) }));
    return wrap;
  }
  if (spec.type === "select") {
    input = el("select", { id, "data-testid": id, name: spec.key, disabled: spec.disabled });
    for (const o of spec.options()) {
      input.appendChild(el("option", { value: o.value, selected: o.value === value,
                                       "data-i18n": o.label, text: t(o.label) }));
    }
  } else {
    input = el("input", {
      id, "data-testid": id, name: spec.key, type: spec.type === "number" ? "number" : spec.type || "text",
      value: value === undefined || value === null ? "" : String(value), min: spec.min, max: spec.max,
      step: spec.type === "number" ? 1 : undefined, maxlength: spec.maxlength, inputmode: spec.inputmode,
      autocomplete: spec.autocomplete || (spec.type === "password" ? "new-password" : "off"),
      "data-i18n-placeholder": spec.placeholder, placeholder: spec.placeholder ? t(spec.placeholder) : undefined,
      required: spec.required, readonly: spec.readonly, disabled: spec.disabled,
    });
  }
  const wrap = el("label", { class: "field", for: id }, label, input);
  if (spec.hint) wrap.appendChild(el("small", { class: "muted", "data-i18n": spec.hint, text: t(spec.hint) }));
  return wrap;
}

/* Fill ``form`` with the fields, a submit button and a status line; ``onSubmit(values)`` on Enter/submit. */
function buildForm(form, prefix, specs, values, submitKey, onSubmit, extraButtons) {
  form.textContent = "";
  const fields = el("div", { class: "admin-fields" });
  for (const spec of specs) fields.appendChild(control(prefix, spec, values[spec.key]));
  form.appendChild(fields);
  form.appendChild(el("div", { class: "row" },
    el("button", { type: "submit", id: `${prefix}-submit`, "data-testid": `${prefix}-submit`,
                   "data-i18n": submitKey, text: t(submitKey) }),
    ...(extraButtons || [])));
  form.appendChild(el("p", { id: `${prefix}-status`, class: "status", "data-testid": `${prefix}-status`,
                             role: "alert" }));
  form.onsubmit = async (ev) => {
    ev.preventDefault();
    clearInvalid(form);
    const btn = $(`${prefix}-submit`);
    btn.disabled = true;
    try {
      await onSubmit(readForm(prefix, specs));
    } finally {
      btn.disabled = false;
    }
  };
}

function readForm(prefix, specs) {
  const out = {};
  for (const spec of specs) {
    if (spec.readonly || spec.disabled) continue;
    const id = `${prefix}-${dash(spec.key)}`;
    if (spec.type === "roles") {
      out[spec.key] = S.meta.roles.filter((r) => $(`${id}-${r}`).checked);
    } else if (spec.type === "checkbox") {
      out[spec.key] = $(id).checked;
    } else if (spec.type === "number") {
      const v = $(id).value.trim();
      out[spec.key] = v === "" ? null : Number(v);
    } else if (spec.type === "password") {
      out[spec.key] = $(id).value;
    } else {
      out[spec.key] = $(id).value.trim();
    }
  }
  return out;
}

function clearInvalid(root) {
  root.querySelectorAll("[aria-invalid]").forEach((n) => n.removeAttribute("aria-invalid"));
}

/* The field a refusal names: a domain error's details.field or request validation's first problem. */
function refusedField(r) {
  const d = (r.data && r.data.details) || {};
  if (typeof d.field === "string") return d.field;
  if (Array.isArray(d.problems) && d.problems.length) return String(d.problems[0].field || "");
  return "";
}

/* Show the server's refusal next to the form and mark + focus the field it names. */
function showRefusal(prefix, r, fieldToId) {
  showStatus($(`${prefix}-status`), () => errorText(r), "error");
  const f = refusedField(r);
  if (!f) return;
  const id = fieldToId ? fieldToId(f) : `${prefix}-${dash(f.split(/[.[]/)[0])}`;
  const node = id && $(id);
  if (!node) return;
  node.setAttribute("aria-invalid", "true");
  const focusable = node.matches("input, select, textarea, button") ? node : node.querySelector("input, select");
  if (focusable) focusable.focus();
}

function yesNo(v) {
  return t(v ? "common.yes" : "common.no");
}

function badge(textKey, cls) {
  return el("span", { class: `badge ${cls || ""}`, text: t(textKey) });
}

/* An edit card: heading, body; Escape or "close" hides it and gives focus back to ``returnTo``. */
function openEditCard(card, headingKey, name, build, returnTo, onClose) {
  card.textContent = "";
  const close = () => {
    card.hidden = true;
    card.textContent = "";
    onClose();
    const back = returnTo && $(returnTo);
    if (back) back.focus();
  };
  card.onkeydown = (ev) => {
    if (ev.key === "Escape") {
      ev.preventDefault();
      close();
    }
  };
  const closeBtn = el("button", { type: "button", class: "secondary small", "data-testid": `${card.id}-close`,
                                  "data-i18n": "admin.close", text: t("admin.close"), onclick: close });
  card.appendChild(el("div", { class: "edit-head" },
    el("h3", {}, el("span", { "data-i18n": headingKey, text: t(headingKey) }), " ",
       el("strong", { class: "mono", text: name })),
    closeBtn));
  build(card);
  card.hidden = false;
  const first = card.querySelector("input:not([disabled]):not([readonly]), select:not([disabled])");
  if (first) first.focus();
}

/* ---- tabs ------------------------------------------------------------------------------------------------- */
function selectTab(tab, focus) {
  if (!TABS.includes(tab)) tab = "users";
  S.tab = tab;
  for (const name of TABS) {
    const btn = $(`tab-${name}`);
    const on = name === tab;
    btn.setAttribute("aria-selected", on ? "true" : "false");
    btn.tabIndex = on ? 0 : -1;
    $(`panel-${name}`).hidden = !on;
  }
  if (focus) $(`tab-${tab}`).focus();
  if (window.location.hash !== `#${tab}`) history.replaceState(null, "", `#${tab}`);
}

function initTabs() {
  for (const name of TABS) {
    const btn = $(`tab-${name}`);
    btn.addEventListener("click", () => selectTab(name));
    btn.addEventListener("keydown", (ev) => {
      const i = TABS.indexOf(name);
      let next = null;
      if (ev.key === "ArrowRight") next = TABS[(i + 1) % TABS.length];
      else if (ev.key === "ArrowLeft") next = TABS[(i + TABS.length - 1) % TABS.length];
      else if (ev.key === "Home") next = TABS[0];
      else if (ev.key === "End") next = TABS[TABS.length - 1];
      if (next) {
        ev.preventDefault();
        selectTab(next, true);
      }
    });
  }
  window.addEventListener("hashchange", () => selectTab(window.location.hash.slice(1)));
}

/* ---- loading ---------------------------------------------------------------------------------------------- */
async function load(what) {
  const paths = { users: "/api/admin/users", seats: "/api/admin/seats", queues: "/api/admin/queues",
                  reasons: "/api/admin/pause-reasons" };
  const r = await call("GET", paths[what]);
  if (!r.ok) {
    const status = { users: "admin-user-list-status", seats: "admin-seat-list-status",
                     queues: "admin-queue-list-status", reasons: "admin-reason-list-status" }[what];
    showStatus($(status), () => errorText(r), "error");
    return false;
  }
  S[what] = r.data;
  ({ users: renderUsers, seats: renderSeats, queues: renderQueues, reasons: renderReasons })[what]();
  return true;
}

/* ---- users ------------------------------------------------------------------------------------------------ */
const USER_CREATE = [
  { key: "username", label: "admin.users.username", maxlength: 64, required: true, autocomplete: "off" },
  { key: "display_name", label: "admin.users.display_name", maxlength: 128 },
  { key: "password", label: "admin.users.password", type: "password", maxlength: 256, required: true,
    hint: "admin.password_hint" },
  { key: "roles", label: "admin.users.roles", type: "roles" },
];
const USER_EDIT = [
  { key: "display_name", label: "admin.users.display_name", maxlength: 128, required: true },
  { key: "roles", label: "admin.users.roles", type: "roles" },
  { key: "active", label: "admin.col.active", type: "checkbox", hint: "admin.users.active_hint" },
  { key: "password", label: "admin.users.new_password", type: "password", maxlength: 256,
    hint: "admin.users.new_password_hint" },
];

function roleNames(roles) {
  return roles.map((r) => t(`admin.role.${r}`)).join(", ");
}

function skillText(skills) {
  if (!skills.length) return t("common.none");
  return skills.map((s) => `${s.queue}: ${t(`admin.level.${s.level}`)}`).join(", ");
}

function renderUsers() {
  const body = $("admin-user-rows");
  body.textContent = "";
  for (const u of S.users) {
    body.appendChild(el("tr", { "data-testid": `admin-user-row-${u.username}`, class: u.active ? "" : "inactive" },
      el("td", { class: "mono", text: u.username }),
      el("td", { text: u.display_name }),
      el("td", { text: roleNames(u.roles) }),
      el("td", { text: u.roles.includes("agent") || u.skills.length ? skillText(u.skills) : "—" }),
      el("td", {}, u.logged_in_seat
        ? el("span", {}, u.logged_in_seat, " ", badge(`admin.state.${u.agent_state}`, "live")) : "—"),
      el("td", {}, u.active ? badge("common.yes", "live") : badge("admin.inactive", "warn")),
      el("td", {}, el("button", { type: "button", class: "secondary small", id: `admin-user-action-edit-${u.username}`,
                                  "data-testid": `admin-user-action-edit-${u.username}`, text: t("admin.edit"),
                                  "aria-label": `${t("admin.edit")} ${u.username}`,
                                  onclick: () => editUser(u.id) }))));
  }
  if (S.editing.user !== null) {
    const u = S.users.find((x) => x.id === S.editing.user);
    if (u) renderSkills(u); // the list changed (e.g. queues): keep the open skills editor current
  }
}

function buildUserCreate() {
  buildForm($("admin-user-create"), "admin-user-create", USER_CREATE, { roles: ["agent"] }, "admin.create",
    async (v) => {
      const r = await call("POST", "/api/admin/users", v);
      if (!r.ok) return showRefusal("admin-user-create", r);
      buildUserCreate();
      showStatus($("admin-user-create-status"), () => t("admin.users.created", { name: r.data.username }), "ok");
      await load("users");
      if (r.data.roles.includes("agent")) editUser(r.data.id); // next: the new agent's skills
    });
}

function editUser(id) {
  const u = S.users.find((x) => x.id === id);
  if (!u) return;
  S.editing.user = id;
  openEditCard($("admin-user-edit"), "admin.users.edit_heading", u.username, (card) => {
    const form = el("form", { id: "admin-user-edit-form", class: "admin-form", "data-testid": "admin-user-edit-form",
                              novalidate: true });
    card.appendChild(form);
    buildForm(form, "admin-user-edit", USER_EDIT, u, "admin.save", async (v) => {
      const cur = S.users.find((x) => x.id === id) || u;
      if (!v.password) delete v.password;
      if (v.active === false && cur.active && !window.confirm(t("admin.users.confirm_deactivate",
                                                                   { name: u.username }))) return;
      const r = await call("PATCH", `/api/admin/users/${u.id}`, v);
      if (!r.ok) return showRefusal("admin-user-edit", r);
      $("admin-user-edit-password").value = "";
      await load("users");
      showStatus($("admin-user-edit-status"), () => t("admin.saved"), "ok");
    });
    card.appendChild(el("div", { id: "admin-skills", class: "skills", "data-testid": "admin-skills" }));
    renderSkills(u);
  }, `admin-user-action-edit-${u.username}`, () => { S.editing.user = null; });
}

function renderSkills(u) {
  const box = $("admin-skills");
  if (!box) return;
  box.textContent = "";
  box.appendChild(el("h4", { "data-i18n": "admin.skills.heading", text: t("admin.skills.heading") }));
  if (!u.roles.includes("agent")) {
    box.appendChild(el("p", { class: "muted", "data-testid": "admin-skills-not-agent",
                              "data-i18n": "admin.skills.not_agent", text: t("admin.skills.not_agent") }));
    if (!u.skills.length) return;
  }
  box.appendChild(el("p", { class: "muted", "data-i18n": "admin.skills.help", text: t("admin.skills.help") }));
  const have = Object.fromEntries(u.skills.map((s) => [s.queue, s.level]));
  const form = el("form", { id: "admin-skills-form", class: "admin-form", "data-testid": `admin-skills-${u.username}`,
                            novalidate: true });
  const grid = el("div", { class: "skill-grid" });
  for (const q of S.queues) {
    const id = `admin-skill-${u.username}-${q.name}`;
    const sel = el("select", { id, "data-testid": id, "data-queue": q.name });
    sel.appendChild(el("option", { value: "", "data-i18n": "admin.level.none", text: t("admin.level.none") }));
    for (const lvl of S.meta.levels) {
      sel.appendChild(el("option", { value: lvl, selected: have[q.name] === lvl, "data-i18n": `admin.level.${lvl}`,
                                     text: t(`admin.level.${lvl}`) }));
    }
    grid.appendChild(el("label", { class: "field", for: id },
      el("span", {}, q.display_name && q.display_name !== q.name
        ? el("span", {}, `${q.display_name} `, el("span", { class: "mono", text: `(${q.name})` }))
        : el("span", { class: "mono", text: q.name }),
         q.active ? null : el("span", {}, " ", badge("admin.inactive", "warn"))),
      sel));
  }
  form.appendChild(grid);
  form.appendChild(el("div", { class: "row" },
    el("button", { type: "submit", id: "admin-skills-save", "data-testid": "admin-skills-save",
                   "data-i18n": "admin.skills.save", text: t("admin.skills.save") })));
  form.appendChild(el("p", { id: "admin-skills-status", class: "status", "data-testid": "admin-skills-status",
                             role: "alert" }));
  form.onsubmit = async (ev) => {
    ev.preventDefault();
    clearInvalid(form);
    const selects = [...form.querySelectorAll("select[data-queue]")];
    const skills = selects.filter((s) => s.value).map((s) => ({ queue: s.dataset.queue, level: s.value }));
    const r = await call("PUT", `/api/admin/users/${u.id}/skills`, { skills });
    if (!r.ok) {
      // skills[i].queue → the i-th chosen queue's select
      return showRefusal("admin-skills", r, (f) => {
        const m = /^skills[[.](\d+)/.exec(f);
        const chosen = selects.filter((s) => s.value);
        return m && chosen[Number(m[1])] ? chosen[Number(m[1])].id : "";
      });
    }
    await load("users");
    showStatus($("admin-skills-status"), () => t("admin.skills.saved"), "ok");
  };
  box.appendChild(form);
}

/* ---- seats ------------------------------------------------------------------------------------------------ */
const SEAT_CREATE = [
  { key: "extension", label: "admin.seats.extension", maxlength: 16, inputmode: "numeric", required: true,
    hint: "admin.seats.extension_hint" },
  { key: "name", label: "admin.seats.name", maxlength: 128, required: true },
  { key: "password", label: "admin.seats.password", type: "password", maxlength: 128, required: true,
    hint: "admin.seats.password_hint" },
  { key: "static_contact", label: "admin.seats.static_contact", maxlength: 200,
    placeholder: "admin.seats.static_contact_placeholder", hint: "admin.seats.static_contact_hint" },
];
const SEAT_EDIT = [
  { key: "name", label: "admin.seats.name", maxlength: 128, required: true },
  { key: "password", label: "admin.seats.new_password", type: "password", maxlength: 128,
    hint: "admin.seats.new_password_hint" },
  { key: "static_contact", label: "admin.seats.static_contact", maxlength: 200,
    placeholder: "admin.seats.static_contact_placeholder" },
  { key: "active", label: "admin.col.active", type: "checkbox" },
];

function renderSeats() {
  const body = $("admin-seat-rows");
  body.textContent = "";
  for (const s of S.seats) {
    body.appendChild(el("tr", { "data-testid": `admin-seat-row-${s.extension}`, class: s.active ? "" : "inactive" },
      el("td", { class: "mono", text: s.extension }),
      el("td", { text: s.name }),
      el("td", { class: "mono", text: s.static_contact || "—" }),
      el("td", { text: s.in_use_by || "—" }),
      el("td", {}, s.active ? badge("common.yes", "live") : badge("admin.inactive", "warn")),
      el("td", { class: "actions" },
        el("button", { type: "button", class: "secondary small", id: `admin-seat-action-edit-${s.extension}`,
                       "data-testid": `admin-seat-action-edit-${s.extension}`, text: t("admin.edit"),
                       "aria-label": `${t("admin.edit")} ${s.extension}`, onclick: () => editSeat(s.extension) }),
        el("button", { type: "button", class: "danger small", id: `admin-seat-action-delete-${s.extension}`,
                       "data-testid": `admin-seat-action-delete-${s.extension}`, text: t("admin.delete"),
                       "aria-label": `${t("admin.delete")} ${s.extension}`,
                       onclick: () => deleteSeat(s.extension) }))));
  }
}

function buildSeatCreate() {
  buildForm($("admin-seat-create"), "admin-seat-create", SEAT_CREATE, {}, "admin.create", async (v) => {
    const r = await call("POST", "/api/admin/seats", v);
    if (!r.ok) return showRefusal("admin-seat-create", r);
    buildSeatCreate();
    showStatus($("admin-seat-create-status"), () => t("admin.seats.created", { ext: r.data.extension }), "ok");
    await load("seats");
  });
}

function editSeat(ext) {
  const s = S.seats.find((x) => x.extension === ext);
  if (!s) return;
  S.editing.seat = ext;
  openEditCard($("admin-seat-edit"), "admin.seats.edit_heading", ext, (card) => {
    const form = el("form", { id: "admin-seat-edit-form", class: "admin-form", "data-testid": "admin-seat-edit-form",
                              novalidate: true });
    card.appendChild(form);
    buildForm(form, "admin-seat-edit", SEAT_EDIT, { ...s, password: "" }, "admin.save", async (v) => {
      if (!v.password) delete v.password;
      const r = await call("PATCH", `/api/admin/seats/${encodeURIComponent(ext)}`, v);
      if (!r.ok) return showRefusal("admin-seat-edit", r);
      $("admin-seat-edit-password").value = "";
      await load("seats");
      showStatus($("admin-seat-edit-status"), () => t("admin.saved"), "ok");
    });
  }, `admin-seat-action-edit-${ext}`, () => { S.editing.seat = null; });
}

async function deleteSeat(ext) {
  const status = $("admin-seat-list-status");
  if (!window.confirm(t("admin.seats.confirm_delete", { ext }))) return;
  const r = await call("DELETE", `/api/admin/seats/${encodeURIComponent(ext)}`);
  if (!r.ok) {
    showStatus(status, () => errorText(r), "error");
    return;
  }
  if (S.editing.seat === ext) $("admin-seat-edit").hidden = true;
  showStatus(status, () => t("admin.seats.deleted", { ext }), "ok");
  await load("seats");
}

/* ---- queues ----------------------------------------------------------------------------------------------- */
const QUEUE_FIELDS = [
  { key: "display_name", label: "admin.queues.display_name", maxlength: 128 },
  { key: "strategy", label: "admin.queues.strategy", type: "select",
    options: () => S.meta.strategies.map((s) => ({ value: s, label: `admin.strategy.${s}` })) },
  { key: "routing", label: "admin.queues.routing", type: "select",
    options: () => S.meta.routings.map((s) => ({ value: s, label: `admin.routing.${s}` })) },
  { key: "ring_timeout_seconds", label: "admin.queues.ring_timeout_seconds", type: "number", min: 1, max: 300 },
  { key: "retry_seconds", label: "admin.queues.retry_seconds", type: "number", min: 0, max: 60 },
  { key: "wrapup_seconds", label: "admin.queues.wrapup_seconds", type: "number", min: 0, max: 3600 },
  { key: "max_wait_seconds", label: "admin.queues.max_wait_seconds", type: "number", min: 1, max: 86400 },
  { key: "service_level_seconds", label: "admin.queues.service_level_seconds", type: "number", min: 1, max: 3600 },
  { key: "service_level_target", label: "admin.queues.service_level_target", type: "number", min: 1, max: 100 },
  { key: "recording_retention_days", label: "admin.queues.recording_retention_days", type: "number", min: 0,
    max: 3650 },
  { key: "announce", label: "admin.queues.announce", maxlength: 80, hint: "admin.queues.announce_hint" },
  { key: "active", label: "admin.col.active", type: "checkbox" },
];
const QUEUE_CREATE = [
  { key: "name", label: "admin.queues.name", maxlength: 64, required: true, hint: "admin.queues.name_hint" },
  ...QUEUE_FIELDS,
];
const QUEUE_DEFAULTS = { strategy: "rrmemory", routing: "equal", ring_timeout_seconds: 15, retry_seconds: 2,
                         wrapup_seconds: 30, max_wait_seconds: 300, service_level_seconds: 20,
                         service_level_target: 80, recording_retention_days: 0, announce: "",
                         active: true };

function renderQueues() {
  const body = $("admin-queue-rows");
  body.textContent = "";
  for (const q of S.queues) {
    body.appendChild(el("tr", { "data-testid": `admin-queue-row-${q.name}`, class: q.active ? "" : "inactive" },
      el("td", { class: "mono", text: q.name }),
      el("td", { text: q.display_name }),
      el("td", { text: t(`admin.strategy.${q.strategy}`) }),
      el("td", { text: t(`admin.routing.${q.routing}`) }),
      el("td", { text: t("admin.queues.timers_value", { ring: q.ring_timeout_seconds, wrapup: q.wrapup_seconds,
                                                        sl: q.service_level_seconds, wait: q.max_wait_seconds }) }),
      el("td", { text: String(q.agents) }),
      el("td", {}, q.active ? badge("common.yes", "live") : badge("admin.inactive", "warn")),
      el("td", { class: "actions" },
        el("button", { type: "button", class: "secondary small", id: `admin-queue-action-edit-${q.name}`,
                       "data-testid": `admin-queue-action-edit-${q.name}`, text: t("admin.edit"),
                       "aria-label": `${t("admin.edit")} ${q.name}`, onclick: () => editQueue(q.name) }),
        el("button", { type: "button", class: "secondary small", id: `admin-queue-action-toggle-${q.name}`,
                       "data-testid": `admin-queue-action-toggle-${q.name}`,
                       text: t(q.active ? "admin.deactivate" : "admin.activate"),
                       "aria-label": `${t(q.active ? "admin.deactivate" : "admin.activate")} ${q.name}`,
                       onclick: () => toggleQueue(q) }),
        el("button", { type: "button", class: "danger small", id: `admin-queue-action-delete-${q.name}`,
                       "data-testid": `admin-queue-action-delete-${q.name}`, text: t("admin.delete"),
                       "aria-label": `${t("admin.delete")} ${q.name}`, onclick: () => deleteQueue(q.name) }))));
  }
}

function buildQueueCreate() {
  buildForm($("admin-queue-create"), "admin-queue-create", QUEUE_CREATE, QUEUE_DEFAULTS, "admin.create",
    async (v) => {
      const r = await call("POST", "/api/admin/queues", v);
      if (!r.ok) return showRefusal("admin-queue-create", r);
      buildQueueCreate();
      showStatus($("admin-queue-create-status"), () => t("admin.queues.created", { name: r.data.name }), "ok");
      await load("queues");
      await load("users"); // the skills editor offers the new queue
    });
}

function editQueue(name) {
  const q = S.queues.find((x) => x.name === name);
  if (!q) return;
  S.editing.queue = name;
  openEditCard($("admin-queue-edit"), "admin.queues.edit_heading", name, (card) => {
    const form = el("form", { id: "admin-queue-edit-form", class: "admin-form",
                              "data-testid": "admin-queue-edit-form", novalidate: true });
    card.appendChild(form);
    buildForm(form, "admin-queue-edit", QUEUE_FIELDS, q, "admin.save", async (v) => {
      const r = await call("PATCH", `/api/admin/queues/${encodeURIComponent(name)}`, v);
      if (!r.ok) return showRefusal("admin-queue-edit", r);
      await load("queues");
      await load("users");
      showStatus($("admin-queue-edit-status"), () => t("admin.saved"), "ok");
    });
  }, `admin-queue-action-edit-${name}`, () => { S.editing.queue = null; });
}

async function toggleQueue(q) {
  const status = $("admin-queue-list-status");
  const r = await call("PATCH", `/api/admin/queues/${encodeURIComponent(q.name)}`, { active: !q.active });
  if (!r.ok) {
    showStatus(status, () => errorText(r), "error");
    return;
  }
  showStatus(status, () => t(r.data.active ? "admin.queues.activated" : "admin.queues.deactivated",
                             { name: q.name }), "ok");
  await load("queues");
  await load("users");
  if (S.editing.queue === q.name) editQueue(q.name);
  $(`admin-queue-action-toggle-${q.name}`).focus();
}

async function deleteQueue(name) {
  const status = $("admin-queue-list-status");
  if (!window.confirm(t("admin.queues.confirm_delete", { name }))) return;
  const r = await call("DELETE", `/api/admin/queues/${encodeURIComponent(name)}`);
  if (!r.ok) {
    showStatus(status, () => (r.status === 409 ? `${errorText(r)} ${t("admin.queues.deactivate_instead")}`
      : errorText(r)), "error");
    return;
  }
  if (S.editing.queue === name) $("admin-queue-edit").hidden = true;
  showStatus(status, () => t("admin.queues.deleted", { name }), "ok");
  await load("queues");
  await load("users");
}

/* ---- pause reasons ---------------------------------------------------------------------------------------- */
const REASON_CREATE = [
  { key: "code", label: "admin.reasons.code", maxlength: 32, required: true, hint: "admin.reasons.code_hint" },
  { key: "label_zh", label: "admin.reasons.label_zh", maxlength: 64, required: true },
  { key: "label_en", label: "admin.reasons.label_en", maxlength: 64, required: true },
  { key: "away", label: "admin.reasons.away", type: "checkbox", hint: "admin.reasons.away_hint" },
];

function reasonEditSpecs(system) {
  return [
    { key: "label_zh", label: "admin.reasons.label_zh", maxlength: 64, required: true },
    { key: "label_en", label: "admin.reasons.label_en", maxlength: 64, required: true },
    { key: "away", label: "admin.reasons.away", type: "checkbox", hint: "admin.reasons.away_hint" },
    { key: "active", label: "admin.col.active", type: "checkbox", disabled: system,
      hint: system ? "admin.reasons.system_hint" : undefined },
  ];
}

function renderReasons() {
  const body = $("admin-reason-rows");
  body.textContent = "";
  for (const p of S.reasons) {
    body.appendChild(el("tr", { "data-testid": `admin-reason-row-${p.code}`, class: p.active ? "" : "inactive" },
      el("td", { class: "mono", text: p.code }),
      el("td", { text: p.label_zh }),
      el("td", { text: p.label_en }),
      el("td", { text: yesNo(p.away) }),
      el("td", { text: yesNo(p.system) }),
      el("td", {}, p.active ? badge("common.yes", "live") : badge("admin.inactive", "warn")),
      el("td", {}, el("button", { type: "button", class: "secondary small", id: `admin-reason-action-edit-${p.code}`,
                                  "data-testid": `admin-reason-action-edit-${p.code}`, text: t("admin.edit"),
                                  "aria-label": `${t("admin.edit")} ${p.code}`, onclick: () => editReason(p.code) }))));
  }
}

function buildReasonCreate() {
  // a new reason counts as away unless the admin unticks it (every non-working state counts, docs/seat-discipline.md)
  buildForm($("admin-reason-create"), "admin-reason-create", REASON_CREATE, { away: true }, "admin.create", async (v) => {
    const r = await call("POST", "/api/admin/pause-reasons", v);
    if (!r.ok) return showRefusal("admin-reason-create", r);
    buildReasonCreate();
    showStatus($("admin-reason-create-status"), () => t("admin.reasons.created", { code: r.data.code }), "ok");
    await load("reasons");
  });
}

function editReason(code) {
  const p = S.reasons.find((x) => x.code === code);
  if (!p) return;
  S.editing.reason = code;
  openEditCard($("admin-reason-edit"), "admin.reasons.edit_heading", code, (card) => {
    const form = el("form", { id: "admin-reason-edit-form", class: "admin-form",
                              "data-testid": "admin-reason-edit-form", novalidate: true });
    card.appendChild(form);
    buildForm(form, "admin-reason-edit", reasonEditSpecs(p.system), p, "admin.save", async (v) => {
      const r = await call("PATCH", `/api/admin/pause-reasons/${encodeURIComponent(code)}`, v);
      if (!r.ok) return showRefusal("admin-reason-edit", r);
      await load("reasons");
      showStatus($("admin-reason-edit-status"), () => t("admin.saved"), "ok");
    });
  }, `admin-reason-action-edit-${code}`, () => { S.editing.reason = null; });
}

/* ---- start ------------------------------------------------------------------------------------------------ */
function rerenderTables() {
  renderUsers();
  renderSeats();
  renderQueues();
  renderReasons();
}

document.addEventListener("DOMContentLoaded", async () => {
  S.user = await pageUser($("page-status"));
  if (!S.user) return;
  if (!S.user.roles.includes("admin")) {
    $("no-access").hidden = false;
    return;
  }
  const meta = await call("GET", "/api/admin/meta");
  if (!meta.ok) {
    showStatus($("page-status"), () => errorText(meta), "error");
    return;
  }
  S.meta = meta.data;
  $("admin").hidden = false;
  initTabs();
  selectTab(window.location.hash.slice(1) || "users");
  await load("queues"); // first: the skills editor lists them
  await Promise.all([load("users"), load("seats"), load("reasons")]);
  buildUserCreate();
  buildSeatCreate();
  buildQueueCreate();
  buildReasonCreate();
  applyI18n();
  document.addEventListener("cc:langchange", rerenderTables);
});
