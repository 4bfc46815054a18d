"""The refusals of the seeds' reports (docs/reports.md "The seeds' reports")."""

from __future__ import annotations

from callcenter.errors import InvalidInput, NotFound, Refusal

BAD_MONTH = Refusal("reports.bad_month", InvalidInput, en="month {month}: give a month as YYYY-MM",
                    zh="月份 {month} 有误：请按 YYYY-MM 填写")
NOT_KEPT = Refusal("reports.not_kept", NotFound,
                   en="the service-quality analysis of {month} has not been generated yet",
                   zh="{month} 的服务质量分析尚未生成")
