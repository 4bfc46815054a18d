"""The refusals of the health pages: write failures and their resolution."""

from __future__ import annotations

from callcenter.errors import Conflict, NotFound, Refusal

WRITE_FAILURE_NOT_FOUND = Refusal(
    "health.write_failure_not_found", NotFound,
    en="no write failure {id}",
    zh="没有写入失败记录 {id}",
)
WRITE_FAILURE_RESOLVED = Refusal(
    "health.write_failure_resolved", Conflict,
    en="write failure {id} is already resolved ({resolution})",
    zh="写入失败记录 {id} 已处理（{resolution}）",
)
ROW_STILL_REFUSED = Refusal(
    "health.row_still_refused", Conflict,
    en="the row still cannot be stored: {error}",
    zh="该行仍然无法保存：{error}",
)
