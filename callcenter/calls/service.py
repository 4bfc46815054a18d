"""Call tracking: turns AMI events (and IVR callbacks) into one persisted record per inbound call.

Rules:
* A call starts with the caller channel's ``Newchannel`` in the inbound context (Uniqueid == Linkedid).
* Queue events (QueueCallerJoin, AgentCalled, AgentConnect, AgentComplete, QueueCallerAbandon,
  QueueCallerLeave) carry the *caller's* Uniqueid and fill queue/agent/timestamps.
* ``Hangup`` of the caller channel ends it. Outcome: ``answered`` if an agent connected; ``abandoned`` if
  the caller hung up in the IVR or while queued; ``failed`` otherwise (queue timeout, IVR failure, lost).
* Event times come from the AMI ``Timestamp`` header (manager.conf ``timestampevents``), so a replayed
  trace produces the same record; the injected clock is used only when no timestamp is present.
* After every AMI (re)connect :meth:`resync` reconciles with Asterisk's live channels: calls that ended
  while we were disconnected are completed (``end_reason='lost_during_disconnect'``), live calls we did
  not know are picked up.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from callcenter.calls.models import Call
from callcenter.calls.repository import CallRepository
from callcenter.clock import Clock, from_epoch
from callcenter.writebehind import WriteBehind

log = logging.getLogger(__name__)

# IVR exits that end the call without an agent: outcome, end_reason
IVR_EXIT_OUTCOMES = {
    "voicemail": ("voicemail", "voicemail"),
    "transfer": ("transferred", "transfer"),
    "hangup": ("ended_in_ivr", "ivr_hangup"),
}


@dataclass
class CallState:
    uniqueid: str
    linkedid: str | None = None
    channel: str | None = None
    caller_number: str | None = None
    caller_name: str | None = None
    dialled_number: str | None = None
    ivr_entered_at: datetime | None = None
    ivr_exited_at: datetime | None = None
    queue: str | None = None
    agent_extension: str | None = None
    agent_name: str | None = None
    agent_interface: str | None = None
    arrived_at: datetime | None = None
    queued_at: datetime | None = None
    ringing_at: datetime | None = None
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    outcome: str | None = None
    end_reason: str | None = None
    hangup_cause: str | None = None
    wait_seconds: float | None = None
    talk_seconds: float | None = None
    ivr_flow_version_id: int | None = None
    ivr_path: list[dict[str, Any]] | None = None
    # not persisted
    abandoned: bool = False
    left_queue: bool = False
    in_ivr: bool = False
    ivr_exit: str | None = None  # how the IVR handed the call on: queue / voicemail / transfer / hangup

    _TRANSIENT = ("abandoned", "left_queue", "in_ivr", "ivr_exit")

    def row(self) -> dict[str, Any]:
        # shallow on purpose (dataclasses.asdict deep-copies the IVR path on every save); the path list is
        # replaced, never mutated, so a stored row cannot change behind the writer's back
        return {k: getattr(self, k) for k in _PERSISTED}

    @classmethod
    def from_row(cls, c: Call) -> CallState:
        fields = {k: getattr(c, k) for k in cls.__dataclass_fields__ if k not in cls._TRANSIENT}
        return cls(**fields)


_PERSISTED = tuple(f for f in CallState.__dataclass_fields__ if f not in CallState._TRANSIENT)


def _num(v: str | None) -> str | None:
    if v is None or v in ("", "<unknown>"):
        return None
    return v


def interface_extension(interface: str | None) -> str | None:
    """``PJSIP/1001`` → ``1001``; ``Local/1001@agents/n`` → ``1001``."""
    if not interface:
        return None
    tail = interface.split("/", 1)[-1]
    return tail.split("@", 1)[0].split("-", 1)[0] or None


def _duration(hms: str | None) -> float:
    try:
        h, m, s = (int(x) for x in (hms or "").split(":"))
        return float(h * 3600 + m * 60 + s)
    except ValueError:
        return 0.0


class CallTracker:
    def __init__(self, repo: CallRepository, clock: Clock, inbound_context: str) -> None:
        self.repo = repo
        self.clock = clock
        self.inbound_context = inbound_context
        self.active: dict[str, CallState] = {}
        self._finished: OrderedDict[str, None] = OrderedDict()  # recently ended uniqueids (replay guard)
        self._writer = WriteBehind(lambda rows: self.repo.upsert_many(rows), "call-writer")
        self._watchers: list[Callable[[CallState], None]] = []

    def watch(self, fn: Callable[[CallState], None]) -> None:
        """``fn(call)`` after every change of a tracked call (the wallboard's live figures). Synchronous and cheap:
        it runs on the AMI dispatcher's path."""
        self._watchers.append(fn)

    def _changed(self, st: CallState) -> None:
        for fn in self._watchers:
            try:
                fn(st)
            except Exception:
                log.exception("call watcher failed")

    # helpers -------------------------------------------------------------------------------------------
    def _at(self, ev: dict[str, str]) -> datetime:
        ts = ev.get("Timestamp")
        if ts:
            try:
                return from_epoch(float(ts))
            except ValueError:
                pass
        return self.clock.now()

    async def _save(self, st: CallState) -> None:
        self._changed(st)
        if not self._writer.running:
            await self.repo.upsert(st.row())
            return
        # write-behind: the AMI dispatcher and the IVR never wait for the database; the writer stores every
        # changed call in one transaction per batch (latest state of a call wins)
        self._writer.add(st.row(), key=st.uniqueid)

    @property
    def writes(self) -> int:
        return self._writer.batches

    def start_writer(self) -> None:
        """Switch to write-behind persistence (the running service does; unit tests write synchronously)."""
        self._writer.start()

    async def flush(self) -> None:
        """Wait until every change so far is stored."""
        await self._writer.flush()

    async def stop_writer(self) -> None:
        """Store what is being written and what is still pending, then stop writing behind."""
        await self._writer.stop()

    def _remember_finished(self, uniqueid: str) -> None:
        self._finished[uniqueid] = None
        while len(self._finished) > 10000:
            self._finished.popitem(last=False)

    async def load_open_calls(self) -> int:
        """Rebuild in-memory state for calls the DB still has in progress (service restart)."""
        for c in await self.repo.open_calls():
            self.active[c.uniqueid] = CallState.from_row(c)
        return len(self.active)

    async def _new_call(self, uniqueid: str, at: datetime, check_db: bool = True, **fields: Any) -> CallState | None:
        """Start tracking a call, or merge into the one already tracked (AGI and AMI race to be first).

        ``check_db``: look for a stored row first (replayed events of a call that already ended). The IVR
        path skips it: AGI only runs for live calls, and open calls are loaded at startup."""
        if uniqueid in self._finished:
            return None
        existing = None
        if uniqueid not in self.active and check_db:
            existing = await self.repo.get_by_uniqueid(uniqueid)
        if uniqueid in self.active:
            st = self.active[uniqueid]
        elif existing is not None:
            if existing.ended_at is not None:
                self._remember_finished(uniqueid)
                return None
            st = CallState.from_row(existing)
        else:
            st = CallState(uniqueid=uniqueid, arrived_at=at)
        for k, v in fields.items():
            if v is not None and getattr(st, k) is None:
                setattr(st, k, v)
        if st.arrived_at is None or at < st.arrived_at:
            st.arrived_at = at
        self.active[uniqueid] = st
        return st

    # AMI event handlers --------------------------------------------------------------------------------
    async def on_newchannel(self, ev: dict[str, str]) -> None:
        uid = ev.get("Uniqueid", "")
        if not uid or ev.get("Context") != self.inbound_context or ev.get("Linkedid", uid) != uid:
            return
        st = await self._new_call(
            uid,
            self._at(ev),
            linkedid=ev.get("Linkedid"),
            channel=ev.get("Channel"),
            caller_number=_num(ev.get("CallerIDNum")),
            caller_name=_num(ev.get("CallerIDName")),
            dialled_number=_num(ev.get("Exten")),
        )
        if st is not None:
            await self._save(st)

    async def on_queue_caller_join(self, ev: dict[str, str]) -> None:
        st = self.active.get(ev.get("Uniqueid", ""))
        if st is None:
            return
        st.queue = ev.get("Queue") or st.queue
        st.queued_at = st.queued_at or self._at(ev)
        st.left_queue = False
        await self._save(st)

    async def on_agent_called(self, ev: dict[str, str]) -> None:
        st = self.active.get(ev.get("Uniqueid", ""))
        if st is None:
            return
        if st.ringing_at is None:
            st.ringing_at = self._at(ev)
            st.queue = st.queue or ev.get("Queue")
            await self._save(st)

    async def on_agent_connect(self, ev: dict[str, str]) -> None:
        st = self.active.get(ev.get("Uniqueid", ""))
        if st is None or st.answered_at is not None:
            return
        at = self._at(ev)
        st.answered_at = at
        st.queue = ev.get("Queue") or st.queue
        st.agent_interface = ev.get("Interface") or None
        st.agent_extension = interface_extension(st.agent_interface)
        st.agent_name = _num(ev.get("MemberName"))
        hold = ev.get("HoldTime")
        if st.queued_at is not None:  # sub-second precision from the event timestamps
            st.wait_seconds = max(0.0, (at - st.queued_at).total_seconds())
        elif hold and hold.isdigit():
            st.wait_seconds = float(hold)
        await self._save(st)

    async def on_agent_complete(self, ev: dict[str, str]) -> None:
        st = self.active.get(ev.get("Uniqueid", ""))
        if st is None:
            return
        talk = ev.get("TalkTime")
        if talk and talk.isdigit():
            st.talk_seconds = float(talk)
            await self._save(st)

    async def on_queue_caller_abandon(self, ev: dict[str, str]) -> None:
        st = self.active.get(ev.get("Uniqueid", ""))
        if st is not None:
            st.abandoned = True
            self._changed(st)

    async def on_queue_caller_leave(self, ev: dict[str, str]) -> None:
        st = self.active.get(ev.get("Uniqueid", ""))
        if st is not None:
            st.left_queue = True
            self._changed(st)

    async def on_hangup(self, ev: dict[str, str]) -> None:
        st = self.active.get(ev.get("Uniqueid", ""))
        if st is None:
            return
        st.hangup_cause = ev.get("Cause-txt") or ev.get("Cause") or None
        await self._finish(st, self._at(ev), reason=None)

    # IVR callbacks (FastAGI runs in-process) -----------------------------------------------------------
    async def ivr_entered(self, uniqueid: str, env: dict[str, str], flow_version_id: int | None = None) -> None:
        """The IVR started (or resumed after a queue fallback) on this call."""
        at = self.clock.now()
        st = self.active.get(uniqueid)
        if st is None:  # AGI can outrun the AMI event queue: create from the AGI environment
            st = await self._new_call(
                uniqueid,
                at,
                check_db=False,
                channel=env.get("agi_channel"),
                caller_number=_num(env.get("agi_callerid")),
                caller_name=_num(env.get("agi_calleridname")),
                dialled_number=_num(env.get("agi_extension")),
            )
            if st is None:
                return
        st.ivr_entered_at = st.ivr_entered_at or at
        st.ivr_flow_version_id = st.ivr_flow_version_id or flow_version_id
        st.in_ivr = True
        await self._save(st)

    async def ivr_step(self, uniqueid: str, step: dict[str, Any]) -> None:
        """One node visited: appended to the call's IVR path (shown to the agent in the screen pop)."""
        st = self.active.get(uniqueid)
        if st is None:
            return
        st.ivr_path = [*(st.ivr_path or []), step]
        await self._save(st)

    async def ivr_exited(self, uniqueid: str, queue: str | None, exit_kind: str = "queue") -> None:
        st = self.active.get(uniqueid)
        if st is None:
            return
        st.ivr_exited_at = st.ivr_exited_at or self.clock.now()
        st.in_ivr = False
        st.ivr_exit = exit_kind
        if queue:
            st.queue = queue
        await self._save(st)

    # end of call -----------------------------------------------------------------------------------------
    async def _finish(self, st: CallState, at: datetime, reason: str | None) -> None:
        st.ended_at = at
        if st.answered_at is not None:
            st.outcome = "answered"
            st.end_reason = reason or "completed"
            if st.talk_seconds is None:
                st.talk_seconds = max(0.0, (at - st.answered_at).total_seconds())
        elif reason is not None:
            st.outcome = "failed"
            st.end_reason = reason
        elif st.ivr_exit in IVR_EXIT_OUTCOMES and not st.in_ivr:
            st.outcome, st.end_reason = IVR_EXIT_OUTCOMES[st.ivr_exit]
        elif st.in_ivr or (st.ivr_entered_at is not None and st.ivr_exited_at is None):
            st.outcome = "abandoned"
            st.end_reason = "caller_hangup_in_ivr"
        elif st.abandoned or (st.queued_at is not None and not st.left_queue):
            st.outcome = "abandoned"
            st.end_reason = "caller_hangup_in_queue"
        elif st.left_queue:
            st.outcome = "failed"
            st.end_reason = "queue_timeout"
        else:
            st.outcome = "failed"
            st.end_reason = "not_queued"
        if st.wait_seconds is None and st.queued_at is not None:
            st.wait_seconds = max(0.0, ((st.answered_at or at) - st.queued_at).total_seconds())
        await self._save(st)
        self.active.pop(st.uniqueid, None)
        self._remember_finished(st.uniqueid)

    async def resync(self, channels: list[dict[str, str]], queue_entries: list[dict[str, str]]) -> dict[str, int]:
        """Reconcile with Asterisk's live channels (CoreShowChannels) and queue callers (QueueStatus)."""
        now = self.clock.now()
        live = {c.get("Uniqueid", ""): c for c in channels}
        closed = 0
        for uid, st in list(self.active.items()):
            if uid not in live:
                await self._finish(st, now, reason="lost_during_disconnect")
                closed += 1
        picked = 0
        for uid, c in live.items():
            if uid in self.active or c.get("Context") != self.inbound_context or c.get("Linkedid", uid) != uid:
                continue
            st = await self._new_call(
                uid,
                now - timedelta(seconds=_duration(c.get("Duration"))),
                linkedid=c.get("Linkedid"),
                channel=c.get("Channel"),
                caller_number=_num(c.get("CallerIDNum")),
                caller_name=_num(c.get("CallerIDName")),
                dialled_number=_num(c.get("Exten")),
            )
            if st is not None:
                await self._save(st)
                picked += 1
        for e in queue_entries:
            st = self.active.get(e.get("Uniqueid", ""))
            if st is not None and st.queued_at is None:
                st.queue = e.get("Queue") or st.queue
                wait = float(e["Wait"]) if e.get("Wait", "").isdigit() else 0.0
                st.queued_at = now - timedelta(seconds=wait)
                await self._save(st)
        if closed or picked:
            log.info("call resync: %d closed as lost, %d live calls picked up", closed, picked)
        return {"closed": closed, "picked_up": picked}
