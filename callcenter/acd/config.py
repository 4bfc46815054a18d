"""What the ACD reads of the directory, kept in memory: each queue's wrap-up and longest wait, the queue names, the
pause reasons. Re-read at start and after an admin changed queues or pause reasons (:meth:`AcdConfig.reload`)."""

from __future__ import annotations

from typing import Any

from callcenter.acd.errors import PAUSE_REASON_SYSTEM_ONLY, UNKNOWN_PAUSE_REASON
from callcenter.directory.models import PauseReason
from callcenter.directory.repository import DirectoryRepository

DEFAULT_WRAPUP_SECONDS = 30


class AcdConfig:
    def __init__(self, directory: DirectoryRepository) -> None:
        self.directory = directory
        self.wrapup_seconds: dict[str, int] = {}  # queue → seconds
        self.max_wait_seconds: dict[str, int] = {}  # queue → the longest a caller waits in it
        self.queue_names: set[str] = set()
        self.pause_reasons: dict[str, PauseReason] = {}  # code → reason, active or not

    async def reload(self) -> None:
        queues = await self.directory.queues(active_only=True)
        self.wrapup_seconds = {q.name: q.wrapup_seconds for q in queues}
        self.max_wait_seconds = {q.name: q.max_wait_seconds for q in queues}
        self.queue_names = {q.name for q in queues}
        self.pause_reasons = {r.code: r for r in await self.directory.pause_reasons(active_only=False)}

    def wrapup_of(self, queue: str | None) -> int:
        """The wrap-up seconds after a call of ``queue`` (30 for a call of no known queue)."""
        return self.wrapup_seconds.get(queue or "", DEFAULT_WRAPUP_SECONDS)

    def longest_wrapup(self) -> int:
        """The wrap-up when the call's queue is not known (after a restart): the longest of any queue."""
        return max(self.wrapup_seconds.values(), default=DEFAULT_WRAPUP_SECONDS)

    def reason(self, code: str, *, system_ok: bool = False) -> PauseReason:
        """An active pause reason the caller may set (a system one only when ``system_ok``); refused otherwise."""
        r = self.pause_reasons.get(code)
        if r is None or not r.active:
            raise UNKNOWN_PAUSE_REASON({"code": code, "selectable_reasons": sorted(self.selectable_reasons())},
                                       field="reason")
        if r.system and not system_ok:
            raise PAUSE_REASON_SYSTEM_ONLY({"code": code}, field="reason")
        return r

    def reason_list(self) -> list[dict[str, Any]]:
        return [{"code": r.code, "label_zh": r.label_zh, "label_en": r.label_en, "away": r.away, "system": r.system}
                for r in self.pause_reasons.values() if r.active]

    def away_reasons(self) -> set[str]:
        """Pause reasons whose time counts as away from the desk (incl. the auto-pause after unanswered rings)."""
        return {c for c, r in self.pause_reasons.items() if r.away}

    def not_away_reasons(self) -> set[str]:
        """Pause reasons the centre marked as not away (time in them is work). Every other pause, ``not_ready``
        and a reason unknown here included, counts toward the away rule (seat discipline)."""
        return {c for c, r in self.pause_reasons.items() if not r.away}

    def selectable_reasons(self) -> list[str]:
        return [c for c, r in self.pause_reasons.items() if r.active and not r.system]
