"""Ask the lead (issue 16, "4."; docs/help.md): an agent on a call asks for help with a note; the request is on the
boards at once (the alert ``help_request`` with the call, the caller and the note, its wait running); a lead takes
it — listening, whispering or barging in from their phone, or transferring the call to a senior (a seat or a
queue) — and the request keeps who took it, how and when (its wait = taken − raised). It closes with the call.

One request per call at a time; the first lead to take it has it (a conditional update: a second gets 409); the
action is tried after the claim and the claim given back when Asterisk refuses it, so a request is never shown
taken by someone who could not join."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.acd.errors import state_words
from callcenter.auth.models import User
from callcenter.clock import Clock
from callcenter.errors import Words
from callcenter.help.errors import (
    ALREADY_ASKED,
    NOT_FOUND,
    NOT_ON_CALL,
    NOT_OPEN,
    NOT_YOURS,
    SEAT_NEEDED,
    TRANSFER_TARGET_NEEDED,
)
from callcenter.help.models import HelpRequest

log = logging.getLogger(__name__)
Audit = Callable[[str, str, str, dict[str, Any] | None], Awaitable[None]]
RaiseAlert = Callable[..., None]
ClearAlert = Callable[[str], None]
ALERT_MINUTES = 240  # on the boards until taken or the call ends (the longest a call is expected to last)


class Acd(Protocol):
    """What the help needs of the ACD (``AgentService``)."""

    def handling(self, username: str) -> Any: ...

    async def spy(self, username: str, mode: str, seat: str, by: str) -> dict[str, str]: ...

    async def transfer(self, user: User, caller_channel: str | None, target_type: str, target: str,
                       mode: str, outside: Any = None) -> dict[str, str]: ...


class Tracker(Protocol):
    def call(self, uniqueid: str) -> Any: ...


_HOW_WORDS = {"listen": Words(en="listen", zh="监听"), "whisper": Words(en="whisper", zh="耳语"),
              "barge": Words(en="barge in", zh="强插")}


def alert_id(request_id: int) -> str:
    return f"help:{request_id}"


@dataclass
class HelpDesk:
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    acd: Acd
    tracker: Tracker
    audit: Audit
    user_named: Callable[[str], Awaitable[User | None]]
    raise_alert: RaiseAlert | None = None
    clear_alert: ClearAlert | None = None
    # the agent's desktop told that a lead took their request: (agent, how, lead, at)
    tell_agent: Callable[[str, str, str, datetime], None] | None = None
    _tasks: set[asyncio.Task[None]] = field(init=False, default_factory=set)

    async def ask(self, user: User, note: str) -> HelpRequest:
        """The agent's "help" key: a request for their current call, on the boards at once."""
        a = self.acd.handling(user.username)
        if a is None or a.state != "on_call" or not a.call_uniqueid:
            raise NOT_ON_CALL({"state_text": state_words(a.state if a is not None else "logged_out")},
                              state=a.state if a is not None else "logged_out")
        uid = a.call_uniqueid
        call = self.tracker.call(uid)
        async with self.sessions() as s:
            open_ = (await s.execute(select(HelpRequest).where(
                HelpRequest.call_uniqueid == uid, HelpRequest.state.in_(("open", "taken"))))).scalars().first()
            if open_ is not None:
                raise ALREADY_ASKED(request_id=open_.id, state=open_.state)
            row = HelpRequest(call_uniqueid=uid, agent_username=user.username, agent_extension=a.extension,
                              queue=getattr(call, "queue", None) or a.call_queue,
                              caller_number=getattr(call, "caller_number", None), note=note, state="open",
                              raised_at=self.clock.now())
            s.add(row)
            await s.commit()
            await s.refresh(row)
        self._show(row)
        await self.audit(user.username, "help.ask", f"call:{uid}", {"request": row.id, "note": note})
        return row

    def _show(self, row: HelpRequest) -> None:
        if self.raise_alert is not None:
            self.raise_alert(alert_id(row.id), "help_request", _detail(row), queue=row.queue,
                             username=row.agent_username, minutes=ALERT_MINUTES)

    def _unshow(self, row: HelpRequest) -> None:
        if self.clear_alert is not None:
            self.clear_alert(alert_id(row.id))

    async def get(self, request_id: int) -> HelpRequest:
        async with self.sessions() as s:
            row = await s.get(HelpRequest, request_id)
        if row is None:
            raise NOT_FOUND(request_id=request_id)
        return row

    async def of_call(self, call_uniqueid: str) -> list[HelpRequest]:
        async with self.sessions() as s:
            return list((await s.execute(select(HelpRequest).where(HelpRequest.call_uniqueid == call_uniqueid)
                                         .order_by(HelpRequest.id))).scalars())

    async def open_requests(self) -> list[HelpRequest]:
        async with self.sessions() as s:
            return list((await s.execute(select(HelpRequest).where(HelpRequest.state == "open")
                                         .order_by(HelpRequest.raised_at, HelpRequest.id))).scalars())

    async def mine(self, username: str) -> list[HelpRequest]:
        """The agent's requests on their current call."""
        a = self.acd.handling(username)
        if a is None or not a.call_uniqueid:
            return []
        return [r for r in await self.of_call(a.call_uniqueid) if r.agent_username == username]

    async def take(self, lead: User, request_id: int, how: str, seat: str | None, target_type: str | None,
                   target: str | None) -> HelpRequest:
        """A lead takes the request: listen / whisper / barge from ``seat``, or transfer the call to ``target``
        (a senior's seat, or a queue). First come: a request already taken is refused."""
        row = await self.get(request_id)
        if row.state != "open":
            raise NOT_OPEN(request_id=row.id, state=row.state, taken_by=row.taken_by or "—")
        if how == "transfer" and (not target_type or not target):
            raise TRANSFER_TARGET_NEEDED(field="target")
        if how != "transfer" and not seat:
            raise SEAT_NEEDED({"how": _HOW_WORDS.get(how, Words(en=how, zh=how))}, field="seat")
        now = self.clock.now()
        values = {"state": "taken", "taken_by": lead.username, "taken_at": now, "taken_how": how,
                  "transfer_to": target if how == "transfer" else None}
        if not await self._claim(row.id, "open", values):
            again = await self.get(request_id)
            raise NOT_OPEN(request_id=again.id, state=again.state, taken_by=again.taken_by or "—")
        try:
            if how == "transfer":
                agent = await self.user_named(row.agent_username)
                call = self.tracker.call(row.call_uniqueid)
                if agent is None:
                    raise NOT_FOUND(request_id=request_id)
                await self.acd.transfer(agent, getattr(call, "channel", None), target_type or "", target or "",
                                        "blind")
            else:
                await self.acd.spy(row.agent_username, how, seat or "", by=lead.username)
        except Exception:
            await self._claim(row.id, "taken", {"state": "open", "taken_by": None, "taken_at": None,
                                                "taken_how": None, "transfer_to": None})
            raise
        row = await self.get(request_id)
        self._unshow(row)
        if self.tell_agent is not None:
            self.tell_agent(row.agent_username, how, lead.username, now)
        await self.audit(lead.username, "help.take", f"call:{row.call_uniqueid}",
                         {"request": row.id, "how": how, "seat": seat, "target": target,
                          "waited_seconds": (now - row.raised_at).total_seconds()})
        return row

    async def withdraw(self, user: User, request_id: int) -> HelpRequest:
        """The agent no longer needs it (not yet taken)."""
        row = await self.get(request_id)
        if row.agent_username != user.username:
            raise NOT_YOURS(request_id=row.id, agent=row.agent_username)
        if row.state != "open" or not await self._claim(row.id, "open", {
                "state": "cancelled", "closed_at": self.clock.now(), "close_reason": "cancelled"}):
            again = await self.get(request_id)
            raise NOT_OPEN(request_id=again.id, state=again.state, taken_by=again.taken_by or "—")
        row = await self.get(request_id)
        self._unshow(row)
        await self.audit(user.username, "help.withdraw", f"call:{row.call_uniqueid}", {"request": row.id})
        return row

    async def _claim(self, request_id: int, state: str, values: dict[str, Any]) -> bool:
        async with self.sessions() as s:
            r = await s.execute(update(HelpRequest).where(HelpRequest.id == request_id, HelpRequest.state == state)
                                .values(**values))
            await s.commit()
            return bool(r.rowcount)  # type: ignore[attr-defined]

    # the call's end: its requests close ------------------------------------------------------------------
    def on_call(self, st: Any) -> None:
        """The tracker's watcher (on the AMI path: the work is spawned)."""
        if st.ended_at is None:
            return
        task = asyncio.get_running_loop().create_task(self._call_ended(st.uniqueid, st.ended_at),
                                                      name=f"help call end {st.uniqueid}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _call_ended(self, uid: str, at: datetime) -> None:
        try:
            rows = [r for r in await self.of_call(uid) if r.state in ("open", "taken")]
            for r in rows:
                await self._claim(r.id, r.state, {"state": "closed", "closed_at": at, "close_reason": "call_ended"})
                self._unshow(r)
        except Exception:
            log.exception("help: the requests of call %s could not be closed", uid)

    async def restore(self) -> None:
        """Start: the open requests are on the boards again (those whose call ended meanwhile are closed by the
        tracker's resync ending the call)."""
        for r in await self.open_requests():
            self._show(r)

    async def flush(self) -> None:
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)


def _detail(row: HelpRequest) -> dict[str, Any]:
    return {"request_id": row.id, "call_uniqueid": row.call_uniqueid, "caller_number": row.caller_number,
            "agent_extension": row.agent_extension, "note": row.note, "raised_at": row.raised_at.isoformat()}
