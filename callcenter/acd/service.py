"""The agent state machine and queue membership on app_queue.

States: logged_out → (login) paused[not_ready] → ready → ringing → on_call → wrapup → ready; paused(reason) from
ready, from wrap-up or from another pause. The agent's clicks drive login/ready/pause/logout; AMI drives
ringing (AgentCalled), on_call (AgentConnect), wrapup (AgentComplete), back to ready or auto-pause
(AgentRingNoAnswer), and back to ready when the caller leaves while ringing (QueueCallerAbandon, Hangup) or
another agent answered (AgentConnect of the same call).

The database is the truth for who is logged in at which seat and paused why: every change is stored (current
row + append-only log) and, after every AMI (re)connect, :meth:`resync` makes Asterisk's queue members match it
(QueueAdd / QueuePenalty / QueuePause / QueueRemove). Asterisk's own QueueMemberPause echoes are not adopted:
they arrive after our action, and adopting them would undo a quick pause-then-ready.

Wrap-up: the member is paused in Asterisk with reason ``wrapup`` (app_queue's wrapuptime is 0) until the agent
goes ready or the queue's ``wrapup_seconds`` pass. There is a window of milliseconds between the agent's hang-up
and that pause in which Asterisk may offer the agent the next call; that call is handled normally.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from callcenter.acd.errors import (
    AGENT_CHANNEL_UNKNOWN,
    AGENT_NOT_LOGGED_IN,
    AGENT_NOT_ON_CALL,
    ALREADY_LOGGED_IN,
    ASTERISK_ACTION_FAILED,
    CALLER_CHANNEL_UNKNOWN,
    CANNOT_DIAL,
    CANNOT_GO_READY,
    CANNOT_LOG_OUT,
    CANNOT_PAUSE,
    EXTENSION_NOT_DIGITS,
    FORCE_LOGOUT_ON_CALL,
    FORCE_PAUSE_ON_CALL,
    LOGIN_NEEDS_AGENT_ROLE,
    NOT_LOGGED_IN,
    NUMBER_NOT_DIGITS,
    PAUSE_REASON_SYSTEM_ONLY,
    SEAT_NOT_FOUND,
    SEAT_TAKEN,
    SPY_SEAT_IS_AGENTS,
    SPY_SEAT_NOT_FOUND,
    SPY_SEAT_TAKEN,
    TRANSFER_NEEDS_CALL,
    TRANSFER_TO_OWN_SEAT,
    UNKNOWN_PAUSE_REASON,
    UNKNOWN_QUEUE,
    UNKNOWN_SPY_MODE,
    state_words,
)
from callcenter.acd.phones import Phone, Phones
from callcenter.acd.repository import AcdRepository
from callcenter.asterisk.errors import AsteriskError
from callcenter.asterisk.events import (
    AgentCalled,
    AgentComplete,
    AgentConnect,
    AgentRingNoAnswer,
    Hangup,
    QueueCallerAbandon,
)
from callcenter.auth.models import User
from callcenter.calls.service import bridged_agent_legs, interface_extension
from callcenter.clock import Clock
from callcenter.directory.repository import DirectoryRepository
from callcenter.writebehind import WriteBehind

log = logging.getLogger(__name__)

SYSTEM_SOURCE = "system"
SUPERVISOR_SOURCE = "supervisor"
SPY_MODES = ("listen", "whisper", "barge")
BUSY_STATES = ("ringing", "on_call")


class AcdAmi(Protocol):
    """The AMI actions the ACD uses (``callcenter.asterisk.ami.AmiClient`` implements them)."""

    async def queue_add(self, queue: str, interface: str, *, penalty: int, paused: bool, member_name: str,
                        state_interface: str | None = None, reason: str = "") -> None: ...
    async def queue_remove(self, queue: str, interface: str) -> None: ...
    async def queue_pause(self, interface: str, paused: bool, reason: str = "", queue: str | None = None) -> None: ...
    async def queue_penalty(self, queue: str, interface: str, penalty: int) -> None: ...
    async def queue_log(self, queue: str, event: str, interface: str, message: str = "",
                        uniqueid: str = "NONE") -> None: ...
    async def redirect(self, channel: str, context: str, exten: str, priority: int = 1) -> None: ...
    async def atxfer(self, channel: str, context: str, exten: str) -> None: ...
    async def originate(self, channel: str, context: str, exten: str, *, caller_id: str, timeout_ms: int = 30000,
                        variables: dict[str, str] | None = None) -> None: ...


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
    wrapup_task: asyncio.Task[None] | None = None
    touched: int = 0  # the service's change counter at this agent's last state change (resync vs events)
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


class AgentService:
    def __init__(self, repo: AcdRepository, directory: DirectoryRepository, ami: AcdAmi, clock: Clock, *,
                 auto_pause_after: int = 1, phones: Phones | None = None) -> None:
        """``repo``: the ACD's own tables (agent state, its log); ``directory``: the seats, queues, skills and pause
        reasons it reads. ``phones``: the seats' phones (the wiring feeds them AMI events); an agent's ``device`` is
        read there and its listeners hear of a change of it."""
        self.repo = repo
        self.directory = directory
        self.ami = ami
        self.clock = clock
        self.auto_pause_after = auto_pause_after
        self.phones = phones if phones is not None else Phones(clock)
        self.phones.watch(self._on_phone)
        self.agents: dict[int, Agent] = {}  # user id → agent (everyone who logged in since start)
        self.by_ext: dict[str, Agent] = {}  # seat → logged-in agent
        self.wrapup_seconds: dict[str, int] = {}  # queue → seconds
        self.max_wait_seconds: dict[str, int] = {}  # queue → the longest a caller waits in it
        self.queue_names: set[str] = set()
        self._listeners: list[Listener] = []
        self._pause_reasons: dict[str, Any] = {}
        self._writer = WriteBehind(lambda rows: self.repo.save_states(rows), "agent-state-writer")
        self._seq = 0  # bumped on every state change

    def mark(self) -> int:
        """The change counter now (see :meth:`resync`'s ``since``)."""
        return self._seq

    def listen(self, listener: Listener) -> None:
        self._listeners.append(listener)

    # loading ---------------------------------------------------------------------------------------------
    async def load(self) -> None:
        """Rebuild from the DB (service restart): who is logged in where, in which state."""
        await self.reload_config()
        for st in await self.repo.statuses():
            if st.state == "logged_out" or not st.extension:
                continue
            user = await self.repo.user(st.user_id)
            if user is None:
                continue
            a = Agent(st.user_id, st.username, user.display_name or user.username, st.extension, st.state, st.reason,
                      st.since, st.logged_in_at, st.call_uniqueid, st.missed_rings, phones=self.phones)
            a.memberships = await self.directory.memberships(a.user_id)
            self.agents[a.user_id] = a
            self.by_ext[st.extension] = a
            if a.state == "wrapup":
                self._schedule_wrapup(a, None)

    async def reload_config(self) -> None:
        queues = await self.directory.queues(active_only=True)
        self.wrapup_seconds = {q.name: q.wrapup_seconds for q in queues}
        self.max_wait_seconds = {q.name: q.max_wait_seconds for q in queues}
        self.queue_names = {q.name for q in queues}
        self._pause_reasons = {r.code: r for r in await self.directory.pause_reasons(active_only=False)}

    def agent_for(self, user: User) -> Agent:
        a = self.agents.get(user.id)
        if a is None:
            a = Agent(user.id, user.username, user.display_name or user.username, since=self.clock.now(),
                      phones=self.phones)
            self.agents[user.id] = a
        return a

    # transitions -----------------------------------------------------------------------------------------
    async def _set(self, a: Agent, state: str, *, reason: str = "", source: str, at: datetime | None = None,
                   event: dict[str, Any] | None = None) -> None:
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
        if a.wrapup_task is not None and state != "wrapup":
            a.wrapup_task.cancel()
            a.wrapup_task = None
        ev = dict(event or {})
        ev.setdefault("source", source)
        # tell listeners first (the screen pop is on the latency path), then store
        await self._tell(a, prev, ev)
        await self._store(a.row(), source, a.since)

    async def _tell(self, a: Agent, prev: str, ev: dict[str, Any]) -> None:
        for listener in self._listeners:
            try:
                await listener(a, prev, ev)
            except Exception:
                log.exception("agent state listener failed")

    # storage: written behind while the service runs, so AMI events never wait on the database -------------
    async def _store(self, row: dict[str, Any], source: str, at: datetime) -> None:
        if not self._writer.running:
            await self.repo.save_state(row, source, at)
            return
        self._writer.add((row, source, at))  # every change kept, in order

    def start_writer(self) -> None:
        """Write state changes behind, in order, batched (the running service; unit tests write at once)."""
        self._writer.start()

    @property
    def writer(self) -> WriteBehind:
        """The agent-state writer (its refused rows are set aside by ``WriteFailureStore.attach``)."""
        return self._writer

    async def flush(self) -> None:
        """Wait until every state change made so far is stored (tests, shutdown)."""
        await self._writer.flush()

    async def stop_writer(self) -> None:
        """Store what is pending (never cancelling a batch mid-transaction), then stop; wrap-up timers end."""
        await self._writer.stop()
        for a in self.agents.values():
            if a.wrapup_task is not None:
                a.wrapup_task.cancel()
                a.wrapup_task = None

    async def _ami(self, what: str, coro: Awaitable[None]) -> bool:
        """Run one AMI action; if Asterisk is unreachable the DB still holds the truth and resync applies it."""
        try:
            await coro
            return True
        except AsteriskError as e:
            log.warning("AMI %s failed (%s); applied at the next resync", what, e)
            return False

    def _reason(self, code: str, *, system_ok: bool = False) -> Any:
        r = self._pause_reasons.get(code)
        if r is None or not r.active:
            raise UNKNOWN_PAUSE_REASON({"code": code, "selectable_reasons": sorted(self.selectable_reasons())},
                                       field="reason")
        if r.system and not system_ok:
            raise PAUSE_REASON_SYSTEM_ONLY({"code": code}, field="reason")
        return r

    def reason_list(self) -> list[dict[str, Any]]:
        return [{"code": r.code, "label_zh": r.label_zh, "label_en": r.label_en, "away": r.away, "system": r.system}
                for r in self._pause_reasons.values() if r.active]

    def away_reasons(self) -> set[str]:
        """Pause reasons whose time counts as away from the desk (incl. the auto-pause after unanswered rings)."""
        return {c for c, r in self._pause_reasons.items() if r.away}

    def not_away_reasons(self) -> set[str]:
        """Pause reasons the centre marked as not away (time in them is work). Every other pause, ``not_ready``
        and a reason unknown here included, counts toward the away rule (seat discipline)."""
        return {c for c, r in self._pause_reasons.items() if not r.away}

    def selectable_reasons(self) -> list[str]:
        return [c for c, r in self._pause_reasons.items() if r.active and not r.system]

    async def login(self, user: User, extension: str) -> Agent:
        if "agent" not in user.roles:
            raise LOGIN_NEEDS_AGENT_ROLE(field="user")
        seat = await self.directory.seat(extension)
        if seat is None or not seat.active:
            raise SEAT_NOT_FOUND({"extension": extension}, field="extension")
        a = self.agent_for(user)
        if a.state != "logged_out":
            if a.extension == extension:
                return a  # already here: a second browser tab
            raise ALREADY_LOGGED_IN(seat=a.extension)
        holder = self.by_ext.get(extension)
        if holder is not None and holder.user_id != user.id:
            raise SEAT_TAKEN(seat=extension, taken_by=holder.username)
        a.extension = extension
        a.memberships = await self.directory.memberships(user.id)
        a.logged_in_at = self.clock.now()
        a.missed_rings = 0
        self.by_ext[extension] = a
        await self._set(a, "paused", reason="not_ready", source="agent")
        for q, penalty in a.memberships.items():
            await self._ami(f"QueueAdd {q}", self.ami.queue_add(q, a.interface, penalty=penalty, paused=True,
                                                               member_name=a.display_name, reason="not_ready"))
        return a

    async def ready(self, user: User) -> Agent:
        a = self._logged_in(user)
        if a.state == "ready":
            return a
        if a.state in BUSY_STATES:
            raise CANNOT_GO_READY({"state_text": state_words(a.state)}, state=a.state)
        a.missed_rings = 0
        await self._set(a, "ready", source="agent")
        await self._ami("QueuePause off", self.ami.queue_pause(a.interface, False))
        return a

    async def pause(self, user: User, reason: str) -> Agent:
        a = self._logged_in(user)
        self._reason(reason)
        if a.state in BUSY_STATES:
            raise CANNOT_PAUSE({"state_text": state_words(a.state)}, state=a.state)
        await self._pause(a, reason, "agent")
        return a

    async def _pause(self, a: Agent, reason: str, source: str, event: dict[str, Any] | None = None) -> None:
        await self._set(a, "paused", reason=reason, source=source, event=event)
        await self._ami("QueuePause on", self.ami.queue_pause(a.interface, True, reason))
        # the reason also goes to queue_log so queue-reporting tools see it (app_queue logs PAUSE itself)
        await self._ami("QueueLog", self.ami.queue_log("NONE", "PAUSEREASON", a.interface, reason))

    async def logout(self, user: User, source: str = "agent") -> Agent:
        a = self._logged_in(user)
        if a.state in BUSY_STATES:
            raise CANNOT_LOG_OUT({"state_text": state_words(a.state)}, state=a.state)
        await self._logout(a, source)
        return a

    async def _logout(self, a: Agent, source: str, event: dict[str, Any] | None = None) -> None:
        ext, queues = a.extension, list(a.memberships)
        for q in queues:
            await self._ami(f"QueueRemove {q}", self.ami.queue_remove(q, a.interface))
        if ext:
            self.by_ext.pop(ext, None)
        a.extension = None
        a.logged_in_at = None
        a.memberships = {}
        await self._set(a, "logged_out", source=source, event=event)

    def _logged_in(self, user: User) -> Agent:
        a = self.agents.get(user.id)
        if a is None or a.state == "logged_out":
            raise NOT_LOGGED_IN(state="logged_out")
        return a

    async def refresh_memberships(self, user_id: int) -> None:
        """Skills or queues changed: bring a logged-in agent's queue memberships in line."""
        a = self.agents.get(user_id)
        if a is None or a.state == "logged_out":
            return
        want = await self.directory.memberships(user_id)
        for q in set(a.memberships) - set(want):
            await self._ami(f"QueueRemove {q}", self.ami.queue_remove(q, a.interface))
        for q, pen in want.items():
            if q not in a.memberships:
                await self._ami(f"QueueAdd {q}", self.ami.queue_add(
                    q, a.interface, penalty=pen, paused=a.paused_in_asterisk, member_name=a.display_name,
                    reason=a.reason if a.paused_in_asterisk else ""))
            elif a.memberships[q] != pen:
                await self._ami(f"QueuePenalty {q}", self.ami.queue_penalty(q, a.interface, pen))
        a.memberships = want

    # wrap-up timer ---------------------------------------------------------------------------------------
    def _schedule_wrapup(self, a: Agent, queue: str | None) -> None:
        seconds: float = self.wrapup_seconds.get(queue or "", max(self.wrapup_seconds.values(), default=30))
        if a.since is not None:
            seconds = max(0.0, seconds - (self.clock.now() - a.since).total_seconds())
        a.wrapup_task = asyncio.get_running_loop().create_task(self._wrapup_ends(a, seconds),
                                                               name=f"wrapup {a.username}")

    async def _wrapup_ends(self, a: Agent, seconds: float) -> None:
        await asyncio.sleep(seconds)
        if a.state == "wrapup":
            a.wrapup_task = None  # this task is ending; _set must not cancel it
            await self._set(a, "ready", source=SYSTEM_SOURCE, event={"why": "wrapup_over"})
            await self._ami("QueuePause off", self.ami.queue_pause(a.interface, False))

    # AMI events ------------------------------------------------------------------------------------------
    def _agent_at(self, interface: str | None) -> Agent | None:
        ext = interface_extension(interface)
        return self.by_ext.get(ext or "")

    async def on_agent_called(self, ev: AgentCalled) -> None:
        a = self._agent_at(ev.interface)
        if a is None or a.state in ("logged_out", "on_call"):
            return
        a.call_uniqueid = ev.uniqueid or None
        a.channel = ev.dest_channel or None
        a.call_queue = ev.queue or None
        await self._set(a, "ringing", source="ami", at=ev.at, event={"ami": ev})

    async def on_agent_connect(self, ev: AgentConnect) -> None:
        """Asterisk put the agent through: on_call with this call whatever we thought before (ready, wrap-up,
        paused, ringing for another call): Asterisk's bridge is the fact."""
        uid = ev.uniqueid or None
        a = self._agent_at(ev.interface)
        if a is not None and a.state != "logged_out":
            a.call_uniqueid = uid or a.call_uniqueid
            a.channel = ev.dest_channel or a.channel
            a.call_queue = ev.queue or a.call_queue
            a.missed_rings = 0
            await self._set(a, "on_call", source="ami", at=ev.at, event={"ami": ev})
        # ringall: the others who were rung for this call are free again
        for other in list(self.by_ext.values()):
            if other is not a and other.state == "ringing" and other.call_uniqueid == uid:
                await self._set(other, "ready", source="ami", event={"why": "answered_elsewhere"})

    async def on_agent_complete(self, ev: AgentComplete) -> None:
        a = self._agent_at(ev.interface)
        if a is None or a.state != "on_call" or a.call_uniqueid != (ev.uniqueid or None):
            return
        await self._enter_wrapup(a, ev.queue, event={"ami": ev, "why": ev.reason or ""})

    async def _enter_wrapup(self, a: Agent, queue: str | None, event: dict[str, Any]) -> None:
        seconds = self.wrapup_seconds.get(queue or "", 30)
        if seconds <= 0:
            await self._set(a, "ready", source="ami", event=event)
            return
        await self._set(a, "wrapup", reason="wrapup", source="ami", event=event)
        await self._ami("QueuePause wrapup", self.ami.queue_pause(a.interface, True, "wrapup"))
        self._schedule_wrapup(a, queue)

    async def on_agent_ring_no_answer(self, ev: AgentRingNoAnswer) -> None:
        a = self._agent_at(ev.interface)
        if a is None or a.state != "ringing":
            return
        a.missed_rings += 1
        if self.auto_pause_after and a.missed_rings >= self.auto_pause_after:
            await self._pause(a, "no_answer", "system")
            # keep the count in the row so the supervisor sees why
        else:
            await self._set(a, "ready", source="ami", event={"why": "not_answered"})

    async def caller_gone(self, ev: QueueCallerAbandon | Hangup) -> None:
        """QueueCallerAbandon / Hangup of a caller: agents still ringing for it are free again."""
        uid = ev.uniqueid
        if not uid:
            return
        for a in list(self.by_ext.values()):
            if a.state == "ringing" and a.call_uniqueid == uid:
                await self._set(a, "ready", source="ami", event={"why": "caller_left"})

    async def on_hangup(self, ev: Hangup) -> None:
        """The agent's own leg hung up without AgentComplete (e.g. an outbound or transferred call)."""
        await self.caller_gone(ev)
        chan = ev.channel
        for a in list(self.by_ext.values()):
            if a.state == "on_call" and a.channel and a.channel == chan:
                await self._enter_wrapup(a, a.call_queue, event={"why": "hangup"})

    async def _on_phone(self, p: Phone, before: Phone) -> None:
        """The phones' watcher: the device state of a seat's phone changed; the agent there is shown anew (the
        desktop, the board). Seat discipline hears of the phone from the phones themselves, not from this."""
        a = self.by_ext.get(p.extension)
        if a is not None and p.device != before.device:
            await self._tell(a, a.state, {"source": "ami", "device": p.device})

    # resync ----------------------------------------------------------------------------------------------
    async def resync(self, queue_status: Sequence[Mapping[str, str]], channels: Sequence[Mapping[str, str]],
                     since: int | None = None,
                     queue_of: Callable[[str], str | None] | None = None) -> dict[str, int]:
        """After every AMI (re)connect: make Asterisk's queue members match the DB (the truth), and the agents'
        calls match Asterisk's channels (the truth for calls).

        An agent whose seat phone is bridged with a caller (its leg has the caller's Linkedid) is on that call —
        after a service restart the stored state may lack the phone's channel, or events may have been missed.
        ``since``: :meth:`mark` taken before the snapshot was requested; an agent changed by an event after it
        is newer than the snapshot and is not judged by it. ``queue_of``: the queue of a call (the tracker)."""
        members: dict[tuple[str, str], Mapping[str, str]] = {}
        for e in queue_status:
            if e.get("Event") == "QueueMember":
                iface = e.get("StateInterface") or e.get("Location") or ""
                members[(e.get("Queue", ""), e.get("Location") or iface)] = e
        live = {c.get("Uniqueid") for c in channels}
        talking = {interface_extension(leg.get("Channel")): (caller, leg)
                   for caller, leg in bridged_agent_legs(channels).items()}
        counts = {"added": 0, "removed": 0, "paused": 0, "penalty": 0, "calls_gone": 0, "calls_found": 0}
        wanted: set[tuple[str, str]] = set()
        for a in list(self.by_ext.values()):
            fresh = since is not None and a.touched > since
            found = talking.get(a.extension)
            if found is not None and not fresh:
                caller, leg = found
                a.channel = leg.get("Channel") or a.channel
                if a.state != "on_call" or a.call_uniqueid != caller:
                    counts["calls_found"] += 1
                    a.call_uniqueid = caller
                    a.call_queue = (queue_of(caller) if queue_of else None) or a.call_queue
                    a.missed_rings = 0
                    await self._set(a, "on_call", source=SYSTEM_SOURCE, event={"why": "resync"})
                elif a.call_queue is None and queue_of is not None:
                    a.call_queue = queue_of(caller)
            elif a.state in BUSY_STATES and a.call_uniqueid not in live and not fresh:
                # the call ended while we could not see it (Asterisk restarted, link down)
                counts["calls_gone"] += 1
                if a.state == "on_call":
                    await self._enter_wrapup(a, a.call_queue, event={"why": "call_lost"})
                else:
                    await self._set(a, "ready", source=SYSTEM_SOURCE, event={"why": "call_lost"})
            for q, pen in a.memberships.items():
                key = (q, a.interface)
                wanted.add(key)
                m = members.get(key)
                paused = a.paused_in_asterisk
                if m is None:
                    if await self._ami(f"QueueAdd {q}", self.ami.queue_add(
                            q, a.interface, penalty=pen, paused=paused, member_name=a.display_name,
                            reason=a.reason if paused else "")):
                        counts["added"] += 1
                    continue
                if m.get("Penalty", "0") != str(pen):
                    await self._ami(f"QueuePenalty {q}", self.ami.queue_penalty(q, a.interface, pen))
                    counts["penalty"] += 1
                if (m.get("Paused") == "1") != paused:
                    await self._ami(f"QueuePause {q}", self.ami.queue_pause(
                        a.interface, paused, a.reason if paused else "", queue=q))
                    counts["paused"] += 1
        for (q, iface), m in members.items():
            if (q, iface) not in wanted and m.get("Membership") == "dynamic":
                await self._ami(f"QueueRemove {q}", self.ami.queue_remove(q, iface))
                counts["removed"] += 1
        if any(counts.values()):
            log.info("queue member resync: %s", counts)
        return counts

    # supervisor actions (the wallboard) ---------------------------------------------------------------------
    def _seated(self, username: str) -> Agent:
        a = self.handling(username)
        if a is None:
            raise AGENT_NOT_LOGGED_IN(agent=username)
        return a

    async def force_pause(self, username: str, reason: str, by: str, note: str = "") -> Agent:
        """A supervisor pauses an agent (state log source ``supervisor``); not while ringing or on a call."""
        a = self._seated(username)
        self._reason(reason)
        if a.state in BUSY_STATES:
            raise FORCE_PAUSE_ON_CALL({"username": username, "state_text": state_words(a.state)}, state=a.state)
        await self._pause(a, reason, SUPERVISOR_SOURCE, event={"by": by, "note": note})
        return a

    async def force_logout(self, username: str, by: str, note: str = "") -> Agent:
        """A supervisor logs an agent out of their seat (removed from every queue); not while ringing or on a call."""
        a = self._seated(username)
        if a.state in BUSY_STATES:
            raise FORCE_LOGOUT_ON_CALL({"username": username, "state_text": state_words(a.state)}, state=a.state)
        await self._logout(a, SUPERVISOR_SOURCE, event={"by": by, "note": note})
        return a

    async def spy(self, username: str, mode: str, seat: str, by: str) -> dict[str, str]:
        """Listen / whisper / barge: ring the supervisor's ``seat``; when answered, ChanSpy on the agent's leg of the
        call (dialplan context ``cc-spy``, extension = the mode)."""
        if mode not in SPY_MODES:
            raise UNKNOWN_SPY_MODE({"spy_modes": list(SPY_MODES), "mode": mode}, field="mode")
        a = self._seated(username)
        if a.state != "on_call" or not a.channel:
            raise AGENT_NOT_ON_CALL({"username": username, "state_text": state_words(a.state)}, state=a.state)
        s = await self.directory.seat(seat)
        if s is None or not s.active:
            raise SPY_SEAT_NOT_FOUND({"seat": seat}, field="seat")
        if seat == a.extension:
            raise SPY_SEAT_IS_AGENTS({"seat": seat, "username": username}, field="seat")
        holder = self.by_ext.get(seat)
        if holder is not None and holder.username != by:
            raise SPY_SEAT_TAKEN({"seat": seat, "username": holder.username}, field="seat")
        await self._act(self.ami.originate(f"PJSIP/{seat}", "cc-spy", mode, caller_id=f"{mode} <{a.extension}>",
                                           variables={"CC_SPY": a.channel}), mode)
        return {"mode": mode, "seat": seat, "agent": username, "channel": a.channel,
                "call_uniqueid": a.call_uniqueid or ""}

    # call control from the desktop ------------------------------------------------------------------------
    async def transfer(self, user: User, caller_channel: str | None, target_type: str, target: str,
                       mode: str) -> dict[str, str]:
        """Blind: the caller is redirected to the target (the agent's leg ends → wrap-up). Attended: Atxfer on the
        agent's leg; the agent talks to the target first and completes by hanging up."""
        a = self._logged_in(user)
        if a.state != "on_call":
            raise TRANSFER_NEEDS_CALL(state=a.state)
        if target_type == "queue":
            if target not in self.queue_names:
                raise UNKNOWN_QUEUE({"target": target, "queue_names": sorted(self.queue_names)}, field="target")
            exten = f"q-{target}"
        else:
            if not target.isdigit() or len(target) > 16:
                raise EXTENSION_NOT_DIGITS({"target": target}, field="target")
            if target == a.extension:
                raise TRANSFER_TO_OWN_SEAT(field="target")
            exten = target
        if mode == "blind":
            if not caller_channel:
                raise CALLER_CHANNEL_UNKNOWN(call=a.call_uniqueid)
            await self._act(self.ami.redirect(caller_channel, "cc-transfer", exten), "transfer")
        else:
            if not a.channel:
                raise AGENT_CHANNEL_UNKNOWN(call=a.call_uniqueid)
            await self._act(self.ami.atxfer(a.channel, "cc-transfer", exten), "attended transfer")
        return {"call_uniqueid": a.call_uniqueid or "", "target": exten, "mode": mode}

    async def call_out(self, user: User, number: str, caller_id: str) -> dict[str, str]:
        """Click-to-call: ring the agent's own phone, then the customer over the trunk."""
        a = self._logged_in(user)
        if a.state in BUSY_STATES:
            raise CANNOT_DIAL({"state_text": state_words(a.state)}, state=a.state)
        digits = "".join(ch for ch in number if ch.isdigit())
        if len(digits) < 3 or len(digits) > 20 or any(not (ch.isdigit() or ch in " +-()") for ch in number):
            raise NUMBER_NOT_DIGITS({"number": number}, field="number")
        await self._act(self.ami.originate(a.interface, "cc-outbound", digits, caller_id=f"<{digits}>",
                                           variables={"CC_AGENT": a.username, "CC_CALLER_ID": caller_id}),
                        "click-to-call")
        return {"number": digits, "extension": a.extension or ""}

    @staticmethod
    async def _act(coro: Awaitable[None], what: str) -> None:
        try:
            await coro
        except AsteriskError as e:
            raise ASTERISK_ACTION_FAILED({"what": what, "e": e}) from e

    # reads -----------------------------------------------------------------------------------------------
    def logged_in(self) -> list[Agent]:
        return sorted(self.by_ext.values(), key=lambda a: a.extension or "")

    def everyone(self) -> list[Agent]:
        """Every agent known since the start, logged in or not (attendance reads their live states)."""
        return list(self.agents.values())

    async def refresh_all_memberships(self) -> None:
        """Every logged-in agent's queue memberships made to follow their skills again (queues changed)."""
        for a in list(self.by_ext.values()):
            await self.refresh_memberships(a.user_id)

    def handling(self, username: str) -> Agent | None:
        for a in self.by_ext.values():
            if a.username == username:
                return a
        return None

    def at_seat(self, extension: str) -> Agent | None:
        """The agent logged in at that seat."""
        return self.by_ext.get(extension)

    def seat_and_state(self, user_id: int) -> tuple[str | None, str] | None:
        """(seat, state) of a logged-in agent; None when not logged in (the users' administration shows it)."""
        a = self.agents.get(user_id)
        if a is None or a.state == "logged_out":
            return None
        return a.extension, a.state

    def rename(self, user_id: int, display_name: str) -> None:
        """The user's display name changed (admin): the agent's rows show the new one."""
        a = self.agents.get(user_id)
        if a is not None:
            a.display_name = display_name

    def username_at(self, extension: str) -> str | None:
        """The username of the agent logged in at that seat (the recorder names a call's agent by it)."""
        a = self.by_ext.get(extension)
        return a.username if a else None
