"""The seat discipline's refusals: leave-seat requests and their decisions, away episodes and reviews."""

from __future__ import annotations

from callcenter.errors import Conflict, Forbidden, InvalidInput, NotFound, Refusal

LEAVE_REASON_MISSING = Refusal(
    "seat.leave_reason_missing", InvalidInput,
    en="say why you need to leave the seat",
    zh="请说明你需要离席的原因",
)
LEAVE_MINUTES_OUT_OF_RANGE = Refusal(
    "seat.leave_minutes_out_of_range", InvalidInput,
    en="minutes must be {min_leave_minutes}..{max_leave_minutes}, got {minutes}",
    zh="离席分钟数必须在 {min_leave_minutes}..{max_leave_minutes} 之间，收到的是 {minutes}",
)
NOT_LOGGED_IN = Refusal("seat.not_logged_in", Conflict, en="log in at a seat first", zh="请先在座席签入")
LEAVE_REQUEST_OPEN = Refusal(
    "seat.leave_request_open", Conflict,
    en="you already have a {status} leave-seat request (#{request_id}); cancel it first",
    zh="你已有一个 {status} 的离席申请（#{request_id}）；请先取消它",
)
LEAVE_REQUEST_NOT_FOUND = Refusal(
    "seat.leave_request_not_found", NotFound,
    en="leave-seat request {request_id} does not exist",
    zh="离席申请 {request_id} 不存在",
)
LEAVE_REQUEST_NOT_PENDING = Refusal(
    "seat.leave_request_not_pending", Conflict,
    en="leave-seat request {request_id} is {status}, not pending",
    zh="离席申请 {request_id} 当前为 {status}，不是待审批",
)
OWN_LEAVE_REQUEST = Refusal(
    "seat.own_leave_request", Forbidden,
    en="a team lead decides your own leave-seat request, not you",
    zh="你自己的离席申请由班长审批，不能自己审批",
)
NOT_OWN_LEAVE_REQUEST = Refusal(
    "seat.not_own_leave_request", Forbidden,
    en="you may cancel only your own leave-seat request",
    zh="你只能取消自己的离席申请",
)
UNKNOWN_FINDING = Refusal(
    "seat.unknown_finding", InvalidInput,
    en="finding must be one of {findings}, got {finding!r}",
    zh="核查结论必须是 {findings} 之一，收到的是 {finding!r}",
)
DATE_TO_BEFORE_FROM = Refusal(
    "seat.date_to_before_from", InvalidInput,
    en="date_to {date_to} is before date_from {date_from}",
    zh="结束日期 date_to {date_to} 早于开始日期 date_from {date_from}",
)
UNKNOWN_REQUEST_STATUS = Refusal(
    "seat.unknown_request_status", InvalidInput,
    en="status must be one of {request_statuses}, got {status!r}",
    zh="状态必须是 {request_statuses} 之一，收到的是 {status!r}",
)
OTHERS_LEAVE_REQUESTS = Refusal(
    "seat.others_leave_requests", Forbidden,
    en="agents see only their own leave-seat requests",
    zh="座席只能查看自己的离席申请",
)
OTHERS_AWAY_EPISODES = Refusal(
    "seat.others_away_episodes", Forbidden,
    en="agents see only their own away episodes",
    zh="座席只能查看自己的离席记录",
)
LEAVE_REQUEST_NOT_CANCELLABLE = Refusal(
    "seat.leave_request_not_cancellable", Conflict,
    en="leave-seat request {request_id} is {status}; it cannot be cancelled",
    zh="离席申请 {request_id} 当前为 {status}，不能取消",
)
LEAVE_REQUEST_IN_USE = Refusal(
    "seat.leave_request_in_use", Conflict,
    en="leave-seat request {request_id} is {status} and in use; it cannot be cancelled",
    zh="离席申请 {request_id} 当前为 {status} 且正在使用中，不能取消",
)
