"""The ACD's refusals: seat log-in, ready/pause, supervisor actions, transfer and click-to-call."""

from __future__ import annotations

from callcenter.errors import Conflict, InvalidInput, NotFound, Refusal, Unavailable, Words

# the agent states in the pages' words (agent_ui/static/js/i18n/agent.js, agent.state.*)
_STATE_ZH = {"logged_out": "未签入", "ready": "就绪", "ringing": "振铃中", "on_call": "通话中", "wrapup": "话后处理",
             "paused": "暂停"}


def state_words(state: str) -> Words:
    """An agent state as the refusals show it: "on call" / "通话中"."""
    return Words(en=state.replace("_", " "), zh=_STATE_ZH.get(state, state))


UNKNOWN_PAUSE_REASON = Refusal(
    "acd.unknown_pause_reason", InvalidInput,
    en="unknown pause reason {code!r}; one of {selectable_reasons}",
    zh="未知的暂停原因 {code!r}；可选：{selectable_reasons}",
)
PAUSE_REASON_SYSTEM_ONLY = Refusal(
    "acd.pause_reason_system_only", InvalidInput,
    en="pause reason {code!r} is set by the system only",
    zh="暂停原因 {code!r} 只能由系统设置",
)
LOGIN_NEEDS_AGENT_ROLE = Refusal(
    "acd.login_needs_agent_role", InvalidInput,
    en="only users with the agent role log in at a seat",
    zh="只有具有座席角色的用户才能在座席签入",
)
SEAT_NOT_FOUND = Refusal(
    "acd.seat_not_found", NotFound,
    en="seat {extension!r} does not exist or is disabled",
    zh="座席 {extension!r} 不存在或已停用",
)
ALREADY_LOGGED_IN = Refusal(
    "acd.already_logged_in", Conflict,
    en="you are already logged in at seat {seat}; log out there first",
    zh="你已在座席 {seat} 签入；请先在那里签出",
)
SEAT_TAKEN = Refusal(
    "acd.seat_taken", Conflict,
    en="seat {seat} is taken by {taken_by}",
    zh="座席 {seat} 已被 {taken_by} 占用",
)
CANNOT_GO_READY = Refusal(
    "acd.cannot_go_ready", Conflict,
    en="cannot go ready while {state_text}",
    zh="当前状态（{state_text}）不能就绪",
)
CANNOT_PAUSE = Refusal(
    "acd.cannot_pause", Conflict,
    en="cannot pause while {state_text}; pause in wrap-up or when ready",
    zh="当前状态（{state_text}）不能暂停；请在话后处理或就绪时暂停",
)
CANNOT_LOG_OUT = Refusal(
    "acd.cannot_log_out", Conflict,
    en="cannot log out while {state_text}",
    zh="当前状态（{state_text}）不能签出",
)
NOT_LOGGED_IN = Refusal("acd.not_logged_in", Conflict, en="log in at a seat first", zh="请先在座席签入")
AGENT_NOT_LOGGED_IN = Refusal(
    "acd.agent_not_logged_in", Conflict,
    en="{agent} is not logged in at a seat",
    zh="{agent} 没有在座席签入",
)
FORCE_PAUSE_ON_CALL = Refusal(
    "acd.force_pause_on_call", Conflict,
    en="{username} is {state_text}; pause them after the call",
    zh="{username} 当前状态为 {state_text}；请在通话结束后再暂停",
)
FORCE_LOGOUT_ON_CALL = Refusal(
    "acd.force_logout_on_call", Conflict,
    en="{username} is {state_text}; log them out after the call",
    zh="{username} 当前状态为 {state_text}；请在通话结束后再签出",
)
UNKNOWN_SPY_MODE = Refusal(
    "acd.unknown_spy_mode", InvalidInput,
    en="mode must be one of {spy_modes}, got {mode!r}",
    zh="监听方式必须是 {spy_modes} 之一，收到的是 {mode!r}",
)
AGENT_NOT_ON_CALL = Refusal(
    "acd.agent_not_on_call", Conflict,
    en="{username} is not on a call ({state_text})",
    zh="{username} 不在通话中（{state_text}）",
)
SPY_SEAT_NOT_FOUND = Refusal(
    "acd.spy_seat_not_found", InvalidInput,
    en="seat {seat!r} does not exist or is disabled",
    zh="座席 {seat!r} 不存在或已停用",
)
SPY_SEAT_IS_AGENTS = Refusal(
    "acd.spy_seat_is_agents", InvalidInput,
    en="seat {seat} is {username}'s own phone; pick your own seat",
    zh="座席 {seat} 是 {username} 自己的电话；请选择你自己的座席",
)
SPY_SEAT_TAKEN = Refusal(
    "acd.spy_seat_taken", InvalidInput,
    en="seat {seat} is taken by {username}; pick your own seat",
    zh="座席 {seat} 已被 {username} 占用；请选择你自己的座席",
)
TRANSFER_NEEDS_CALL = Refusal(
    "acd.transfer_needs_call", Conflict,
    en="transfer needs a call in progress",
    zh="转接需要一通进行中的通话",
)
UNKNOWN_QUEUE = Refusal(
    "acd.unknown_queue", InvalidInput,
    en="unknown queue {target!r}; one of {queue_names}",
    zh="未知的队列 {target!r}；可选：{queue_names}",
)
EXTENSION_NOT_DIGITS = Refusal(
    "acd.extension_not_digits", InvalidInput,
    en="extension must be digits, got {target!r}",
    zh="分机号必须是数字，收到的是 {target!r}",
)
TRANSFER_TO_OWN_SEAT = Refusal(
    "acd.transfer_to_own_seat", InvalidInput,
    en="cannot transfer a call to your own seat",
    zh="不能把通话转接到你自己的座席",
)
CALLER_CHANNEL_UNKNOWN = Refusal(
    "acd.caller_channel_unknown", Conflict,
    en="the caller's channel is not known (call not tracked)",
    zh="来电方的通道未知（该通话未被跟踪）",
)
AGENT_CHANNEL_UNKNOWN = Refusal(
    "acd.agent_channel_unknown", Conflict,
    en="your phone's channel for this call is not known",
    zh="你的电话在这通通话中的通道未知",
)
CANNOT_DIAL = Refusal(
    "acd.cannot_dial", Conflict,
    en="cannot place a call while {state_text}",
    zh="当前状态（{state_text}）不能外呼",
)
NUMBER_NOT_DIGITS = Refusal(
    "acd.number_not_digits", InvalidInput,
    en="phone number {number!r} must be 3-20 digits",
    zh="电话号码 {number!r} 必须是 3-20 位数字",
)
ASTERISK_ACTION_FAILED = Refusal(
    "acd.asterisk_action_failed", Unavailable,
    en="{what} failed: {e}",
    zh="{what}失败：{e}",
)
MUTE_NEEDS_CALL = Refusal(
    "acd.mute_needs_call", Conflict,
    en="the recording can be muted only during a call",
    zh="只有在通话中才能暂停录音",
)

# The admin page's edits of what this domain owns (the directory: skills, seats, queues, pause reasons).
USER_ON_CALL = Refusal(
    "acd.user_on_call", Conflict,
    en="{username} is {state_text} at seat {seat}; try again after the call",
    zh="{username} 正在座席 {seat} {state_text}；请在通话结束后重试",
)
SKILLS_NOT_AGENT = Refusal(
    "acd.skills_not_agent", Conflict,
    en="{username} does not have the agent role; only agents have skills",
    zh="{username} 没有座席角色；只有座席才有技能",
)
SKILL_UNKNOWN_QUEUE = Refusal(
    "acd.skill_unknown_queue", InvalidInput,
    en="unknown queue {queue!r} in {field_text}.queue; known: {queues}",
    zh="{field_text}.queue 中的队列 {queue!r} 未知；已有：{queues}",
)
SKILL_BAD_LEVEL = Refusal(
    "acd.skill_bad_level", InvalidInput,
    en="{field_text}.level must be one of {levels}, got {level!r}",
    zh="{field_text}.level 必须是 {levels} 之一，收到的是 {level!r}",
)
SKILL_QUEUE_TWICE = Refusal(
    "acd.skill_queue_twice", InvalidInput,
    en="queue {queue!r} is given twice in skills",
    zh="技能中的队列 {queue!r} 重复了",
)
DIRECTORY_SEAT_NOT_FOUND = Refusal(
    "acd.directory_seat_not_found", NotFound,
    en="seat {extension!r} does not exist",
    zh="座席 {extension!r} 不存在",
)
SIP_PASSWORD_TOO_SHORT = Refusal(
    "acd.sip_password_too_short", InvalidInput,
    en="password must be at least {min_password} characters",
    zh="密码至少需要 {min_password} 个字符",
)
SIP_PASSWORD_CHARACTERS = Refusal(
    "acd.sip_password_characters", InvalidInput,
    en="password must be 8-128 printable ASCII characters without spaces, ';', '\\' or '\"'",
    zh="密码必须是 8-128 个可打印的 ASCII 字符，不能有空格、';'、'\\' 或 '\"'",
)
DEV_PASSWORD = Refusal(
    "acd.dev_password", InvalidInput,
    en="password: placeholder passwords ending in '-dev' are refused outside dev mode",
    zh="密码：以 '-dev' 结尾的占位密码在非开发模式下会被拒绝",
)
BAD_STATIC_CONTACT = Refusal(
    "acd.bad_static_contact", InvalidInput,
    en="static_contact {v!r} must look like sip:1001@192.0.2.10:5060 (or be empty)",
    zh="static_contact {v!r} 必须形如 sip:1001@192.0.2.10:5060（或留空）",
)
SEAT_IN_USE = Refusal(
    "acd.seat_in_use", Conflict,
    en="agent {logged_in} is logged in at seat {extension}; they must log out first",
    zh="座席 {logged_in} 已在座席 {extension} 签入；须先签出",
)
BAD_EXTENSION = Refusal(
    "acd.bad_extension", InvalidInput,
    en="extension {ext!r} must be 2-16 digits",
    zh="分机号 {ext!r} 必须是 2-16 位数字",
)
SEAT_EXISTS = Refusal("acd.seat_exists", Conflict, en="seat {extension} already exists", zh="座席 {extension} 已存在")
QUEUE_NOT_FOUND = Refusal(
    "acd.queue_not_found", NotFound,
    en="queue {queue!r} does not exist",
    zh="队列 {queue!r} 不存在",
)
BAD_ANNOUNCE = Refusal(
    "acd.bad_announce", InvalidInput,
    en="announce {v!r} must be a prompt name (letters, digits, '-', '_', '/') or empty",
    zh="announce {v!r} 必须是提示音名称（字母、数字、'-'、'_'、'/'）或留空",
)
ANNOUNCE_NOT_FOUND = Refusal(
    "acd.announce_not_found", InvalidInput,
    en="announce: no prompt named {v!r} (upload it on the IVR page first)",
    zh="announce：没有名为 {v!r} 的提示音（请先在 IVR 页面上传）",
)
UNKNOWN_STRATEGY = Refusal(
    "acd.unknown_strategy", InvalidInput,
    en="strategy must be one of {strategies}, got {v!r}",
    zh="strategy 必须是 {strategies} 之一，收到的是 {v!r}",
)
UNKNOWN_ROUTING = Refusal(
    "acd.unknown_routing", InvalidInput,
    en="routing must be one of {routings}, got {v!r}",
    zh="routing 必须是 {routings} 之一，收到的是 {v!r}",
)
NUMBER_OUT_OF_RANGE = Refusal(
    "acd.number_out_of_range", InvalidInput,
    en="{field} must be {lo}-{hi}, got {v}",
    zh="{field} 必须是 {lo}-{hi}，收到的是 {v}",
)
FALLBACK_QUEUE = Refusal(
    "acd.fallback_queue", Conflict,
    en=("queue {queue!r} is the IVR fallback queue (setting ivr.default_queue: callers go there when no flow is "
        "published); it cannot be {what}"),
    zh="队列 {queue!r} 是 IVR 的后备队列（设置 ivr.default_queue：没有发布流程时来电进入该队列）；不能{what}",
)
BAD_QUEUE_NAME = Refusal(
    "acd.bad_queue_name", InvalidInput,
    en="queue name {name!r} must be 1-64 letters, digits, '-' or '_'",
    zh="队列名称 {name!r} 必须是 1-64 个字母、数字、'-' 或 '_'",
)
RESERVED_QUEUE_NAME = Refusal(
    "acd.reserved_queue_name", InvalidInput,
    en="queue name {name!r} is reserved by Asterisk's queues.conf",
    zh="队列名称 {name!r} 是 Asterisk 的 queues.conf 保留的",
)
QUEUE_EXISTS = Refusal("acd.queue_exists", Conflict, en="queue {queue!r} already exists", zh="队列 {queue!r} 已存在")
QUEUE_RENAME = Refusal(
    "acd.queue_rename", InvalidInput,
    en="queue {name!r} cannot be renamed (create a new queue and move the skills and IVR flows to it)",
    zh="队列 {name!r} 不能改名（请新建队列，并把技能和 IVR 流程移过去）",
)
QUEUE_IN_PUBLISHED_FLOW = Refusal(
    "acd.queue_in_published_flow", Conflict,
    en="queue {name!r} is used by the published IVR flow(s) {live}; publish them without it before deactivating it",
    zh="队列 {name!r} 被已发布的 IVR 流程 {live} 使用；请先发布不含该队列的流程，再停用它",
)
QUEUE_IN_FLOWS = Refusal(
    "acd.queue_in_flows", Conflict,
    en=("queue {name!r} is used by IVR flow(s) {flows_text} (published: {value}; draft: {value2}); change those "
        "flows first, or deactivate the queue instead"),
    zh=("队列 {name!r} 被 IVR 流程 {flows_text} "
        "使用（已发布：{value}；草稿：{value2}）；请先修改这些流程，或改为停用该队列"),
)
QUEUE_HAS_SKILLS = Refusal(
    "acd.queue_has_skills", Conflict,
    en=("{agents} agent(s) have skills on queue {name!r}; remove those skills first, or deactivate the queue "
        "instead"),
    zh="有 {agents} 位座席具有队列 {name!r} 的技能；请先去掉这些技能，或改为停用该队列",
)
REASON_NOT_FOUND = Refusal(
    "acd.reason_not_found", NotFound,
    en="pause reason {code!r} does not exist",
    zh="暂停原因 {code!r} 不存在",
)
BAD_REASON_CODE = Refusal(
    "acd.bad_reason_code", InvalidInput,
    en="code {code!r} must be 1-32 of a-z, 0-9, '_'",
    zh="代码 {code!r} 必须是 1-32 个 a-z、0-9、'_'",
)
RESERVED_REASON_CODE = Refusal(
    "acd.reserved_reason_code", InvalidInput,
    en="code {code!r} is reserved (the agent state uses it)",
    zh="代码 {code!r} 已保留（座席状态使用它）",
)
REASON_EXISTS = Refusal(
    "acd.reason_exists", Conflict,
    en="pause reason {code!r} already exists",
    zh="暂停原因 {code!r} 已存在",
)
SYSTEM_REASON = Refusal(
    "acd.system_reason", InvalidInput,
    en="{code!r} is a system pause reason: only its labels and away flag can change",
    zh="{code!r} 是系统暂停原因：只能修改其名称和离席标记",
)
