"""The queued caller's call-back that keeps their place (issue 15, "6."; docs/outbound.md).

A queue offering it (``callbacks.queue``: ``enabled``, ``queues``) has ``context=cc-queue-exit`` in queues.conf,
so a caller who presses ``key`` leaves ``Queue()`` for the FastAGI ``callback`` (:meth:`QueueCallbacks.agi`):

- The offering queues say the offer every ``offer_every_seconds`` (queues.conf ``periodic-announce``, the prompt
  ``cc-callback-offer-<key>`` in the caller's language).
- The number is confirmed first (:meth:`QueueCallbacks._confirm`): the calling number is read back digit by digit
  and the caller presses 1 to confirm or 2 to type another one ending with # (3–20 digits, asked again once after
  bad input); an anonymous caller types one directly. Silence, or bad input twice, puts them back in line at their
  place (counted from when they joined, so the questions cost them nothing); only a number they confirmed is called.
  Meanwhile they are still waiting for service (``CallTracker.callback_confirming``: on the board, and a hang-up
  is abandoned in the queue).
- The request is stored once per call (``queue_callbacks.call_uniqueid`` is unique: never twice) with that number
  and their place — when they joined the queue. A caller who waited less than ``min_wait_seconds`` is put back in
  line at once. Their call ends as ``callback`` (not abandoned).
- At once the service Originates ``Local/cbq-<id>@cc-callback-queue``: its second half waits in the queue at the
  caller's place — re-entering ``Queue()`` at the position counted now: behind every caller (and every other
  call-back's place) that joined before the caller did, ahead of everyone who came later — so it is answered in
  the caller's turn, never ahead of callers who were waiting before them. When an agent takes it, the first half
  goes on to ``[cc-callback-dial]`` and dials the customer over the trunk: the agent is connected first, the
  customer never waits on a ringing line. That leg is an outbound call record (recorded like click-to-call's),
  which learns its agent from the queue's AgentConnect of the place. While the place waits the board counts it in
  its queue's waiting as the contact who asked, from when they joined (``link_place``), marked as a call-back.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.asterisk.errors import AgiCommandError, AgiTimeout
from callcenter.asterisk.fastagi import AgiChannel
from callcenter.callbacks.config import QueueCallbackSettings
from callcenter.callbacks.models import QueueCallback
from callcenter.clock import Clock
from callcenter.ivr.seed import callback_prompts, generate_prompts

log = logging.getLogger(__name__)
ORIGINATE_TIMEOUT_MS = 3_600_000  # the place may wait in line this long
ANSWER_MS = 6000  # the caller has this long to press 1 or 2 after the question
TYPE_MS = 6000  # ... and between two keys of a number they type (GET DATA)
KEYS = "0123456789*#"  # any key stops a prompt (a wrong one is bad input)
_TYPED = re.compile(r"[0-9]{3,20}")


class Tracker(Protocol):
    active: dict[str, Any]

    def call(self, uniqueid: str) -> Any: ...

    def callback_confirming(self, uniqueid: str) -> None: ...

    def callback_requested(self, uniqueid: str) -> None: ...

    def link_place(self, place_uniqueid: str, call_uniqueid: str) -> None: ...

    async def outbound_started(self, uniqueid: str, number: str, *, agent_username: str, agent_extension: str,
                               agent_interface: str, agent_name: str | None, customer_id: int | None,
                               caller_id: str | None = None, callback_of: str | None = None,
                               queue: str | None = None, queued_at: datetime | None = None) -> object: ...

    async def outbound_failed(self, uniqueid: str, reason: str) -> None: ...


class Originate(Protocol):
    async def originate(self, channel: str, context: str, exten: str, *, caller_id: str, timeout_ms: int = 30000,
                        variables: dict[str, str] | None = None, channel_id: str | None = None,
                        other_channel_id: str | None = None) -> None: ...


class Prompts(Protocol):
    def resolve(self, name: str, lang: str, fallback_lang: str = "en") -> str: ...


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
    prompts: Prompts  # the IVR's prompt store (the caller's language, an uploaded prompt over the seeded one)
    _tasks: set[asyncio.Task[None]] = field(init=False, default_factory=set)

    async def seed_prompts(self, prompt_dir: Path) -> list[Path]:
        """When it is on: any missing prompt it says (the offer naming the key, the questions, the digits), spoken
        by espeak-ng in zh and en (callcenter.ivr.seed); an admin's upload under the same name is kept."""
        if not self.settings.enabled:
            return []
        return await asyncio.to_thread(generate_prompts, prompt_dir, prompts=callback_prompts(self.settings.key))

    def offered(self, queue: str) -> bool:
        return self.settings.enabled and (not self.settings.queues or queue in self.settings.queues)

    async def agi(self, agi: AgiChannel) -> None:
        """The caller pressed the key: ``CC_CALLBACK=ok`` (the dialplan hangs up) or back in line at
        ``CC_CALLBACK_POSITION``."""
        uid = agi.uniqueid
        queue = await agi.get_variable("CC_QUEUE") or ""
        position = await agi.get_variable("QUEUEPOSITION") or ""
        st = self.tracker.call(uid)
        now = self.clock.now()
        queued_at = getattr(st, "queued_at", None)
        why = ("not offered in this queue" if not self.offered(queue) else "the call is not known" if st is None
               else "not queued" if queued_at is None
               else "waited too little" if (now - queued_at).total_seconds() < self.settings.min_wait_seconds
               else "")
        if why or queued_at is None:
            log.info("call %s: call-back refused (%s): back in line", uid, why)
            await self._back_in_line(agi, queue, queued_at, position)
            return
        self.tracker.callback_confirming(uid)
        lang = await agi.get_variable("CHANNEL(language)") or ""
        try:
            number = await self._confirm(agi, _digits(agi.env.get("agi_callerid")), lang)
        except (AgiTimeout, AgiCommandError) as e:  # a hang-up (AgiHangup) ends here: the caller is gone
            log.warning("call %s: the call-back's questions failed (%s): back in line", uid, e)
            number = None
        if number is None:
            log.info("call %s: no call-back number confirmed: back in line", uid)
            await self._back_in_line(agi, queue, queued_at, position)  # first: the words may fail, the place not
            await agi.stream_file(self._prompt("cc-callback-keep-place", lang))
            return
        async with self.sessions() as s:
            row = QueueCallback(call_uniqueid=uid, queue=queue, number=number, queued_at=queued_at,
                                requested_at=self.clock.now(), position=0, state="waiting")
            s.add(row)
            try:
                await s.commit()
            except IntegrityError:  # asked twice (the key pressed again): one call-back
                await s.rollback()
                self.tracker.callback_requested(uid)
                await agi.set_variable("CC_CALLBACK", "ok")
                return
            await s.refresh(row)
        self.tracker.callback_requested(uid)
        await agi.set_variable("CC_CALLBACK", "ok")
        task = asyncio.get_running_loop().create_task(self._place(row), name=f"call-back place {row.id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        await agi.stream_file(self._prompt("cc-callback-thanks", lang))

    def _prompt(self, name: str, lang: str) -> str:
        return self.prompts.resolve(name, lang or "zh", "en")

    async def _back_in_line(self, agi: AgiChannel, queue: str, queued_at: datetime | None, position: str) -> None:
        """Back into ``Queue()`` at the caller's place: behind who joined before them and is still in line (the
        position they had when they pressed the key may be too far back by now), else that position."""
        if queued_at is not None and self.offered(queue):
            position = str(min(self.position_for(queue, queued_at), 9999))
        await agi.set_variable("CC_CALLBACK", "no")
        await agi.set_variable("CC_CALLBACK_POSITION", position if position.isdigit() else "1")

    async def _confirm(self, agi: AgiChannel, number: str | None, lang: str) -> str | None:
        """The number the caller confirmed (pressed 1 after hearing it read back), or None: silence, bad input a
        second time, or too many turns. Only digits typed on the phone reach it (3–20)."""
        bad = 0
        for _ in range(6):  # e.g. 2 (another number), the number typed, 2 again ...: never endless
            if number is None:
                typed = await agi.get_data(self._prompt("cc-callback-enter", lang), TYPE_MS, 20)
                if not typed:
                    return None
                number = typed if _TYPED.fullmatch(typed) else None
                if number is None:
                    bad += 1
                    if bad > 1:
                        return None
                    await agi.stream_file(self._prompt("cc-callback-invalid", lang))
                    continue
            choice = await self._read_back(agi, number, lang)
            if choice == "1":
                return number
            if choice == "":
                return None
            if choice == "2":
                number = None
                continue
            bad += 1
            if bad > 1:
                return None
            await agi.stream_file(self._prompt("cc-invalid", lang))
        return None

    async def _read_back(self, agi: AgiChannel, number: str, lang: str) -> str:
        """"We will call you back on the number 1 3 5 ... To confirm, press 1; to enter another, press 2": the
        key pressed (any key stops the words), '' after the answer time. The digits are the centre's own prompts
        (cc-digit-<d>): Asterisk 16 has its SAY DIGITS sounds in English only."""
        pressed = await agi.stream_file(self._prompt("cc-callback-number", lang), KEYS)
        for d in number:
            if pressed:
                break
            pressed = await agi.stream_file(self._prompt(f"cc-digit-{d}", lang), KEYS)
        if not pressed:
            pressed = await agi.stream_file(self._prompt("cc-callback-confirm", lang), KEYS)
        if not pressed:
            pressed = await agi.wait_for_digit(ANSWER_MS)
        return pressed

    def position_for(self, queue: str, queued_at: datetime) -> int:
        """The place in line now of someone who joined ``queue`` at ``queued_at``: after every caller still
        waiting there who joined before, and every call-back place that did and no agent took yet (the places are
        outbound calls with ``callback_of``, stored: known again after a restart)."""
        ahead = sum(1 for c in list(self.tracker.active.values())
                    if c.queue == queue and c.queued_at is not None and c.queued_at < queued_at
                    and c.ended_at is None
                    and (c.taken_at is None if c.callback_of else c.answered_at is None and not c.left_queue))
        return ahead + 1

    async def _place(self, row: QueueCallback) -> None:
        position = self.position_for(row.queue, row.queued_at)
        dial_uid, place_uid = self.new_uniqueid(), self.new_uniqueid()
        try:
            await self.tracker.outbound_started(dial_uid, row.number, agent_username="", agent_extension="",
                                                agent_interface="", agent_name=None, customer_id=None,
                                                caller_id=self.caller_id, callback_of=row.call_uniqueid,
                                                queue=row.queue, queued_at=row.queued_at)
            self.tracker.link_place(place_uid, dial_uid)
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

    async def restore(self) -> None:
        """Start (after the tracker loaded the open calls): the places of call-backs whose outbound call is still
        in progress belong to it again, so the agent the queue connects to a place is that call's (the resync
        then finds which places are still in line)."""
        open_places = [uid for uid, c in list(self.tracker.active.items()) if getattr(c, "callback_of", None)]
        if not open_places:
            return
        async with self.sessions() as s:
            rows = (await s.execute(select(QueueCallback).where(
                QueueCallback.callback_uniqueid.in_(open_places)))).scalars().all()
        for row in rows:
            if row.callback_uniqueid and row.placeholder_uniqueid:
                self.tracker.link_place(row.placeholder_uniqueid, row.callback_uniqueid)

    async def flush(self) -> None:
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def requests(self) -> list[QueueCallback]:
        async with self.sessions() as s:
            return list((await s.execute(select(QueueCallback).order_by(QueueCallback.id))).scalars())
