"""The refusals of shifts: the roster and its templates, leave, swaps, handovers, attendance; the house rules."""

from __future__ import annotations

from callcenter.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound, Refusal, Words


class Refused(DomainError):
    """A house rule refuses the request: the answer's error id is the rule's name (``swap_monthly_limit`` ...), and
    ``details["rule"]`` names it too."""

    status = 409


def house_rule(rule: str, *, en: str, zh: str, variant: str = "") -> Refusal:
    """The refusal of one house rule; its text ends naming the rule (the pages and the rules' tests read it)."""
    return Refusal(f"shifts.{rule}" + (f".{variant}" if variant else ""), Refused, en=f"{en} (rule {rule})",
                   zh=f"{zh}（规则 {rule}）", error_id=rule, details={"rule": rule})


UNKNOWN_LEVEL = Refusal(
    "shifts.unknown_level", InvalidInput,
    en="{field} must be one of {levels}, got {v!r}",
    zh="{field} 必须是 {levels} 之一，收到的是 {v!r}",
)
JOB_LENGTH = Refusal(
    "shifts.job_length", InvalidInput,
    en="job must be 1-32 characters, got {v!r}",
    zh="岗位名称必须是 1-32 个字符，收到的是 {v!r}",
)
TEMPLATE_NOT_FOUND = Refusal(
    "shifts.template_not_found", NotFound,
    en="shift template {template_id} does not exist",
    zh="班次模板 {template_id} 不存在",
)
SHIFT_ZERO_LENGTH = Refusal(
    "shifts.shift_zero_length", InvalidInput,
    en=("a shift must end at another time than it starts ({start}); a night shift ends the next morning (end "
        "before start)"),
    zh="班次的结束时间不能与开始时间（{start}）相同；夜班在次日早上结束（结束早于开始）",
)
TEMPLATE_NAME_LENGTH = Refusal(
    "shifts.template_name_length", InvalidInput,
    en="name must be 1-32 characters, got {name!r}",
    zh="名称必须是 1-32 个字符，收到的是 {name!r}",
)
TEMPLATE_NAME_TAKEN = Refusal(
    "shifts.template_name_taken", Conflict,
    en="a shift template named {name!r} exists already",
    zh="已有名为 {name!r} 的班次模板",
)
TEMPLATE_TIMES_ON_ROSTER = Refusal(
    "shifts.template_times_on_roster", Conflict,
    en="shift template {name!r} is on the roster; its times cannot change (make a new template for the new times)",
    zh="班次模板 {name!r} 已排入排班，不能修改时间（请为新时间新建模板）",
)
TEMPLATE_IN_USE = Refusal(
    "shifts.template_in_use", Conflict,
    en="shift template {name!r} is used by the roster or leave requests; deactivate it instead (active: false)",
    zh="班次模板 {name!r} 已被排班或请假申请使用；请改为停用（active: false）",
)
HOLIDAY_NAME_LENGTH = Refusal(
    "shifts.holiday_name_length", InvalidInput,
    en="name must be 1-64 characters, got {name!r}",
    zh="名称必须是 1-64 个字符，收到的是 {name!r}",
)
HOLIDAY_EXISTS = Refusal(
    "shifts.holiday_exists", Conflict,
    en="{day_text} is a public holiday already",
    zh="{day_text} 已经是法定节假日",
)
HOLIDAY_NOT_FOUND = Refusal(
    "shifts.holiday_not_found", NotFound,
    en="{day_text} is not a public holiday",
    zh="{day_text} 不是法定节假日",
)
RANGE_REVERSED = Refusal(
    "shifts.range_reversed", InvalidInput,
    en="'to' must not be before 'from'",
    zh="'to'（结束日期）不能早于 'from'（开始日期）",
)
RANGE_TOO_LONG = Refusal("shifts.range_too_long", InvalidInput, en="at most 62 days at a time", zh="一次最多 62 天")
UNKNOWN_AGENT = Refusal(
    "shifts.unknown_agent", InvalidInput,
    en="unknown agent {username!r} (no active user by that name)",
    zh="未知的座席 {username!r}（没有该名称的在用用户）",
)
NOT_AGENT_OR_LEAD = Refusal(
    "shifts.not_agent_or_lead", InvalidInput,
    en="{username!r} is not an agent or team lead (roles {roles})",
    zh="{username!r} 不是座席或班长（角色 {roles}）",
)
JOB_MISMATCH = Refusal(
    "shifts.job_mismatch", InvalidInput,
    en="shift {name!r} needs job {job!r}, the entry has {job2!r}",
    zh="班次 {name!r} 需要岗位 {job!r}，该排班是 {job2!r}",
)
SKILL_TOO_LOW = Refusal(
    "shifts.skill_too_low", InvalidInput,
    en="shift {name!r} needs skill level {skill_level} or higher, {username} is {skill_level2}",
    zh="班次 {name!r} 需要技能级别 {skill_level} 或以上，{username} 是 {skill_level2}",
)
OVERLAPPING_ASSIGNMENT = Refusal(
    "shifts.overlapping_assignment", InvalidInput,
    en=("overlapping assignment: {username} is already on shift {name!r} of {day} (entry {conflicting_entry}) at "
        "that time"),
    zh="排班重叠：{username} 在该时段已排有 {day} 的班次 {name!r}（排班编号 {conflicting_entry}）",
)
SEAT_NOT_FOUND = Refusal(
    "shifts.seat_not_found", InvalidInput,
    en="seat {seat!r} does not exist or is disabled",
    zh="座席 {seat!r} 不存在或已停用",
)
SEAT_TAKEN = Refusal(
    "shifts.seat_taken", Conflict,
    en="seat {seat} is given to {username} on shift {name!r} of {day} (entry {conflicting_entry}) at that time",
    zh="座席 {seat} 在该时段已分配给 {username}（{day} 的班次 {name!r}，排班编号 {conflicting_entry}）",
)
ROSTER_ENTRY_STARTED = Refusal(
    "shifts.roster_entry_started", Conflict,
    en="{what}: the shift of {day} started at {starts_at}; its roster entry is history now",
    zh="{what}：{day} 的班次已于 {starts_at} 开始；该排班已成为历史",
)
TEMPLATE_INACTIVE = Refusal(
    "shifts.template_inactive", InvalidInput,
    en="shift template {name!r} is inactive",
    zh="班次模板 {name!r} 已停用",
)
ROSTER_ENTRY_NOT_FOUND = Refusal(
    "shifts.roster_entry_not_found", NotFound,
    en="roster entry {roster_id} does not exist",
    zh="排班 {roster_id} 不存在",
)
ROSTER_ENTRY_IN_SWAP = Refusal(
    "shifts.roster_entry_in_swap", Conflict,
    en="roster entry {id} is in pending swap request {swap_id}; decide that first",
    zh="排班 {id} 在待审批的换班申请 {swap_id} 中；请先处理该申请",
)
ROSTER_ENTRY_SWAPPED = Refusal(
    "shifts.roster_entry_swapped", Conflict,
    en="roster entry {roster_id} is part of a swap record; reassign it instead (PATCH username)",
    zh="排班 {roster_id} 属于一条换班记录；请改为重新指派（PATCH username）",
)
UNKNOWN_LEAVE_KIND = Refusal(
    "shifts.unknown_leave_kind", InvalidInput,
    en="kind must be one of {leave_kinds}, got {kind!r}",
    zh="假别必须是 {leave_kinds} 之一，收到的是 {kind!r}",
)
LEAVE_END_BEFORE_START = Refusal(
    "shifts.leave_end_before_start", InvalidInput,
    en="end_day must not be before start_day",
    zh="结束日期 end_day 不能早于开始日期 start_day",
)
LEAVE_TOO_LONG = Refusal(
    "shifts.leave_too_long", InvalidInput,
    en="at most {max_days} days in one request",
    zh="一次申请最多 {max_days} 天",
)
PHONED_IN_NEEDS_TIMEZONE = Refusal(
    "shifts.phoned_in_needs_timezone", InvalidInput,
    en="phoned_in_at needs a timezone (e.g. 2026-03-02T07:30:00+08:00)",
    zh="phoned_in_at（来电请假时间）需要带时区（例如 2026-03-02T07:30:00+08:00）",
)
PHONED_IN_NOT_SICK = Refusal(
    "shifts.phoned_in_not_sick", InvalidInput,
    en="phoned_in_at is for sick leave",
    zh="phoned_in_at（来电请假时间）只用于病假",
)
PHONED_IN_FUTURE = Refusal(
    "shifts.phoned_in_future", InvalidInput,
    en="phoned_in_at is in the future",
    zh="phoned_in_at（来电请假时间）在将来",
)
LEAVE_IN_PAST = house_rule(
    "leave_in_past",
    en="leave for {start_day}..{end_day_text} is in the past",
    zh="{start_day}..{end_day_text} 的请假已是过去的日期",
)
SICK_LEAVE_TOO_OLD = house_rule(
    "sick_leave_too_old",
    en="sick leave can be recorded at most {sick_leave_backdate_days} days back (from {oldest_text})",
    zh="病假最多只能补录 {sick_leave_backdate_days} 天内的（从 {oldest_text} 起）",
)
SICK_LEAVE_CERTIFICATE = house_rule(
    "sick_leave_certificate",
    en=("sick leave for past days is recorded with the medical certificate handed in on the first day back (set "
        "certificate)"),
    zh="过去日期的病假须凭返岗第一天交来的医疗证明补录（请设置 certificate）",
)
SICK_LEAVE_NEEDS_PHONED_IN = Refusal(
    "shifts.sick_leave_needs_phoned_in", InvalidInput,
    en="sick leave for past days needs phoned_in_at: when it was phoned in",
    zh="过去日期的病假需要 phoned_in_at：当时来电请假的时间",
)
LEAVE_TEMPLATE_NOT_FOUND = Refusal(
    "shifts.leave_template_not_found", InvalidInput,
    en="shift template {template_id} does not exist",
    zh="班次模板 {template_id} 不存在",
)
LEAVE_OVERLAPS = Refusal(
    "shifts.leave_overlaps", Conflict,
    en="you have leave request {leave_id} ({status}) for {start_day}..{end_day} already",
    zh="你已有 {start_day}..{end_day} 的请假申请 {leave_id}（{status}）",
)
SICK_LEAVE_NOT_PHONED_IN = house_rule(
    "sick_leave_not_phoned_in",
    en="sick leave is phoned in before the shift; the shift began at {shift_start}, the call was at {phoned_in_at}",
    zh="病假须在班次开始前来电请假；班次开始于 {shift_start}，来电时间为 {phoned_in_at}",
)
LEAVE_HOLIDAY_NOT_EXCEPTIONAL = house_rule(
    "leave_holiday_not_exceptional",
    en=("{first} is a public holiday ({holidays}); leave on holidays is for exceptional cases only (set "
        "exceptional with a reason)"),
    zh="{first} 是法定节假日（{holidays}）；节假日请假仅限特殊情况（请勾选特殊情况并填写原因）",
)
EXCEPTIONAL_NEEDS_REASON = Refusal(
    "shifts.exceptional_needs_reason", InvalidInput,
    en="exceptional leave needs a reason",
    zh="特殊情况请假需要填写原因",
)
LEAVE_HOLIDAY_NOTICE = house_rule(
    "leave_holiday_notice",
    en=("leave on the public holiday {first} must be asked at least {holiday_leave_notice_hours:g} hours ahead (by "
        "{deadline})"),
    zh="法定节假日 {first} 的请假须至少提前 {holiday_leave_notice_hours:g} 小时申请（截至 {deadline}）",
)
LEAVE_NIGHT_AFTER_NOON = house_rule(
    "leave_night_after_noon",
    en="leave for the night shift of {d} must be asked before {cutoff} that day",
    zh="{d} 夜班的请假须在当天 {cutoff} 之前申请",
)
LEAVE_IN_SWAPPED_SHIFT = house_rule(
    "leave_in_swapped_shift",
    en="the shift of {d} is in swap request {swap_id} ({status}); no leave during a swap",
    zh="{d} 的班次在换班申请 {swap_id}（{status}）中；换班期间不能请假",
)
LEAVE_NOT_FOUND = Refusal(
    "shifts.leave_not_found", NotFound,
    en="leave request {leave_id} does not exist",
    zh="请假申请 {leave_id} 不存在",
)
LEAVE_DECIDED = Refusal(
    "shifts.leave_decided", Conflict,
    en="leave request {id} is {status} already",
    zh="请假申请 {id} 已经是 {status}",
)
OWN_LEAVE = Refusal(
    "shifts.own_leave", Forbidden,
    en="you cannot decide your own leave request",
    zh="你不能审批自己的请假申请",
)
LEAVE_APPROVER_LEVEL = Refusal(
    "shifts.leave_approver_level", Forbidden,
    en=("leave request {id} ({days} day(s)) is approved level by level ({chain_text}); it waits for the {step}; "
        "you are {held}"),
    zh="请假申请 {id}（{days} 天）须逐级审批（{chain_text}）；当前等待 {step} 审批；你的审批职务：{held}",
    error_id="leave_approver_level",
)
LEAVE_REJECT_LEVEL = Refusal(
    "shifts.leave_reject_level", Forbidden,
    en=("leave request {id} waits for the {step}; it is rejected by an approver of a step still to come "
        "({chain_text}); you are {held}"),
    zh="请假申请 {id} 正在等待 {step} 审批；只有后续步骤的审批人（{chain_text}）才能驳回；你的审批职务：{held}",
    error_id="leave_approver_level",
)
LEAVE_STEP_APPROVED = Refusal(
    "shifts.leave_step_approved", Forbidden,
    en="you approved a step of leave request {leave_id} already; the next step is another approver's",
    zh="你已审批过请假申请 {leave_id} 的一个步骤；下一步须由其他审批人审批",
)
LEAVE_WITHDRAW_NOT_OWN = Refusal(
    "shifts.leave_withdraw_not_own", Forbidden,
    en="only the requester may withdraw a leave request",
    zh="只有申请人本人才能撤回请假申请",
)
UNKNOWN_POSITION = Refusal(
    "shifts.unknown_position", InvalidInput,
    en="position must be one of {positions}, got {position!r}",
    zh="职位必须是 {positions} 之一，收到的是 {position!r}",
)
UNKNOWN_USER = Refusal(
    "shifts.unknown_user", InvalidInput,
    en="unknown user {username!r}",
    zh="未知的用户 {username!r}",
)
NOT_AN_APPROVER = Refusal(
    "shifts.not_an_approver", NotFound,
    en="{username!r} holds no approver position",
    zh="{username!r} 没有审批职位",
)
SWAP_ENTRY_NOT_FOUND = Refusal(
    "shifts.swap_entry_not_found", InvalidInput,
    en="roster entry {roster_id} does not exist",
    zh="排班 {roster_id} 不存在",
)
SWAP_SHIFT_STARTED = house_rule(
    "swap_shift_started",
    en="the shift of {username} on {day} has started; it cannot be swapped",
    zh="{username} 在 {day} 的班次已开始，不能换班",
)
SWAP_PUBLIC_HOLIDAY = house_rule(
    "swap_public_holiday",
    en="no shift swaps on public holidays: {d} is {holidays}",
    zh="法定节假日不能换班：{d} 是 {holidays}",
)
SWAP_JOB_MISMATCH = house_rule(
    "swap_job_mismatch",
    en=("swaps are between the same job: {username} is {requester_job!r} on that shift, {username2} is "
        "{counterpart_job!r}"),
    zh="只能在同一岗位之间换班：{username} 在该班次是 {requester_job!r}，{username2} 是 {counterpart_job!r}",
)
SWAP_SKILL_MISMATCH = house_rule(
    "swap_skill_mismatch",
    en=("swaps are between the same skill level: {username} is {requester_level}, {username2} is "
        "{counterpart_level}"),
    zh="只能在同一技能级别之间换班：{username} 是 {requester_level}，{username2} 是 {counterpart_level}",
)
SWAP_LEAVE_IN_SHIFT = house_rule(
    "swap_leave_in_shift",
    en=("{username} has a {status} leave request ({leave_id}) in the shift of {day_text} to be swapped; no leave "
        "during a swap"),
    zh="{username} 在要换的 {day_text} 班次中有一条 {status} 的请假申请（{leave_id}）；换班期间不能请假",
)
SWAP_MONTHLY_LIMIT = house_rule(
    "swap_monthly_limit",
    en="{username} already has {count} swap(s) in {month}; at most {limit} per person per month",
    zh="{username} 在 {month} 已有 {count} 次换班；每人每月最多 {limit} 次",
)
SWAP_CONSECUTIVE = house_rule(
    "swap_consecutive",
    en="no consecutive swaps: {username} has swap {swap_id} on {d_old}, next to {d_new}",
    zh="不能连续换班：{username} 在 {d_old} 有换班 {swap_id}，与 {d_new} 相邻",
)
SWAP_OVERLAP = house_rule(
    "swap_overlap",
    en=("{username} is already on another shift ({day}, entry {conflicting_entry}) overlapping the shift of {day2} "
        "they would take"),
    zh="{username} 已排有另一个班次（{day}，排班编号 {conflicting_entry}），与要接的 {day2} 班次时间重叠",
)
SWAP_NOT_YOURS = Refusal(
    "shifts.swap_not_yours", Forbidden,
    en="roster entry {roster_id} is {username}'s, not yours; ask for your own shifts",
    zh="排班 {roster_id} 是 {username} 的，不是你的；请用你自己的班次申请",
)
SWAP_WITH_SELF = Refusal(
    "shifts.swap_with_self", InvalidInput,
    en="swap with another agent's shift, not your own",
    zh="请与其他座席的班次换班，而不是你自己的",
)
SWAP_PENDING = Refusal(
    "shifts.swap_pending", Conflict,
    en="one of these shifts is already in pending swap request {swap_id}",
    zh="其中一个班次已在待审批的换班申请 {swap_id} 中",
)
SWAP_NOT_FOUND = Refusal(
    "shifts.swap_not_found", NotFound,
    en="swap request {swap_id} does not exist",
    zh="换班申请 {swap_id} 不存在",
)
SWAP_DECIDED = Refusal(
    "shifts.swap_decided", Conflict,
    en="swap request {id} is {status} already",
    zh="换班申请 {id} 已经是 {status}",
)
SWAP_OWN_SHIFT = Refusal(
    "shifts.swap_own_shift", Forbidden,
    en="you cannot approve a swap of your own shift",
    zh="你不能审批自己班次的换班",
)
SWAP_SAME_APPROVER = house_rule(
    "swap_same_approver",
    en="{username} approved this swap already; the other side needs another team lead's approval",
    zh="{username} 已审批过这次换班；另一方须由另一位班长审批",
)
UNKNOWN_SWAP_SIDE = Refusal(
    "shifts.unknown_swap_side", InvalidInput,
    en="side must be one of {sides}",
    zh="side 必须是 {sides} 之一",
)
SWAP_SIDE_APPROVED = Refusal(
    "shifts.swap_side_approved", Conflict,
    en="the {side} side was approved by {done} already",
    zh="{side} 一方已由 {done} 审批",
)
SWAP_ROSTER_CHANGED = Refusal(
    "shifts.swap_roster_changed", Conflict,
    en="the roster changed since the request; the swap cannot be applied",
    zh="申请之后排班已变动，不能执行这次换班",
)
SWAP_WITHDRAW_NOT_OWN = Refusal(
    "shifts.swap_withdraw_not_own", Forbidden,
    en="only the two agents of a swap may withdraw it",
    zh="只有换班的两位座席才能撤回",
)
HANDOVER_TEMPLATE_NOT_FOUND = Refusal(
    "shifts.handover_template_not_found", InvalidInput,
    en="shift template {template_id} does not exist",
    zh="班次模板 {template_id} 不存在",
)
HANDOVER_EMPTY = Refusal(
    "shifts.handover_empty", InvalidInput,
    en="write at least one of {fields}",
    zh="请至少填写 {fields} 中的一项",
)
HANDOVER_SHIFT_NOT_STARTED = Refusal(
    "shifts.handover_shift_not_started", Conflict,
    en="the {name} shift of {day} has not started; its outgoing lead writes the handover",
    zh="{day} 的 {name} 班次尚未开始；由交班班长写交接日志",
)
HANDOVER_CLOSED = Refusal(
    "shifts.handover_closed", Conflict,
    en="the handover of {day} {name} was acknowledged by {acknowledged_by}; it is closed",
    zh="{day} {name} 的交接日志已由 {acknowledged_by} 确认，已关闭",
)
HANDOVER_NOT_AUTHOR = Refusal(
    "shifts.handover_not_author", Conflict,
    en="the handover of {day} {name} is written by {author}; only they change it",
    zh="{day} {name} 的交接日志由 {author} 撰写；只有本人可以修改",
)
HANDOVER_NOT_FOUND = Refusal(
    "shifts.handover_not_found", NotFound,
    en="no handover written for {day_text} {name}",
    zh="{day_text} {name} 还没有交接日志",
)
HANDOVER_ACKNOWLEDGED = Refusal(
    "shifts.handover_acknowledged", Conflict,
    en="acknowledged already by {acknowledged_by}",
    zh="已由 {acknowledged_by} 确认",
)
HANDOVER_AUTHOR_ACKS = Refusal(
    "shifts.handover_author_acks", Conflict,
    en="the incoming team lead acknowledges the handover, not its author",
    zh="交接日志由接班班长确认，而不是撰写人",
)
ATTENDANCE_RANGE_TOO_LONG = Refusal(
    "shifts.attendance_range_too_long", InvalidInput,
    en="at most {most} days at a time",
    zh="一次最多 {most} 天",
)
BAD_LOCAL_TIME = Refusal(
    "shifts.bad_local_time", InvalidInput,
    en="{field} must be a local time HH:MM (00:00-23:59), got {v!r}",
    zh="{field} 必须是本地时间 HH:MM（00:00-23:59），收到的是 {v!r}",
)
BAD_MONTH = Refusal(
    "shifts.bad_month", InvalidInput,
    en="month must be YYYY-MM, got {month!r}",
    zh="月份必须是 YYYY-MM 格式，收到的是 {month!r}",
)
NEEDS_ROLE = Refusal("shifts.needs_role", Forbidden, en="{what} needs role {roles}", zh="{what} 需要角色 {roles}")

# What the caller was doing when NEEDS_ROLE refused it ({what}), in each language's words: require() looks them up by
# the English its call gives (tests/unit/test_error_catalogue.py checks that every call's wording is here).
ACTIONS = {en: Words(en, zh) for en, zh in {
    "deciding leave": "审批请假",
    "setting approver positions": "设置审批职务",
    "removing approver positions": "移除审批职务",
    "approving a swap": "批准换班",
    "rejecting a swap": "驳回换班",
    "writing the handover log": "填写交接班记录",
    "acknowledging the handover log": "确认交接班记录",
}.items()}

# The approver positions (callcenter.shifts.models.POSITIONS) as the leave-level refusals name them, in each language
# (the shifts page's words: js/i18n/shifts.js shifts.position.*).
_POSITION_ZH = {"team_lead": "班长", "department_head": "部门负责人", "centre_director": "中心主任"}
NO_POSITION = Words("not an approver", "无审批职务")


def position_words(positions: list[str], en_sep: str = ", ", zh_sep: str = "、") -> Words:
    """Positions in each language's words: ["department_head", "centre_director"], " then ", " → " reads
    "department head then centre director" / "部门负责人 → 中心主任"."""
    return Words(en_sep.join(p.replace("_", " ") for p in positions),
                 zh_sep.join(_POSITION_ZH.get(p, p) for p in positions))


SWAP_BACK_TO_BACK_BEFORE = house_rule(
    "swap_back_to_back", variant="before",
    en=("{username} would work two shifts back to back: their shift of {day} (entry {conflicting_entry}) ends when "
        "the shift of {day2} they would take starts; no consecutive shifts"),
    zh=("{username} 将连上两个班次：其 {day} 的班次（排班编号 {conflicting_entry}）结束时，要接的 {day2} "
        "班次正好开始；不能连班"),
)
SWAP_BACK_TO_BACK_AFTER = house_rule(
    "swap_back_to_back", variant="after",
    en=("{username} would work two shifts back to back: their shift of {day} (entry {conflicting_entry}) starts "
        "when the shift of {day2} they would take ends; no consecutive shifts"),
    zh=("{username} 将连上两个班次：其 {day} 的班次（排班编号 {conflicting_entry}）开始时，要接的 {day2} "
        "班次正好结束；不能连班"),
)
