"""The agents and their state machine: who is logged in at which seat, in which state, since when, on which call.

States: logged_out → (login) paused[not_ready] → ready → ringing → on_call → wrapup → ready; paused(reason) from
ready, from wrap-up or from another pause. :class:`AgentStates` holds the live agents and makes every transition
(:meth:`AgentStates.set`): the agent's fields change, its listeners hear it (the screen pop first: it is on the
latency path), then the change is stored — written behind while the service runs (current row + append-only
log), so AMI events never wait on the database. What moves an agent (the agent's clicks, the AMI events, the
supervisor, the resync) lives in the other modules of this package; they all change states through here.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from callcenter.acd.errors import NOT_LOGGED_IN
from callcenter.acd.phones import Phones
from callcenter.acd.repository import AcdRepository
from callcenter.auth.models import User
from callcenter.calls.service import interface_extension
from callcenter.clock import Clock
from callcenter.writebehind import WriteBehind

log = logging.getLogger(__name__)

SYSTEM_SOURCE = "system"
SUPERVISOR_SOURCE = "supervisor"
BUSY_STATES = ("ringing", "on_call")


@dataclass
class Agent:
    user_id: int
    username: str
    display_name: str
    extension: str | None = None
    state: str = "logged_out"
    reason: str = ""
    since: datetime | None = None
    logged_in_at: datetime | None = None
    call_uniqueid: str | None = None
    missed_rings: int = 0
    memberships: dict[str, int] = field(default_factory=dict)  # queue → penalty
    channel: str | None = None  # the agent's leg of the current call
    call_queue: str | None = None
    # an outbound call placed while paused: the pause reason it returns to when the call is over (Asterisk keeps
    # the member paused meanwhile), None otherwise
    paused_before: str | None = None
    wrapup_task: asyncio.Task[None] | None = None
    touched: int = 0  # the change counter at this agent's last state change (resync vs events)
    phones: Phones | None = field(default=None, repr=False, compare=False)  # the service's, for ``device``

    @property
    def interface(self) -> str:
        return f"PJSIP/{self.extension}"

    @property
    def device(self) -> str:
        """The device state of the seat's phone, read from the one model of the phones (``acd.phones``), so it
        agrees with seat discipline's "away: phone unreachable"; ``""`` without a seat or before Asterisk said."""
        return self.phones.device(self.extension) if self.phones is not None else ""

    @property
    def paused_in_asterisk(self) -> bool:
        return self.state in ("paused", "wrapup")

    def row(self) -> dict[str, Any]:
        return {"user_id": self.user_id, "username": self.username, "extension": self.extension,
                "state": self.state, "reason": self.reason, "since": self.since, "logged_in_at": self.logged_in_at,
                "call_uniqueid": self.call_uniqueid, "missed_rings": self.missed_rings}

    def public(self) -> dict[str, Any]:
        """What the desktop and the supervisor pages are told."""
        return {"username": self.username, "display_name": self.display_name, "extension": self.extension,
                "state": self.state, "reason": self.reason, "since": self.since, "logged_in_at": self.logged_in_at,
                "call_uniqueid": self.call_uniqueid, "call_queue": self.call_queue, "device": self.device,
                "missed_rings": self.missed_rings, "queues": dict(self.memberships)}


# Listener(agent, previous_state, event) — the screen pop and the realtime hub hang off these.
Listener = Callable[[Agent, str, dict[str, Any]], Awaitable[None]]


class AgentStates:
    """The live agents (by user id, and the logged-in ones by seat), their transitions, their listeners and the
    state log writer."""

    def __init__(self, repo: AcdRepository, clock: Clock, phones: Phones) -> None:
        self.repo = repo
        self.clock = clock
        self.phones = phones
        self.agents: dict[int, Agent] = {}  # user id → agent (everyone who logged in since start)
        self.by_ext: dict[str, Agent] = {}  # seat → logged-in agent
        self.listeners: list[Listener] = []
        self.writer = WriteBehind(lambda rows: self.repo.save_states(rows), "agent-state-writer")
        self._seq = 0  # bumped on every state change

    def mark(self) -> int:
        """The change counter now (see the resync's ``since``)."""
        return self._seq

    async def load(self) -> None:
        """Rebuild from the DB (service restart): who is logged in where, in which state. Their queue memberships
        and a wrap-up's timer are the caller's (``AgentService.load``)."""
        for st in await self.repo.statuses():
            if st.state == "logged_out" or not st.extension:
                continue
            user = await self.repo.user(st.user_id)
            if user is None:
                continue
            a = Agent(st.user_id, st.username, user.display_name or user.username, st.extension, st.state, st.reason,
                      st.since, st.logged_in_at, st.call_uniqueid, st.missed_rings, phones=self.phones)
            self.agents[a.user_id] = a
            self.by_ext[st.extension] = a

    def agent_for(self, user: User) -> Agent:
        a = self.agents.get(user.id)
        if a is None:
            a = Agent(user.id, user.username, user.display_name or user.username, since=self.clock.now(),
                      phones=self.phones)
            self.agents[user.id] = a
        return a

    def logged_in_agent(self, user: User) -> Agent:
        """The user's agent, logged in at a seat; refused otherwise."""
        a = self.agents.get(user.id)
        if a is None or a.state == "logged_out":
            raise NOT_LOGGED_IN(state="logged_out")
        return a

    def at_interface(self, interface: str | None) -> Agent | None:
        """The agent logged in at the seat behind a queue member's interface (``PJSIP/1001``)."""
        return self.by_ext.get(interface_extension(interface) or "")

    # transitions -----------------------------------------------------------------------------------------
    async def set(self, a: Agent, state: str, *, reason: str = "", source: str, at: datetime | None = None,
                  event: dict[str, Any] | None = None) -> None:
        """The one transition: the agent's fields, its listeners told, the change stored."""
        prev = a.state
        a.state = state
        a.reason = reason
        a.since = at or self.clock.now()
        self._seq += 1
        a.touched = self._seq
        if state not in BUSY_STATES and state != "wrapup":
            a.call_uniqueid = None
            a.channel = None
            a.call_queue = None
            a.paused_before = None
        if a.wrapup_task is not None and state != "wrapup":
            a.wrapup_task.cancel()
            a.wrapup_task = None
        ev = dict(event or {})
        ev.setdefault("source", source)
        # tell listeners first (the screen pop is on the latency path), then store
        await self.tell(a, prev, ev)
        await self._store(a.row(), source, a.since)

    async def tell(self, a: Agent, prev: str, ev: dict[str, Any]) -> None:
        for listener in self.listeners:
            try:
                await listener(a, prev, ev)
            except Exception:
                log.exception("agent state listener failed")

    # storage: written behind while the service runs, so AMI events never wait on the database -------------
    async def _store(self, row: dict[str, Any], source: str, at: datetime) -> None:
        if not self.writer.running:
            await self.repo.save_state(row, source, at)
            return
        self.writer.add((row, source, at))  # every change kept, in order

    async def stop_writer(self) -> None:
        """Store what is pending (never cancelling a batch mid-transaction), then stop; wrap-up timers end."""
        await self.writer.stop()
        for a in self.agents.values():
            if a.wrapup_task is not None:
                a.wrapup_task.cancel()
                a.wrapup_task = None

    # reads -----------------------------------------------------------------------------------------------
    def logged_in(self) -> list[Agent]:
        return sorted(self.by_ext.values(), key=lambda a: a.extension or "")

    def handling(self, username: str) -> Agent | None:
        for a in self.by_ext.values():
            if a.username == username:
                return a
        return None
