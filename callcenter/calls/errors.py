"""The refusals of the call history."""

from __future__ import annotations

from callcenter.errors import InvalidInput, NotFound, Refusal

RANGE_REVERSED = Refusal(
    "calls.range_reversed", InvalidInput,
    en="'to' must be after 'from'",
    zh="'to'（结束时间）必须晚于 'from'（开始时间）",
)
CALL_NOT_FOUND = Refusal("calls.call_not_found", NotFound, en="call {call_id} not found", zh="未找到通话 {call_id}")
