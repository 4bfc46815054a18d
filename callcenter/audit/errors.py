"""The refusals of the audit trail's reading."""

from __future__ import annotations

from callcenter.errors import InvalidInput, Refusal

RANGE_REVERSED = Refusal("audit.range_reversed", InvalidInput,
                         en="to ({to}) must be on or after from ({from_day})",
                         zh="to（结束日期 {to}）不能早于 from（开始日期 {from_day}）")
RANGE_TOO_LONG = Refusal("audit.range_too_long", InvalidInput,
                         en="an export covers at most {limit} days (from .. to); {days} days were asked for",
                         zh="一次最多导出 {limit} 天（from 至 to），本次请求了 {days} 天")
RANGE_NEEDED = Refusal("audit.range_needed", InvalidInput,
                       en="an export needs the days it covers: from and to (YYYY-MM-DD)",
                       zh="导出须指定日期范围：from 和 to（YYYY-MM-DD）")
ONE_TARGET = Refusal("audit.one_target", InvalidInput,
                     en="search by one of customer, recording or target at a time (given: {given})",
                     zh="customer、recording、target 一次只能用其中一个查询（收到：{given}）")
BAD_CURSOR = Refusal("audit.bad_cursor", InvalidInput,
                     en="cursor: not a cursor this search gave ({cursor})",
                     zh="cursor：不是本查询返回的翻页标记（{cursor}）")
BAD_ACTION = Refusal("audit.bad_action", InvalidInput,
                     en="action: letters, digits, '_' and '.' only, optionally ending in '*' or '.' for a prefix "
                        "({action})",
                     zh="action：只能包含字母、数字、'_' 和 '.'，可用 '*' 或 '.' 结尾表示前缀（{action}）")
