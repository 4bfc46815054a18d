"""The ACD's refusals: seat log-in, ready/pause, supervisor actions, transfer, click-to-call and the conference."""

from __future__ import annotations

from callcenter.errors import Conflict, Forbidden, InvalidInput, NotFound, Refusal, Unavailable, Words

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
SURVEY_TRANSFER_BLIND = Refusal(
    "acd.survey_transfer_blind", InvalidInput,
    en="a caller is sent to the survey by a blind transfer only (they answer it alone)",
    zh="只能以盲转方式把来电者转入满意度调查（由来电者自行作答）",
)
SURVEY_OFF = Refusal(
    "acd.survey_off", Conflict,
    en="the post-call survey is off (settings surveys.ivr.enabled): a caller cannot be sent to it",
    zh="通话后满意度调查未开启（设置 surveys.ivr.enabled）：不能把来电者转入",
)
TRANSFER_TO_OWN_SEAT = Refusal(
    "acd.transfer_to_own_seat", InvalidInput,
    en="cannot transfer a call to your own seat",
    zh="不能把通话转接到你自己的座席",
)
OUTSIDE_NUMBER_NOT_ALLOWED = Refusal(
    "acd.outside_number_not_allowed", Forbidden,
    en="outside number {number} is not allowed for transfers; the numbers allowed are set by the admin "
       "(outside_numbers.transfer)",
    zh="外部号码 {number} 不允许转接；允许转接的外部号码由管理员设置（outside_numbers.transfer）",
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
# the conference on a call (callcenter/acd/conference.py)
CONFERENCE_NEEDS_CALL = Refusal(
    "acd.conference_needs_call", Conflict,
    en="a conference needs a call in progress; you are {state_text}",
    zh="电话会议需要一通进行中的通话；你当前为{state_text}",
)
CONFERENCE_UNKNOWN_TARGET_TYPE = Refusal(
    "acd.conference_unknown_target_type", InvalidInput,
    en="a conference party is one of {party_kinds}, got {target_type!r}",
    zh="会议方必须是 {party_kinds} 之一，收到的是 {target_type!r}",
)
CONFERENCE_OWN_SEAT = Refusal(
    "acd.conference_own_seat", InvalidInput,
    en="your own seat is already in the conference",
    zh="你自己的座席已经在会议中",
)
CONFERENCE_SEAT_BUSY = Refusal(
    "acd.conference_seat_busy", Conflict,
    en="seat {seat} is busy: {username} is {state_text}",
    zh="座席 {seat} 正忙：{username} 当前为{state_text}",
)
CONFERENCE_NOT_TWO_PARTY = Refusal(
    "acd.conference_not_two_party", Conflict,
    en="the call is not between you and one other party right now (on hold or being transferred?); try again",
    zh="这通通话目前不是你和另一方的双方通话（保持或转接中？）；请稍后再试",
)
CONFERENCE_DID_NOT_START = Refusal(
    "acd.conference_did_not_start", Unavailable,
    en="the conference did not start: the call did not reach it within {seconds} s",
    zh="电话会议未能开始：通话在 {seconds} 秒内未进入会议",
)
CONFERENCE_FULL = Refusal(
    "acd.conference_full", Conflict,
    en="the conference is full ({max_members} members)",
    zh="会议已满（{max_members} 方）",
)
NOT_IN_CONFERENCE = Refusal(
    "acd.not_in_conference", Conflict,
    en="your call is not a conference",
    zh="你的通话不是电话会议",
)
CONFERENCE_LEAVE_OUTBOUND = Refusal(
    "acd.conference_leave_outbound", Conflict,
    en="on a call you placed the call and its recording are your own line: end the conference instead of leaving it",
    zh="你呼出的通话以你的线路为准（通话记录和录音都在你的线路上）：请结束会议，而不是离开",
)
UNKNOWN_JOIN_MODE = Refusal(
    "acd.unknown_join_mode", InvalidInput,
    en="mode must be one of {join_modes}, got {mode!r}",
    zh="加入方式必须是 {join_modes} 之一，收到的是 {mode!r}",
)
AGENT_NOT_IN_CONFERENCE = Refusal(
    "acd.agent_not_in_conference", Conflict,
    en="{username}'s call is not a conference",
    zh="{username} 的通话不是电话会议",
)
