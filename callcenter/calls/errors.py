"""The refusals of the call history."""

from __future__ import annotations

from callcenter.errors import InvalidInput, NotFound, Refusal

RANGE_REVERSED = Refusal(
    "calls.range_reversed", InvalidInput,
    en="'to' must be after 'from'",
    zh="'to'（结束时间）必须晚于 'from'（开始时间）",
)
CALL_NOT_FOUND = Refusal("calls.call_not_found", NotFound, en="call {call_id} not found", zh="未找到通话 {call_id}")

# the CDR export (callcenter/calls/export.py, docs/calls.md "CDR export")
EXPORT_RANGE_REVERSED = Refusal(
    "calls.export_range_reversed", InvalidInput,
    en="to ({to}) must be on or after from ({from_day}): the export covers the days from .. to",
    zh="to（结束日期 {to}）不能早于 from（开始日期 {from_day}）：导出范围为 from 至 to 的各天",
)
EXPORT_RANGE_TOO_LONG = Refusal(
    "calls.export_range_too_long", InvalidInput,
    en="the export covers at most {limit} days (from .. to); {days} days were asked for: export it in parts",
    zh="一次最多导出 {limit} 天（from 至 to），本次请求了 {days} 天：请分段导出",
)
