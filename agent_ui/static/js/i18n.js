/* All text the web pages show, in one place: zh-CN (default) and English.
 *
 * Use t("key", {name: value}) in scripts; in HTML put data-i18n="key" (text), data-i18n-placeholder,
 * data-i18n-title or data-i18n-aria-label on an element and call applyI18n(). The chosen language is kept
 * in localStorage ("cc.lang"). Messages that come from the server (validation problems, errors) are shown
 * as the server wrote them (English).
 */
"use strict";

const LANGUAGES = [
  { code: "zh-CN", name: "中文" },
  { code: "en", name: "English" },
];
const DEFAULT_LANG = "zh-CN";
const LANG_KEY = "cc.lang";

const MESSAGES = {
  "zh-CN": {
    "app.title": "呼叫中心",
    "lang.label": "语言",
    "common.logout": "退出登录",
    "common.home": "首页",
    "common.loading": "加载中…",
    "common.error": "出错了：{message}",
    "common.network_error": "无法连接服务器，请稍后再试。",
    "common.forbidden": "您的账号没有权限执行此操作。",
    "common.none": "（无）",
    "common.remove": "删除",
    "common.yes": "是",
    "common.no": "否",

    "login.heading": "登录",
    "login.username": "用户名",
    "login.password": "密码",
    "login.submit": "登录",
    "login.busy": "正在登录…",
    "login.wrong": "用户名或密码错误。",
    "login.too_many": "登录失败次数过多，请稍后再试。",
    "login.too_many_wait": "登录失败次数过多，请 {seconds} 秒后再试。",
    "login.missing": "请输入用户名和密码。",

    "home.heading": "欢迎，{name}",
    "home.roles": "角色：{roles}",
    "home.links": "可用功能",
    "home.ivr": "IVR 语音导航管理",
    "home.ivr_desc": "编辑和发布语音菜单、上传提示音、设置呼入号码",
    "home.voicemail": "语音留言",
    "home.voicemail_desc": "收听并处理来电留言",
    "home.api": "接口文档（OpenAPI）",
    "home.api_desc": "所有 HTTP 接口的说明",
    "home.nothing": "您的角色暂时没有可用的页面。",
    "role.admin": "管理员",
    "role.supervisor": "班长",
    "role.agent": "座席",

    "ivr.title": "IVR 管理",
    "ivr.no_access": "此页面需要管理员角色。",
    "flows.heading": "流程",
    "flows.empty": "还没有流程。",
    "flows.live": "线上版本 v{version}",
    "flows.not_live": "未发布",
    "flows.entry_points": "呼入号码：{list}",
    "flows.no_entry_points": "无呼入号码",
    "flows.new_heading": "新建流程",
    "flows.new_name": "流程名称",
    "flows.new_submit": "创建",
    "flows.created": "已创建流程 “{name}”。",

    "editor.pick": "请在左侧选择一个流程，或新建一个。",
    "editor.draft_saved_at": "草稿保存于 {time}",
    "editor.start": "起始节点",
    "editor.language": "流程语言",
    "editor.save": "保存草稿",
    "editor.publish": "发布",
    "editor.publish_note": "发布说明（可选）",
    "editor.unsaved": "有未保存的修改",
    "editor.saved": "草稿已保存。",
    "editor.saving": "正在保存…",
    "editor.publishing": "正在发布…",
    "editor.published": "已发布：版本 {version} 已上线。",
    "editor.refused": "发布被拒绝：有 {n} 个问题，请按节点旁的红色提示修改。",
    "editor.problems": "草稿检查发现 {n} 个问题（发布前需要修复）。",
    "editor.no_problems": "草稿检查通过，可以发布。",
    "editor.flow_problems": "流程级问题",
    "editor.discard": "当前流程有未保存的修改，确定要放弃吗？",
    "editor.add_node": "添加节点",
    "editor.node_id": "节点 ID",
    "editor.node_kind": "类型",
    "editor.add_submit": "添加",
    "editor.id_invalid": "节点 ID 需为 1-40 个小写字母、数字或下划线。",
    "editor.id_taken": "节点 “{id}” 已存在。",
    "editor.tree": "流程树",
    "editor.unreachable": "不可达的节点（从起始节点走不到）",
    "editor.no_nodes": "还没有节点。",

    "tree.start": "开始",
    "tree.missing": "节点 “{id}” 不存在",
    "tree.not_set": "（未选择目标）",
    "tree.create": "创建此节点",
    "tree.ref": "跳转到 “{id}”（见上方）",

    "edge.option": "按键 {digit}",
    "edge.default": "重试用完后",
    "edge.next": "下一步",
    "edge.fallback": "超时无人接听",
    "edge.open": "工作时间",
    "edge.closed": "非工作时间",

    "kind.menu": "菜单（按键选择）",
    "kind.play": "播放提示音",
    "kind.queue": "进入队列",
    "kind.voicemail": "语音留言",
    "kind.transfer": "转接号码",
    "kind.hours": "工作时间判断",
    "kind.language": "切换语言",
    "kind.hangup": "挂机",

    "node.remove": "删除节点",
    "node.kind": "类型",
    "node.label": "备注名称",
    "node.prompt": "提示音",
    "node.prompt_other": "其他（手动输入名称）…",
    "node.prompt_typed": "{name}（按名称）",
    "node.prompt_choose": "— 请选择 —",
    "node.prompt_none": "（不播放）",
    "node.prompt_custom": "提示音名称",
    "node.options": "按键选项",
    "node.digit": "按键",
    "node.target": "目标节点",
    "node.add_option": "添加选项",
    "node.move_up": "上移",
    "node.move_down": "下移",
    "node.remove_option": "删除选项",
    "node.timeout": "等待按键（秒）",
    "node.retries": "重试次数",
    "node.invalid_prompt": "按错键时的提示音",
    "node.timeout_prompt": "未按键时的提示音",
    "node.default": "重试用完后去往",
    "node.default_hangup": "（挂机）",
    "node.target_choose": "— 请选择 —",
    "node.target_none": "（无）",
    "node.target_other": "其他节点 ID…",
    "node.target_missing": "{id}（不存在）",
    "node.next": "下一步",
    "node.interruptible": "播放时允许按键",
    "node.queue": "队列名称",
    "node.priority": "优先级（0-100）",
    "node.max_wait": "最长等待（秒）",
    "node.fallback": "无人接听时去往",
    "node.mailbox": "信箱",
    "node.max_seconds": "最长留言（秒）",
    "node.transfer_target": "转接号码",
    "node.timezone": "时区",
    "node.weekly": "每周工作时间（如 08:30-17:30，多个用逗号分隔；留空为休息）",
    "node.holidays": "节假日（YYYY-MM-DD，用逗号分隔）",
    "node.open": "工作时间去往",
    "node.closed": "非工作时间去往",
    "node.language": "语言代码（如 zh、en）",
    "day.mon": "周一", "day.tue": "周二", "day.wed": "周三", "day.thu": "周四",
    "day.fri": "周五", "day.sat": "周六", "day.sun": "周日",

    "versions.heading": "已发布版本",
    "versions.empty": "尚未发布过。",
    "versions.version": "版本",
    "versions.published": "发布时间",
    "versions.by": "发布人",
    "versions.note": "说明",
    "versions.live": "线上",
    "versions.rollback": "回滚到此版本",
    "versions.rolled_back": "已回滚：版本 {version} 重新上线。",

    "entry.heading": "呼入号码",
    "entry.help": "把一个被叫号码（或 * 表示所有其他号码）指向本流程。",
    "entry.all": "当前所有呼入号码",
    "entry.did": "号码或 *",
    "entry.assign": "指向本流程",
    "entry.assigned": "号码 {did} 已指向本流程。",
    "entry.none": "还没有设置呼入号码。",
    "entry.default": "*（默认）",
    "entry.this_flow": "本流程",
    "entry.not_live": "注意：本流程尚未发布，来电暂时无法使用它。",

    "prompts.heading": "提示音",
    "prompts.name": "名称",
    "prompts.language": "语言",
    "prompts.file": "音频文件（wav / mp3 / ogg / m4a）",
    "prompts.upload": "上传",
    "prompts.uploading": "正在上传并转换…",
    "prompts.uploaded": "已上传 “{name}”（{language}，{seconds} 秒）。",
    "prompts.no_file": "请选择一个音频文件。",
    "prompts.empty": "还没有上传的提示音。",
    "prompts.delete": "删除",
    "prompts.confirm_delete": "确定删除提示音 “{name}”（{language}）吗？",
    "prompts.deleted": "已删除 “{name}”（{language}）。",
    "prompts.in_use": "无法删除，正在使用中：{message}",
    "prompts.size": "{kb} KB",

    "vm.heading": "语音留言",
    "vm.show_handled": "显示已处理",
    "vm.empty": "没有留言。",
    "vm.from": "来电 {number}",
    "vm.unknown_caller": "未知号码",
    "vm.mailbox": "信箱 {mailbox}",
    "vm.seconds": "{seconds} 秒",
    "vm.empty_message": "（空留言）",
    "vm.handle": "标记为已处理",
    "vm.handled_by": "已由 {user} 处理",
    "vm.refresh": "刷新",
  },

  "en": {
    "app.title": "Call centre",
    "lang.label": "Language",
    "common.logout": "Log out",
    "common.home": "Home",
    "common.loading": "Loading…",
    "common.error": "Error: {message}",
    "common.network_error": "Cannot reach the server; try again in a moment.",
    "common.forbidden": "Your account is not allowed to do this.",
    "common.none": "(none)",
    "common.remove": "Remove",
    "common.yes": "yes",
    "common.no": "no",

    "login.heading": "Log in",
    "login.username": "Username",
    "login.password": "Password",
    "login.submit": "Log in",
    "login.busy": "Logging in…",
    "login.wrong": "Wrong username or password.",
    "login.too_many": "Too many failed attempts. Please try again later.",
    "login.too_many_wait": "Too many failed attempts. Please try again in {seconds} seconds.",
    "login.missing": "Enter a username and a password.",

    "home.heading": "Welcome, {name}",
    "home.roles": "Roles: {roles}",
    "home.links": "What you can do",
    "home.ivr": "IVR administration",
    "home.ivr_desc": "Edit and publish voice menus, upload prompts, route dialled numbers",
    "home.voicemail": "Voicemail",
    "home.voicemail_desc": "Listen to and handle callers' messages",
    "home.api": "API documentation (OpenAPI)",
    "home.api_desc": "Every HTTP endpoint",
    "home.nothing": "There is no page for your roles yet.",
    "role.admin": "admin",
    "role.supervisor": "supervisor",
    "role.agent": "agent",

    "ivr.title": "IVR administration",
    "ivr.no_access": "This page needs the admin role.",
    "flows.heading": "Flows",
    "flows.empty": "No flows yet.",
    "flows.live": "live: version {version}",
    "flows.not_live": "not published",
    "flows.entry_points": "numbers: {list}",
    "flows.no_entry_points": "no numbers",
    "flows.new_heading": "New flow",
    "flows.new_name": "Flow name",
    "flows.new_submit": "Create",
    "flows.created": "Flow “{name}” created.",

    "editor.pick": "Choose a flow on the left, or create one.",
    "editor.draft_saved_at": "draft saved {time}",
    "editor.start": "Start node",
    "editor.language": "Flow language",
    "editor.save": "Save draft",
    "editor.publish": "Publish",
    "editor.publish_note": "Note for this version (optional)",
    "editor.unsaved": "Unsaved changes",
    "editor.saved": "Draft saved.",
    "editor.saving": "Saving…",
    "editor.publishing": "Publishing…",
    "editor.published": "Published: version {version} is live.",
    "editor.refused": "Publishing refused: {n} problem(s). Fix the ones marked in red next to each node.",
    "editor.problems": "The draft check found {n} problem(s) (fix them before publishing).",
    "editor.no_problems": "The draft check passed; it can be published.",
    "editor.flow_problems": "Problems with the flow as a whole",
    "editor.discard": "This flow has unsaved changes. Discard them?",
    "editor.add_node": "Add a node",
    "editor.node_id": "Node id",
    "editor.node_kind": "Kind",
    "editor.add_submit": "Add",
    "editor.id_invalid": "A node id is 1-40 lower-case letters, digits or underscores.",
    "editor.id_taken": "Node “{id}” already exists.",
    "editor.tree": "Flow tree",
    "editor.unreachable": "Unreachable nodes (no path from the start)",
    "editor.no_nodes": "No nodes yet.",

    "tree.start": "start",
    "tree.missing": "node “{id}” does not exist",
    "tree.not_set": "(no target chosen)",
    "tree.create": "Create this node",
    "tree.ref": "go to “{id}” (shown above)",

    "edge.option": "press {digit}",
    "edge.default": "after the retries",
    "edge.next": "next",
    "edge.fallback": "nobody answers",
    "edge.open": "open",
    "edge.closed": "closed",

    "kind.menu": "menu (caller presses a key)",
    "kind.play": "play a prompt",
    "kind.queue": "queue",
    "kind.voicemail": "voicemail",
    "kind.transfer": "transfer to a number",
    "kind.hours": "opening hours",
    "kind.language": "switch language",
    "kind.hangup": "hang up",

    "node.remove": "Remove node",
    "node.kind": "Kind",
    "node.label": "Label",
    "node.prompt": "Prompt",
    "node.prompt_other": "Other (type a name)…",
    "node.prompt_typed": "{name} (by name)",
    "node.prompt_choose": "— choose —",
    "node.prompt_none": "(none)",
    "node.prompt_custom": "Prompt name",
    "node.options": "Key options",
    "node.digit": "Key",
    "node.target": "Goes to",
    "node.add_option": "Add option",
    "node.move_up": "Move up",
    "node.move_down": "Move down",
    "node.remove_option": "Remove option",
    "node.timeout": "Wait for a key (seconds)",
    "node.retries": "Retries",
    "node.invalid_prompt": "Prompt after a wrong key",
    "node.timeout_prompt": "Prompt after no key",
    "node.default": "After the retries go to",
    "node.default_hangup": "(hang up)",
    "node.target_choose": "— choose —",
    "node.target_none": "(none)",
    "node.target_other": "Other node id…",
    "node.target_missing": "{id} (missing)",
    "node.next": "Next",
    "node.interruptible": "Caller may press a key during it",
    "node.queue": "Queue name",
    "node.priority": "Priority (0-100)",
    "node.max_wait": "Longest wait (seconds)",
    "node.fallback": "When nobody answers go to",
    "node.mailbox": "Mailbox",
    "node.max_seconds": "Longest message (seconds)",
    "node.transfer_target": "Number to transfer to",
    "node.timezone": "Time zone",
    "node.weekly": "Weekly opening hours (e.g. 08:30-17:30, several separated by commas; empty = closed)",
    "node.holidays": "Holidays (YYYY-MM-DD, separated by commas)",
    "node.open": "When open go to",
    "node.closed": "When closed go to",
    "node.language": "Language code (e.g. zh, en)",
    "day.mon": "Mon", "day.tue": "Tue", "day.wed": "Wed", "day.thu": "Thu",
    "day.fri": "Fri", "day.sat": "Sat", "day.sun": "Sun",

    "versions.heading": "Published versions",
    "versions.empty": "Never published.",
    "versions.version": "Version",
    "versions.published": "Published",
    "versions.by": "By",
    "versions.note": "Note",
    "versions.live": "live",
    "versions.rollback": "Roll back to this",
    "versions.rolled_back": "Rolled back: version {version} is live again.",

    "entry.heading": "Dialled numbers",
    "entry.help": "Send a dialled number (or * for every other number) to this flow.",
    "entry.all": "All dialled numbers now",
    "entry.did": "Number or *",
    "entry.assign": "Send to this flow",
    "entry.assigned": "Number {did} now goes to this flow.",
    "entry.none": "No dialled numbers set yet.",
    "entry.default": "* (default)",
    "entry.this_flow": "this flow",
    "entry.not_live": "Note: this flow is not published yet, so calls cannot use it.",

    "prompts.heading": "Prompts",
    "prompts.name": "Name",
    "prompts.language": "Language",
    "prompts.file": "Audio file (wav / mp3 / ogg / m4a)",
    "prompts.upload": "Upload",
    "prompts.uploading": "Uploading and converting…",
    "prompts.uploaded": "Uploaded “{name}” ({language}, {seconds} s).",
    "prompts.no_file": "Choose an audio file.",
    "prompts.empty": "No uploaded prompts yet.",
    "prompts.delete": "Delete",
    "prompts.confirm_delete": "Delete the prompt “{name}” ({language})?",
    "prompts.deleted": "Deleted “{name}” ({language}).",
    "prompts.in_use": "Cannot delete, it is in use: {message}",
    "prompts.size": "{kb} KB",

    "vm.heading": "Voicemail",
    "vm.show_handled": "Show handled",
    "vm.empty": "No messages.",
    "vm.from": "from {number}",
    "vm.unknown_caller": "unknown number",
    "vm.mailbox": "mailbox {mailbox}",
    "vm.seconds": "{seconds} s",
    "vm.empty_message": "(empty message)",
    "vm.handle": "Mark handled",
    "vm.handled_by": "handled by {user}",
    "vm.refresh": "Refresh",
  },
};

function getLang() {
  let lang = null;
  try { lang = localStorage.getItem(LANG_KEY); } catch (e) { /* storage disabled */ }
  return MESSAGES[lang] ? lang : DEFAULT_LANG;
}

function setLang(lang) {
  if (!MESSAGES[lang]) return;
  try { localStorage.setItem(LANG_KEY, lang); } catch (e) { /* storage disabled */ }
  applyI18n();
  document.dispatchEvent(new CustomEvent("cc:langchange", { detail: { lang } }));
}

function t(key, vars) {
  const lang = getLang();
  let s = MESSAGES[lang][key];
  if (s === undefined) s = MESSAGES.en[key];
  if (s === undefined) return key;
  if (vars) s = s.replace(/\{(\w+)\}/g, (m, name) => (name in vars ? String(vars[name]) : m));
  return s;
}

function applyI18n(root) {
  const scope = root || document;
  document.documentElement.lang = getLang();
  scope.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t(el.dataset.i18n); });
  scope.querySelectorAll("[data-i18n-placeholder]").forEach((el) => {
    el.placeholder = t(el.dataset.i18nPlaceholder);
  });
  scope.querySelectorAll("[data-i18n-title]").forEach((el) => { el.title = t(el.dataset.i18nTitle); });
  scope.querySelectorAll("[data-i18n-aria-label]").forEach((el) => {
    el.setAttribute("aria-label", t(el.dataset.i18nAriaLabel));
  });
  const title = document.querySelector("title[data-i18n]");
  if (title) document.title = t(title.dataset.i18n);
}

/* Fill a <select> with the languages and keep it in step with the chosen one. */
function initLangSwitch(select) {
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
