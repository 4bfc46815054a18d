/* Users: create, edit (roles, active, password reset), skills per queue. */
import { call } from "../core/api.js";
import { $, el, showStatus } from "../core/dom.js";
import { t } from "../core/i18n.js";
import { badge, buildForm, clearInvalid, openEditCard, showRefusal } from "./forms.js";
import { load, onLoaded, S } from "./state.js";

export const USER_CREATE = [
  { key: "username", label: "admin.users.username", maxlength: 64, required: true, autocomplete: "off" },
  { key: "display_name", label: "admin.users.display_name", maxlength: 128 },
  { key: "password", label: "admin.users.password", type: "password", maxlength: 256, required: true,
    hint: "admin.password_hint" },
  { key: "roles", label: "admin.users.roles", type: "roles" },
];
export const USER_EDIT = [
  { key: "display_name", label: "admin.users.display_name", maxlength: 128, required: true },
  { key: "roles", label: "admin.users.roles", type: "roles" },
  { key: "active", label: "admin.col.active", type: "checkbox", hint: "admin.users.active_hint" },
  { key: "password", label: "admin.users.new_password", type: "password", maxlength: 256,
    hint: "admin.users.new_password_hint" },
];

export function roleNames(roles) {
  return roles.map((r) => t(`admin.role.${r}`)).join(", ");
}

export function skillText(skills) {
  if (!skills.length) return t("common.none");
  return skills.map((s) => `${s.queue}: ${t(`admin.level.${s.level}`)}`).join(", ");
}

export function renderUsers() {
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

export function buildUserCreate() {
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

export function editUser(id) {
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

export function renderSkills(u) {
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

onLoaded("users", renderUsers);
