"""The call-back desk wired (``service.py``): tasks from resolved cases (the cases' change listener), attempts
through the ACD's click-to-call, the call records' ends (the tracker's watcher), the overdue check (started and
stopped with the stack) on the boards, the department head told of a problem that stands, its routes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import APIRouter
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.asterisk.fastagi import FastAgiServer
from callcenter.callbacks.api import router
from callcenter.callbacks.config import CallbackSettings
from callcenter.callbacks.queue import Originate, Prompts, QueueCallbacks
from callcenter.callbacks.repository import CallbackRepository
from callcenter.callbacks.service import (
    Audit,
    CallbackDesk,
    CaseFacts,
    FirstCall,
    NumberOf,
    OverdueWatch,
    PlaceCall,
    ProblemStands,
    RecordFacts,
    SurveyStore,
)
from callcenter.calls.service import CallTracker
from callcenter.cases.live import BoardAlerts
from callcenter.clock import Clock
from callcenter.departments.repository import DepartmentRepository
from callcenter.errors import EN, ZH
from callcenter.realtime.notify import CasesNotifier

FEEDBACK = {EN: "call-back of case {number}: the customer says the problem stands — {note} ({how})",
            ZH: "工单 {number} 回访：客户表示问题仍未解决 —— {note}（{how}）"}
HOW = {"new_case": {EN: "new case {new}", ZH: "新工单 {new}"},
       "reopened": {EN: "case reopened", ZH: "工单已重新调查"}}


@dataclass(frozen=True)
class Callbacks:
    desk: CallbackDesk
    watch: OverdueWatch
    queue: QueueCallbacks  # the queued caller's call-back that keeps their place (AGI ``callback``)
    routers: tuple[APIRouter, ...]


def wire_callbacks(sessions: async_sessionmaker[AsyncSession], clock: Clock, timezone: str,
                   settings: CallbackSettings, audit: Audit, *, surveys: SurveyStore, number_of: NumberOf,
                   first_call: FirstCall, problem_stands: ProblemStands, on_case_change: Callable[..., None],
                   tracker: CallTracker, place_call: PlaceCall, departments: DepartmentRepository,
                   users_with_role: Callable[[str], Awaitable[list[str]]], notifier: CasesNotifier,
                   board: BoardAlerts, on_follow_up: Callable[..., None],
                   record_called_back: Callable[[int, datetime, str], Awaitable[None]],
                   queue_of_call: Callable[[str], Awaitable[str | None]], agi: FastAgiServer, ami: Originate,
                   new_uniqueid: Callable[[], str], caller_id: str, prompts: Prompts) -> Callbacks:
    """``on_case_change``: the cases' ``CaseService.on_change`` (a resolved case gets its task); ``on_follow_up``:
    the service records' ``ServiceRecords.on_follow_up`` (a follow-up asked for gets its task) and
    ``record_called_back`` (a closed task's record marked done); ``place_call``: the ACD's click-to-call for an
    agent (the outbound call's uniqueid); ``board``: the wallboard's alerts; ``prompts``: the IVR's prompt store
    (what the queued caller's call-back says)."""

    async def tell_feedback(department_id: int | None, case_number: str, followed_by: str, how: str, note: str,
                            at: datetime) -> list[str]:
        """The written feedback of a problem that stands, to the head of the case's department (none: the
        supervisors), on their cases page."""
        people: list[str] = []
        if department_id is not None:
            d = await departments.get(department_id)
            if d is not None and d.department.head:
                people = [d.department.head]
        if not people:
            people = await users_with_role("supervisor")
        how_words = {lang: HOW.get(how, HOW["new_case"])[lang].format(new=followed_by) for lang in (EN, ZH)}
        text = {lang: FEEDBACK[lang].format(number=case_number, note=note, how=how_words[lang]) for lang in (EN, ZH)}
        for username in people:
            notifier.notice(username, followed_by or case_number, [case_number, followed_by], "callback_feedback",
                            None, 0, "department_head", text, at)
        return people

    def raise_alert(aid: str, kind: str, detail: dict[str, Any], minutes: float) -> None:
        board.raise_alert(aid, kind, detail, queue=detail.get("queue"), minutes=minutes)

    desk = CallbackDesk(CallbackRepository(sessions), settings, clock, timezone, audit, surveys, number_of,
                        first_call, problem_stands, tell_feedback, lambda uid: tracker.call(uid) is not None,
                        place_call=place_call, record_called_back=record_called_back, queue_of_call=queue_of_call,
                        raise_alert=raise_alert, clear_alert=board.clear_alert)

    async def on_case(c: CaseFacts, action: str) -> None:
        await desk.on_case(c, action)

    async def on_record(r: RecordFacts) -> None:
        await desk.on_service_record(r)

    on_case_change(on_case)
    on_follow_up(on_record)
    tracker.watch(desk.on_call)
    queue = QueueCallbacks(sessions, settings.queue, clock, tracker, ami, new_uniqueid, caller_id, prompts)
    agi.route("callback", queue.agi)
    return Callbacks(desk=desk, watch=OverdueWatch(desk), queue=queue, routers=(router,))

