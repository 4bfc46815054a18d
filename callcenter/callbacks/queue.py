"""The queued caller's call-back that keeps their place (issue 15, "6."; docs/outbound.md).

A queue offering it (``callbacks.queue``: ``enabled``, ``queues``) has ``context=cc-queue-exit`` in queues.conf,
so a caller who presses ``key`` leaves ``Queue()`` for the FastAGI ``callback`` (:meth:`QueueCallbacks.agi`):

- The request is stored once per call (``queue_callbacks.call_uniqueid`` is unique: never twice) with the
  caller's number (the calling number, 3–20 digits; an anonymous caller is put back in line) and their place —
  when they joined the queue. A caller who waited less than ``min_wait_seconds`` is put back in line at the
  position they had. Their call ends as ``callback`` (not abandoned).
- At once the service Originates ``Local/cbq-<id>@cc-callback-queue``: its second half waits in the queue at the
  caller's place — re-entering ``Queue()`` at the position counted now: behind every caller (and every other
  call-back's place) that joined before the caller did, ahead of everyone who came later — so it is answered in
  the caller's turn, never ahead of callers who were waiting before them. When an agent takes it, the first half
  goes on to ``[cc-callback-dial]`` and dials the customer over the trunk: the agent is connected first, the
  customer never waits on a ringing line. That leg is an outbound call record (recorded like click-to-call's),
  which learns its agent from the queue's AgentConnect of the place.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.asterisk.fastagi import AgiChannel
from callcenter.callbacks.config import QueueCallbackSettings
from callcenter.callbacks.models import QueueCallback
from callcenter.clock import Clock

log = logging.getLogger(__name__)
ORIGINATE_TIMEOUT_MS = 3_600_000  # the place may wait in line this long


class Tracker(Protocol):
    active: dict[str, Any]

    def call(self, uniqueid: str) -> Any: ...

    def callback_requested(self, uniqueid: str) -> None: ...

    def link_place(self, place_uniqueid: str, call_uniqueid: str) -> None: ...

    async def outbound_started(self, uniqueid: str, number: str, *, agent_username: str, agent_extension: str,
                               agent_interface: str, agent_name: str | None, customer_id: int | None,
                               caller_id: str | None = None) -> object: ...

    async def outbound_failed(self, uniqueid: str, reason: str) -> None: ...


class Originate(Protocol):
    async def originate(self, channel: str, context: str, exten: str, *, caller_id: str, timeout_ms: int = 30000,
                        variables: dict[str, str] | None = None, channel_id: str | None = None,
                        other_channel_id: str | None = None) -> None: ...


def _digits(raw: str | None) -> str | None:
    d = "".join(ch for ch in (raw or "") if ch.isdigit())
    return d if 3 <= len(d) <= 20 and d == (raw or "").lstrip("+") else None


@dataclass
class QueueCallbacks:
    sessions: async_sessionmaker[AsyncSession]
    settings: QueueCallbackSettings
    clock: Clock
    tracker: Tracker
    ami: Originate
    new_uniqueid: Callable[[], str]
    caller_id: str  # what the customer sees (acd.outbound_caller_id)
    _places: dict[str, list[datetime]] = field(init=False, default_factory=dict)  # queue → places waiting
    _tasks: set[asyncio.Task[None]] = field(init=False, default_factory=set)

    def offered(self, queue: str) -> bool:
        return self.settings.enabled and (not self.settings.queues or queue in self.settings.queues)

    async def agi(self, agi: AgiChannel) -> None:
        """The caller pressed the key: ``CC_CALLBACK=ok`` (the dialplan hangs up) or back in line at
        ``CC_CALLBACK_POSITION``."""
        uid = agi.uniqueid
        queue = await agi.get_variable("CC_QUEUE") or ""
        position = await agi.get_variable("QUEUEPOSITION") or ""
        st = self.tracker.call(uid)
        number = _digits(agi.env.get("agi_callerid"))
        now = self.clock.now()
        queued_at = getattr(st, "queued_at", None)
        why = ("not offered in this queue" if not self.offered(queue) else "the call is not known" if st is None
               else "not queued" if queued_at is None else "no number to call back" if number is None
               else "waited too little" if (now - queued_at).total_seconds() < self.settings.min_wait_seconds
               else "")
        if why or number is None or queued_at is None:
            log.info("call %s: call-back refused (%s): back in line", uid, why)
            await agi.set_variable("CC_CALLBACK", "no")
            await agi.set_variable("CC_CALLBACK_POSITION", position if position.isdigit() else "1")
            return
        async with self.sessions() as s:
            row = QueueCallback(call_uniqueid=uid, queue=queue, number=number, queued_at=queued_at,
                                requested_at=now, position=0, state="waiting")
            s.add(row)
            try:
                await s.commit()
            except IntegrityError:  # asked twice (the key pressed again): one call-back
                await s.rollback()
                await agi.set_variable("CC_CALLBACK", "ok")
                return
            await s.refresh(row)
        self.tracker.callback_requested(uid)
        await agi.set_variable("CC_CALLBACK", "ok")
        task = asyncio.get_running_loop().create_task(self._place(row), name=f"call-back place {row.id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def position_for(self, queue: str, queued_at: datetime) -> int:
        """The place in line now of someone who joined ``queue`` at ``queued_at``: after every caller still
        waiting there who joined before, and every call-back place that did."""
        ahead = sum(1 for c in list(self.tracker.active.values())
                    if c.queue == queue and c.queued_at is not None and c.queued_at < queued_at
                    and c.answered_at is None and not c.left_queue and c.ended_at is None)
        ahead += sum(1 for t in self._places.get(queue, []) if t < queued_at)
        return ahead + 1

    async def _place(self, row: QueueCallback) -> None:
        position = self.position_for(row.queue, row.queued_at)
        dial_uid, place_uid = self.new_uniqueid(), self.new_uniqueid()
        try:
            await self.tracker.outbound_started(dial_uid, row.number, agent_username="", agent_extension="",
                                                agent_interface="", agent_name=None, customer_id=None,
                                                caller_id=self.caller_id)
            self.tracker.link_place(place_uid, dial_uid)
            self._places.setdefault(row.queue, []).append(row.queued_at)
            await self.ami.originate(f"Local/cbq-{row.id:010d}@cc-callback-queue", "cc-callback-dial", row.number,
                                     caller_id=f"<{row.number}>", timeout_ms=ORIGINATE_TIMEOUT_MS,
                                     variables={"_CC_QUEUE": row.queue, "_CC_POSITION": str(position),
                                                "CC_CALLER_ID": self.caller_id},
                                     channel_id=dial_uid, other_channel_id=place_uid)
            state = "placed"
        except Exception:
            log.exception("call-back %d: its place in queue %s could not be taken", row.id, row.queue)
            await self.tracker.outbound_failed(dial_uid, "originate_failed")
            state = "failed"
        async with self.sessions() as s:
            await s.execute(update(QueueCallback).where(QueueCallback.id == row.id).values(
                position=position, placeholder_uniqueid=place_uid, callback_uniqueid=dial_uid, state=state))
            await s.commit()

    def on_call(self, st: Any) -> None:
        """The tracker's watcher: a call-back's outbound leg ended (answered or not): its place is gone."""
        if st.ended_at is None or getattr(st, "direction", "") != "outbound":
            return
        task = asyncio.get_running_loop().create_task(self._ended(st.uniqueid), name=f"call-back end {st.uniqueid}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _ended(self, uid: str) -> None:
        async with self.sessions() as s:
            row = (await s.execute(select(QueueCallback).where(QueueCallback.callback_uniqueid == uid))).scalar()
        if row is not None:
            places = self._places.get(row.queue, [])
            if row.queued_at in places:
                places.remove(row.queued_at)

    async def flush(self) -> None:
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def requests(self) -> list[QueueCallback]:
        async with self.sessions() as s:
            return list((await s.execute(select(QueueCallback).order_by(QueueCallback.id))).scalars())
