"""The directory's refusals: the admin page's edits of seats, queues, agents' skills and pause reasons (each names
its field, the missing record or what it conflicts with)."""

from __future__ import annotations

from callcenter.errors import Conflict, InvalidInput, NotFound, Refusal

USER_ON_CALL = Refusal(
    "directory.user_on_call", Conflict,
    en="{username} is {state_text} at seat {seat}; try again after the call",
    zh="{username} 正在座席 {seat} {state_text}；请在通话结束后重试",
)
SKILLS_NOT_AGENT = Refusal(
    "directory.skills_not_agent", Conflict,
    en="{username} does not have the agent role; only agents have skills",
    zh="{username} 没有座席角色；只有座席才有技能",
)
SKILL_UNKNOWN_QUEUE = Refusal(
    "directory.skill_unknown_queue", InvalidInput,
    en="unknown queue {queue!r} in {field_text}.queue; known: {queues}",
    zh="{field_text}.queue 中的队列 {queue!r} 未知；已有：{queues}",
)
SKILL_BAD_LEVEL = Refusal(
    "directory.skill_bad_level", InvalidInput,
    en="{field_text}.level must be one of {levels}, got {level!r}",
    zh="{field_text}.level 必须是 {levels} 之一，收到的是 {level!r}",
)
SKILL_QUEUE_TWICE = Refusal(
    "directory.skill_queue_twice", InvalidInput,
    en="queue {queue!r} is given twice in skills",
    zh="技能中的队列 {queue!r} 重复了",
)
SEAT_NOT_FOUND = Refusal(
    "directory.seat_not_found", NotFound,
    en="seat {extension!r} does not exist",
    zh="座席 {extension!r} 不存在",
)
SIP_PASSWORD_TOO_SHORT = Refusal(
    "directory.sip_password_too_short", InvalidInput,
    en="password must be at least {min_password} characters",
    zh="密码至少需要 {min_password} 个字符",
)
SIP_PASSWORD_CHARACTERS = Refusal(
    "directory.sip_password_characters", InvalidInput,
    en="password must be 8-128 printable ASCII characters without spaces, ';', '\\' or '\"'",
    zh="密码必须是 8-128 个可打印的 ASCII 字符，不能有空格、';'、'\\' 或 '\"'",
)
DEV_PASSWORD = Refusal(
    "directory.dev_password", InvalidInput,
    en="password: placeholder passwords ending in '-dev' are refused outside dev mode",
    zh="密码：以 '-dev' 结尾的占位密码在非开发模式下会被拒绝",
)
BAD_STATIC_CONTACT = Refusal(
    "directory.bad_static_contact", InvalidInput,
    en="static_contact {v!r} must look like sip:1001@192.0.2.10:5060 (or be empty)",
    zh="static_contact {v!r} 必须形如 sip:1001@192.0.2.10:5060（或留空）",
)
SEAT_IN_USE = Refusal(
    "directory.seat_in_use", Conflict,
    en="agent {logged_in} is logged in at seat {extension}; they must log out first",
    zh="座席 {logged_in} 已在座席 {extension} 签入；须先签出",
)
BAD_EXTENSION = Refusal(
    "directory.bad_extension", InvalidInput,
    en="extension {ext!r} must be 2-16 digits",
    zh="分机号 {ext!r} 必须是 2-16 位数字",
)
SEAT_EXISTS = Refusal(
    "directory.seat_exists", Conflict,
    en="seat {extension} already exists",
    zh="座席 {extension} 已存在",
)
QUEUE_NOT_FOUND = Refusal(
    "directory.queue_not_found", NotFound,
    en="queue {queue!r} does not exist",
    zh="队列 {queue!r} 不存在",
)
BAD_ANNOUNCE = Refusal(
    "directory.bad_announce", InvalidInput,
    en="announce {v!r} must be a prompt name (letters, digits, '-', '_', '/') or empty",
    zh="announce {v!r} 必须是提示音名称（字母、数字、'-'、'_'、'/'）或留空",
)
ANNOUNCE_NOT_FOUND = Refusal(
    "directory.announce_not_found", InvalidInput,
    en="announce: no prompt named {v!r} (upload it on the IVR page first)",
    zh="announce：没有名为 {v!r} 的提示音（请先在 IVR 页面上传）",
)
UNKNOWN_STRATEGY = Refusal(
    "directory.unknown_strategy", InvalidInput,
    en="strategy must be one of {strategies}, got {v!r}",
    zh="strategy 必须是 {strategies} 之一，收到的是 {v!r}",
)
UNKNOWN_ROUTING = Refusal(
    "directory.unknown_routing", InvalidInput,
    en="routing must be one of {routings}, got {v!r}",
    zh="routing 必须是 {routings} 之一，收到的是 {v!r}",
)
NUMBER_OUT_OF_RANGE = Refusal(
    "directory.number_out_of_range", InvalidInput,
    en="{field} must be {lo}-{hi}, got {v}",
    zh="{field} 必须是 {lo}-{hi}，收到的是 {v}",
)
FALLBACK_QUEUE = Refusal(
    "directory.fallback_queue", Conflict,
    en=("queue {queue!r} is the IVR fallback queue (setting ivr.default_queue: callers go there when no flow is "
        "published); it cannot be {what}"),
    zh="队列 {queue!r} 是 IVR 的后备队列（设置 ivr.default_queue：没有发布流程时来电进入该队列）；不能{what}",
)
BAD_QUEUE_NAME = Refusal(
    "directory.bad_queue_name", InvalidInput,
    en="queue name {name!r} must be 1-64 letters, digits, '-' or '_'",
    zh="队列名称 {name!r} 必须是 1-64 个字母、数字、'-' 或 '_'",
)
RESERVED_QUEUE_NAME = Refusal(
    "directory.reserved_queue_name", InvalidInput,
    en="queue name {name!r} is reserved by Asterisk's queues.conf",
    zh="队列名称 {name!r} 是 Asterisk 的 queues.conf 保留的",
)
QUEUE_EXISTS = Refusal(
    "directory.queue_exists", Conflict,
    en="queue {queue!r} already exists",
    zh="队列 {queue!r} 已存在",
)
QUEUE_RENAME = Refusal(
    "directory.queue_rename", InvalidInput,
    en="queue {name!r} cannot be renamed (create a new queue and move the skills and IVR flows to it)",
    zh="队列 {name!r} 不能改名（请新建队列，并把技能和 IVR 流程移过去）",
)
QUEUE_IN_PUBLISHED_FLOW = Refusal(
    "directory.queue_in_published_flow", Conflict,
    en="queue {name!r} is used by the published IVR flow(s) {live}; publish them without it before deactivating it",
    zh="队列 {name!r} 被已发布的 IVR 流程 {live} 使用；请先发布不含该队列的流程，再停用它",
)
QUEUE_IN_FLOWS = Refusal(
    "directory.queue_in_flows", Conflict,
    en=("queue {name!r} is used by IVR flow(s) {flows_text} (published: {value}; draft: {value2}); change those "
        "flows first, or deactivate the queue instead"),
    zh=("队列 {name!r} 被 IVR 流程 {flows_text} "
        "使用（已发布：{value}；草稿：{value2}）；请先修改这些流程，或改为停用该队列"),
)
QUEUE_HAS_SKILLS = Refusal(
    "directory.queue_has_skills", Conflict,
    en=("{agents} agent(s) have skills on queue {name!r}; remove those skills first, or deactivate the queue "
        "instead"),
    zh="有 {agents} 位座席具有队列 {name!r} 的技能；请先去掉这些技能，或改为停用该队列",
)
REASON_NOT_FOUND = Refusal(
    "directory.reason_not_found", NotFound,
    en="pause reason {code!r} does not exist",
    zh="暂停原因 {code!r} 不存在",
)
BAD_REASON_CODE = Refusal(
    "directory.bad_reason_code", InvalidInput,
    en="code {code!r} must be 1-32 of a-z, 0-9, '_'",
    zh="代码 {code!r} 必须是 1-32 个 a-z、0-9、'_'",
)
RESERVED_REASON_CODE = Refusal(
    "directory.reserved_reason_code", InvalidInput,
    en="code {code!r} is reserved (the agent state uses it)",
    zh="代码 {code!r} 已保留（座席状态使用它）",
)
REASON_EXISTS = Refusal(
    "directory.reason_exists", Conflict,
    en="pause reason {code!r} already exists",
    zh="暂停原因 {code!r} 已存在",
)
SYSTEM_REASON = Refusal(
    "directory.system_reason", InvalidInput,
    en="{code!r} is a system pause reason: only its labels and away flag can change",
    zh="{code!r} 是系统暂停原因：只能修改其名称和离席标记",
)
