"""The refusals of the interval reports."""

from __future__ import annotations

from callcenter.errors import Forbidden, InvalidInput, NotFound, Refusal

RANGE_TOO_LONG = Refusal("reports.range_too_long", InvalidInput,
                         en="a report by {by} covers at most {limit_days} days (asked: {days} days); choose a larger "
                            "bucket or a shorter range",
                         zh="按 {by} 统计的报表最多覆盖 {limit_days} 天（本次：{days} 天）；"
                            "请选择更大的时间粒度或更短的范围")
BAD_DATE = Refusal("reports.bad_date", InvalidInput,
                   en="{field}: not a date (YYYY-MM-DD) or a date-time (YYYY-MM-DDTHH:MM): {value}",
                   zh="{field}：不是日期（YYYY-MM-DD）或日期时间（YYYY-MM-DDTHH:MM）：{value}")
BAD_RANGE = Refusal("reports.bad_range", InvalidInput,
                    en="to ({to}) is before from ({start})",
                    zh="结束时间（{to}）早于开始时间（{start}）")
UNKNOWN_QUEUE = Refusal("reports.unknown_queue", NotFound, en="queue {queue} not found",
                        zh="未找到队列 {queue}")
UNKNOWN_AGENT = Refusal("reports.unknown_agent", NotFound, en="agent {agent} not found",
                        zh="未找到座席 {agent}")
UNKNOWN_TEAM = Refusal("reports.unknown_team", NotFound, en="team (department) {team} not found",
                       zh="未找到班组（部门）{team}")
OWN_ROWS_ONLY = Refusal("reports.own_rows_only", Forbidden,
                        en="an agent sees their own agent rows only (kind=agent, agent={username})",
                        zh="座席只能查看本人的座席统计（kind=agent，agent={username}）")
