"""Call tracking: turns AMI events (and IVR callbacks) into one persisted record per inbound call.

Rules:
* A call starts with the caller channel's ``Newchannel`` in the inbound context (Uniqueid == Linkedid).
* Queue events (QueueCallerJoin, AgentCalled, AgentConnect, AgentComplete, QueueCallerAbandon,
  QueueCallerLeave) carry the *caller's* Uniqueid and fill queue/agent/timestamps.
* ``Hangup`` of the caller channel ends it. Outcome: ``answered`` if an agent connected; ``abandoned`` if
  the caller hung up in the IVR or while queued; ``failed`` otherwise (queue timeout, IVR failure, lost).
* Event times come from the AMI ``Timestamp`` header (manager.conf ``timestampevents``), so a replayed
  trace produces the same record; the injected clock is used only when no timestamp is present.
* An outbound call the product places (:meth:`CallTracker.outbound_started`, before its Originate) is tracked
  from the start under the uniqueid the product gave its first leg (the agent's phone, Originate ``ChannelId``):
  ``DialEnd`` of that leg (the agent answered, the customer was dialled) gives the customer's side — ``ANSWER``
  answered (from then), ``NOANSWER`` no_answer, ``BUSY`` busy; the dialled leg's hang-up cause ``Call Rejected``
  (21) rejected, ``No answer`` / ``No user responding`` (19, 18: a SIP 480 or 408) no_answer; anything else
  failed — and the leg's ``Hangup`` ends it; a hang-up before any dial means the agent did not take their own
  phone (failed, ``agent_no_answer``).
* A conference's party leg (:meth:`CallTracker.party_leg_started`: a seat's phone, or a queue's expert through a
  Local channel) is an outbound call of the agent who placed it, stored before its Originate under the uniqueid the
  product gave the originated channel, ``linkedid`` the conference's call: the Originate's ``OriginateResponse``
  says whether it was answered (``Success``: the phone taken, the expert connected) or why not (its ``Reason``,
  with the leg's hang-up cause), the leg's ``Hangup`` ends it. The expert's queued Local half is never a call of
  its own: its queue events are not an inbound call's (offered, answered in that queue).
* After every AMI (re)connect :meth:`resync` reconciles with Asterisk's live channels: calls that ended
  while we were disconnected are completed (``end_reason='lost_during_disconnect'``), live calls we did
  not know are picked up, and a queued call whose caller is bridged with an agent's phone is answered.
* Events keep flowing while the resync runs (the dispatcher and the resync are separate tasks), so the
  snapshot can be older than what events already said: a call changed by an event after the snapshot was
  requested (:meth:`mark`) is never closed by it, and a queue event for a call not tracked yet (its
  ``Newchannel`` came before we connected, or while the resync was still picking it up) starts tracking it
  instead of being dropped. A queued call that Asterisk bridged with an agent (``AgentConnect``, or
  ``BridgeEnter`` of the agent's leg into the caller's bridge) is answered, never abandoned.
"""

from __future__ import annotations

import logging
import re
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from callcenter.asterisk.events import (
    ORIGINATE_ACTION_PREFIX,
    AgentCalled,
    AgentComplete,
    AgentConnect,
    BridgeEnter,
    CoreShowChannel,
    DialBegin,
    DialEnd,
    Hangup,
    Newchannel,
    OriginateResponse,
    QueueCallerAbandon,
    QueueCallerEvent,
    QueueCallerJoin,
    QueueCallerLeave,
    QueueEntry,
    TypedEvent,
    is_inbound_caller,
)
from callcenter.calls.models import Call
from callcenter.calls.repository import CallRepository
from callcenter.clock import Clock
from callcenter.writebehind import WriteBehind

log = logging.getLogger(__name__)

# the trunk's channels (PJSIP/trunk-<n>), and the number in the dial string of a leg dialled over it
TRUNK_CHANNEL = "PJSIP/trunk-"
_DIALLED = re.compile(r"^trunk/sip:([0-9]{3,20})@")

# IVR exits that end the call without an agent: outcome, end_reason
IVR_EXIT_OUTCOMES = {
    "voicemail": ("voicemail", "voicemail"),
    "transfer": ("transferred", "transfer"),
    "hangup": ("ended_in_ivr", "ivr_hangup"),
    "callback": ("callback", "callback_requested"),  # left the queue to be called back in their turn
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
    direction: str = "inbound"
    customer_id: int | None = None
    agent_username: str | None = None
    # a queued caller's call-back: this outbound call's place waits in ``queue`` for the caller who asked (their
    # call's uniqueid) since they joined (``queued_at``) until an agent takes it (``taken_at``)
    callback_of: str | None = None
    taken_at: datetime | None = None
    # not persisted
    abandoned: bool = False
    left_queue: bool = False
    in_ivr: bool = False
    ivr_exit: str | None = None  # how the IVR handed the call on: queue / voicemail / transfer / hangup
    touched: int = 0  # the tracker's change counter at this call's last change (resync: newer than the snapshot?)
    answered_by_bridge: bool = False  # answered_at/agent taken from a bridge, not (yet) from AgentConnect
    dial_status: str | None = None  # outbound: the DialEnd status of the customer's leg
    dialled_cause: str | None = None  # outbound: the customer's leg's hang-up cause (21: rejected)
    # out of Queue() answering the call-back offer's questions: their place is kept (a hang-up is abandoned)
    confirming_callback: bool = False
    # a queued call-back's outbound call: its place (a Local channel) is in line in ``queue`` now
    place_waiting: bool = False
    # when the agent's leg of an answered queue call hung up while the caller stayed (the post-call survey: app_queue's
    # c option then sends AgentComplete only when the caller leaves, its TalkTime running to then)
    agent_left_at: datetime | None = None
    # a conference's party leg: its OriginateResponse's Reason (not answered), and when the leg hung up unanswered
    # (its outcome waits for that Reason)
    originate_reason: str | None = None
    hung_up_at: datetime | None = None

    _TRANSIENT = ("abandoned", "left_queue", "in_ivr", "ivr_exit", "touched", "answered_by_bridge", "dial_status",
                  "dialled_cause", "confirming_callback", "place_waiting", "originate_reason", "hung_up_at",
                  "agent_left_at")

    @property
    def party_leg(self) -> bool:
        """A conference's party leg (:meth:`CallTracker.party_leg_started`): an outbound call that is another call's leg
        (its linkedid) and not a trunk leg — told from the stored fields, so it holds after a restart too."""
        return (self.direction == "outbound" and self.linkedid not in (None, self.uniqueid)
                and not (self.channel or "").startswith(TRUNK_CHANNEL))

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


def _originated(ev: OriginateResponse) -> str | None:
    """The uniqueid the product gave the channel of an Originate this response ends (either response), or None."""
    aid = ev.action_id or ""
    return (aid[len(ORIGINATE_ACTION_PREFIX):] or None) if aid.startswith(ORIGINATE_ACTION_PREFIX) else None


# a party leg not answered: the OriginateResponse's Reason (Asterisk's control frame: 0 no channel, 1 hung up,
# 3 rang out, 5 busy, 8 congestion) and the leg's hang-up cause → outcome, end_reason
def _party_outcome(st: CallState) -> tuple[str, str]:
    reason, cause = st.originate_reason, st.dialled_cause
    if reason in (None, "", "0") and st.hung_up_at is None:
        return "failed", "originate_failed"  # no channel was made (no phone registered at the seat)
    if st.queue is not None:
        return "no_answer", "expert_no_answer"  # nobody of the queue took it before it gave up
    if cause == "21":
        return "rejected", "party_rejected"
    if reason == "5" or cause == "17":
        return "busy", "party_busy"
    if reason == "3" or cause in ("18", "19"):
        return "no_answer", "party_no_answer"
    if reason == "8":
        return "failed", "dial_congestion"
    return "failed", "party_hung_up"


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
        self._seq = 0  # bumped on every change of a tracked call
        self._bridges: dict[str, dict[str, tuple[str, str]]] = {}  # bridge id → uniqueid → (channel, linkedid)
        self._bridge_of: dict[str, str] = {}  # uniqueid → bridge id
        self._places: dict[str, str] = {}  # a call-back's place in a queue (Local channel) → its outbound call
        self._agent_legs: dict[str, str] = {}  # the agent's channel of an answered queue call → the caller's uniqueid
        # a channel the service originated that will dial the trunk for a call (a conference's outside party: its
        # Local channel's second half) → that call's uniqueid, whose agent and customer the leg takes; dropped when
        # it dials, when the Originate is refused (forget_leg) and when that channel hangs up without dialling
        self._leg_origins: dict[str, str] = {}
        # a conference expert's queued Local half → the party leg it serves (the Local channel's first half)
        self._queue_halves: dict[str, str] = {}

    def mark(self) -> int:
        """The change counter now: pass it to :meth:`resync` with a snapshot requested after this call, so a call
        changed by an event after that point is not judged by the (older) snapshot."""
        return self._seq

    def watch(self, fn: Callable[[CallState], None]) -> None:
        """``fn(call)`` after every change of a tracked call (the wallboard's live figures). Synchronous and cheap:
        it runs on the AMI dispatcher's path."""
        self._watchers.append(fn)

    def _changed(self, st: CallState) -> None:
        self._seq += 1
        st.touched = self._seq
        for fn in self._watchers:
            try:
                fn(st)
            except Exception:
                log.exception("call watcher failed")

    # helpers -------------------------------------------------------------------------------------------
    def _at(self, ev: TypedEvent) -> datetime:
        return ev.at or self.clock.now()

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

    @property
    def writer(self) -> WriteBehind:
        """The call-record writer (its refused rows are set aside by ``WriteFailureStore.attach``)."""
        return self._writer

    def call(self, uniqueid: str) -> CallState | None:
        """The tracked call of that uniqueid while it goes on."""
        return self.active.get(uniqueid)

    def queue_of(self, uniqueid: str) -> str | None:
        """The queue a call still going on is in (or was last put in)."""
        st = self.active.get(uniqueid)
        return st.queue if st else None

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
            if uniqueid in self._finished:  # its Hangup was handled while we looked (resync and events race)
                return None
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
    async def on_newchannel(self, ev: Newchannel) -> None:
        if not ev.uniqueid or not is_inbound_caller(ev, self.inbound_context):
            return
        st = await self._new_call(
            ev.uniqueid,
            self._at(ev),
            linkedid=ev.linkedid,
            channel=ev.channel,
            caller_number=_num(ev.caller_id_num),
            caller_name=_num(ev.caller_id_name),
            dialled_number=_num(ev.exten),
        )
        if st is not None:
            await self._save(st)

    async def _queue_call(self, ev: QueueCallerEvent) -> CallState | None:
        """The call a queue event is about. Queue events carry the caller's channel; one we do not track yet (its
        Newchannel came before we connected, or the resync is still picking it up) is tracked from here on, so
        an answer is never lost to that race."""
        uid = ev.uniqueid
        st = self.active.get(uid)
        if st is not None or not uid or not ev.first_leg or uid in self._queue_halves:
            return st
        return await self._new_call(
            uid, self._at(ev), linkedid=ev.linkedid, channel=ev.channel,
            caller_number=_num(ev.caller_id_num), caller_name=_num(ev.caller_id_name))

    def _place_moved(self, place_uniqueid: str, waiting: bool) -> bool:
        """A call-back's place joined (``waiting``) or left its queue: told on its outbound call (not stored: the
        place is no call of its own). Whether ``place_uniqueid`` is such a place."""
        out = self.active.get(self._places.get(place_uniqueid, ""))
        if place_uniqueid not in self._places:
            return False
        if out is not None and out.place_waiting != waiting:
            out.place_waiting = waiting
            self._changed(out)
        return True

    async def on_queue_caller_join(self, ev: QueueCallerJoin) -> None:
        if self._place_moved(ev.uniqueid, True):
            return
        st = await self._queue_call(ev)
        if st is None:
            return
        st.queue = ev.queue or st.queue
        st.queued_at = st.queued_at or self._at(ev)
        st.left_queue = False
        st.confirming_callback = False
        await self._save(st)

    async def on_agent_called(self, ev: AgentCalled) -> None:
        st = await self._queue_call(ev)
        if st is None:
            return
        if st.ringing_at is None:
            st.ringing_at = self._at(ev)
            st.queue = st.queue or ev.queue
            await self._save(st)

    async def on_agent_connect(self, ev: AgentConnect) -> None:
        placed = self._places.pop(ev.uniqueid, None)
        if placed is not None:  # a call-back's place was answered: its outbound call has its agent
            out = self.active.get(placed)
            if out is not None:
                out.place_waiting = False
                out.taken_at = out.taken_at or self._at(ev)
                out.agent_interface = ev.interface or None
                out.agent_extension = interface_extension(out.agent_interface)
                out.agent_name = _num(ev.member_name)
                out.queue = ev.queue or out.queue
                await self._save(out)
            return
        leg = self.active.get(self._queue_halves.get(ev.uniqueid, ""))
        if leg is not None:  # a conference's expert took the party leg: its agent is them from now on
            leg.agent_interface = ev.interface or leg.agent_interface
            leg.agent_extension = interface_extension(ev.interface) or leg.agent_extension
            leg.agent_name = _num(ev.member_name) or leg.agent_name
            leg.queue = ev.queue or leg.queue
            self._answer_party(leg, self._at(ev))
            await self._save(leg)
            return
        st = await self._queue_call(ev)
        if st is None or (st.answered_at is not None and not st.answered_by_bridge):
            return
        at = self._at(ev)
        if st.answered_at is None or at < st.answered_at:
            st.answered_at = at
        st.answered_by_bridge = False
        st.queue = ev.queue or st.queue
        st.agent_interface = ev.interface or None
        st.agent_extension = interface_extension(st.agent_interface)
        st.agent_name = _num(ev.member_name)
        st.left_queue = True
        if ev.dest_channel:
            self._agent_legs[ev.dest_channel] = st.uniqueid
        hold = ev.hold_time
        if st.queued_at is not None:  # sub-second precision from the event timestamps
            st.wait_seconds = max(0.0, (st.answered_at - st.queued_at).total_seconds())
        elif hold and hold.isdigit():
            st.wait_seconds = float(hold)
        await self._save(st)

    async def on_agent_complete(self, ev: AgentComplete) -> None:
        st = await self._queue_call(ev)
        if st is None:
            return
        talk = ev.talk_time
        if st.agent_left_at is not None and st.answered_at is not None and ev.reason == "caller":
            # the agent hung up first and the caller stayed on (the survey): the talk ended with the agent's leg
            st.talk_seconds = max(0.0, (st.agent_left_at - st.answered_at).total_seconds())
            await self._save(st)
        elif talk and talk.isdigit():
            st.talk_seconds = float(talk)
            await self._save(st)

    async def on_queue_caller_abandon(self, ev: QueueCallerAbandon) -> None:
        if self._place_moved(ev.uniqueid, False):
            return
        st = self.active.get(ev.uniqueid)
        if st is not None:
            st.abandoned = True
            self._changed(st)

    async def on_queue_caller_leave(self, ev: QueueCallerLeave) -> None:
        if self._place_moved(ev.uniqueid, False):
            return
        st = await self._queue_call(ev)
        if st is not None:
            st.left_queue = True
            self._changed(st)

    async def on_bridge_enter(self, ev: BridgeEnter) -> None:
        """A channel joined a bridge. When a queued caller and a phone's leg of the same call (its Linkedid) share
        one, an agent answered: the call is answered even if its AgentConnect was never seen."""
        bridge, uid = ev.bridge_uniqueid or "", ev.uniqueid
        if not bridge or not uid:
            return
        leg = self.active.get(uid)
        if leg is not None and leg.party_leg and leg.answered_at is None:  # a party joined the conference
            self._answer_party(leg, self._at(ev))
            await self._save(leg)
        linked = ev.linkedid or uid
        old = self._bridge_of.pop(uid, None)
        if old is not None and old != bridge:
            self._bridges.get(old, {}).pop(uid, None)
            if not self._bridges.get(old):
                self._bridges.pop(old, None)
        members = self._bridges.setdefault(bridge, {})
        members[uid] = (ev.channel or "", linked)
        self._bridge_of[uid] = bridge
        for member_uid, (channel, member_linked) in list(members.items()):
            st = self.active.get(member_linked)
            if member_uid != member_linked and st is not None and st.uniqueid in members:
                await self._bridged(st, channel, self._at(ev))

    async def _bridged(self, st: CallState, agent_channel: str, at: datetime, queued_only: bool = True) -> None:
        """The caller of call ``st`` is bridged with ``agent_channel`` (``PJSIP/1001-0000002a``): answered there.
        ``queued_only``: only if the call was queued (from events: an IVR transfer to a phone keeps its own
        outcome); the resync also answers a call it has just picked up, whose queueing it never saw."""
        if st.answered_at is not None or not agent_channel.startswith("PJSIP/") or st.ivr_exit == "transfer":
            return
        if queued_only and st.queued_at is None:
            return
        iface = agent_channel.rsplit("-", 1)[0]
        st.answered_at = at
        st.answered_by_bridge = True
        st.agent_interface = iface
        st.agent_extension = interface_extension(iface)
        st.left_queue = True
        if st.queued_at is not None:
            st.wait_seconds = max(0.0, (at - st.queued_at).total_seconds())
        await self._save(st)

    def _forget_bridge(self, uid: str) -> None:
        bridge = self._bridge_of.pop(uid, None)
        if bridge is not None:
            members = self._bridges.get(bridge, {})
            members.pop(uid, None)
            if not members:
                self._bridges.pop(bridge, None)

    async def on_hangup(self, ev: Hangup) -> None:
        self._forget_bridge(ev.uniqueid)
        caller = self._agent_legs.pop(ev.channel or "", None)
        if caller is not None:
            answered = self.active.get(caller)
            if answered is not None and answered.ended_at is None:  # the caller may stay on: the survey
                answered.agent_left_at = self._at(ev)
        if self._place_moved(ev.uniqueid, False):
            del self._places[ev.uniqueid]  # the place is gone (the call-back ended before an agent took it)
        self.forget_leg(ev.uniqueid)  # an originated half that never dialled the trunk (the outside gate refused)
        st = self.active.get(ev.uniqueid)
        if st is not None and st.party_leg and st.answered_at is None:
            # a party leg that was not answered: why not is said by its OriginateResponse (its Reason), which can
            # come just before or just after this; the cause is kept for it
            st.hangup_cause = ev.cause_txt or ev.cause or None
            st.dialled_cause = ev.cause or None
            if st.originate_reason is None:
                st.hung_up_at = self._at(ev)
                self._changed(st)
                return
        if st is None:
            out = self._outbound(ev.linkedid) if ev.linkedid != ev.uniqueid else None
            if out is not None and out.answered_at is None:  # the dialled leg: why the customer's side ended
                out.dialled_cause = ev.cause or None
            return
        st.hangup_cause = ev.cause_txt or ev.cause or None
        if st.direction == "outbound" and (st.channel or "").startswith(TRUNK_CHANNEL) and st.answered_at is None:
            st.dialled_cause = ev.cause or None  # a trunk leg of its own (_trunk_leg): why the far side ended
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

    # outbound calls ---------------------------------------------------------------------------------------
    async def outbound_started(self, uniqueid: str, number: str, *, agent_username: str, agent_extension: str,
                               agent_interface: str, agent_name: str | None, customer_id: int | None,
                               caller_id: str | None = None, callback_of: str | None = None,
                               queue: str | None = None, queued_at: datetime | None = None) -> CallState:
        """The product is about to originate an outbound call whose first leg (the agent's phone, ringing now)
        gets ``uniqueid``: tracked and stored from now on. ``callback_of``, ``queue``, ``queued_at``: a queued
        caller's call-back, whose place waits in ``queue`` for that caller from when they joined it (stored, so
        the place is known again after a restart: :meth:`link_place`)."""
        at = self.clock.now()
        st = CallState(uniqueid=uniqueid, linkedid=uniqueid, caller_number=number, dialled_number=number,
                       caller_name=caller_id, agent_extension=agent_extension, agent_interface=agent_interface,
                       agent_name=agent_name, arrived_at=at, ringing_at=at, direction="outbound",
                       customer_id=customer_id, agent_username=agent_username, callback_of=callback_of,
                       queue=queue if callback_of else None, queued_at=queued_at if callback_of else None)
        self.active[uniqueid] = st
        await self._save(st)
        return st

    def callback_confirming(self, uniqueid: str) -> None:
        """The caller pressed the call-back key and answers its questions out of ``Queue()``: still waiting for
        service at their place (the board counts them; a hang-up now is abandoned in the queue) until they are back
        in line (QueueCallerJoin) or :meth:`callback_requested`."""
        st = self.active.get(uniqueid)
        if st is not None and not st.confirming_callback:
            st.confirming_callback = True
            self._changed(st)

    def callback_requested(self, uniqueid: str) -> None:
        """The caller left the queue to be called back in their turn: their call ends as ``callback``."""
        st = self.active.get(uniqueid)
        if st is not None:
            st.ivr_exit, st.in_ivr, st.left_queue, st.confirming_callback = "callback", False, True, False
            self._changed(st)

    def link_place(self, place_uniqueid: str, call_uniqueid: str) -> None:
        """A queued call-back's place (the Local channel waiting in the queue) belongs to the outbound call
        ``call_uniqueid`` (started with ``callback_of``): the agent the queue connects to the place is that call's
        agent. Also after a restart, for the places still in Asterisk (the link is in ``queue_callbacks``)."""
        self._places[place_uniqueid] = call_uniqueid

    async def outbound_failed(self, uniqueid: str, reason: str) -> None:
        """The Originate itself was refused (Asterisk unreachable, the action failed): nothing rang."""
        st = self.active.get(uniqueid)
        if st is not None and st.direction == "outbound":
            await self._finish(st, self.clock.now(), reason=reason)

    async def on_originate_response(self, ev: OriginateResponse) -> None:
        """An outbound call whose Originate failed before anyone dialled the customer: over, even when no channel
        was ever made (a seat with no registered phone sends no Newchannel and no Hangup, only this). Reason 0:
        Asterisk could not make the channel; otherwise the agent's phone was not taken (its Hangup, if any, then
        finds the call already ended). A conference's party leg: :meth:`_party_originated`."""
        leg = self._outbound(_originated(ev))
        if leg is not None and leg.party_leg:
            await self._party_originated(leg, ev)
            return
        uid = ev.failed_call
        st = self._outbound(uid)
        if st is not None and st.dial_status is None and st.answered_at is None:
            await self._finish(st, self._at(ev), reason="originate_failed" if ev.reason in (None, "", "0")
                               else "agent_no_answer")

    async def _party_originated(self, st: CallState, ev: OriginateResponse) -> None:
        """A party leg's Originate ended: ``Success`` the phone was taken (a seat's; an expert's Local channel is up
        when the expert took the queue's call), else not answered — over now, at its Hangup if that came first."""
        at = self._at(ev)
        if ev.response == "Success":
            st.channel = st.channel or ev.channel or None
            if st.answered_at is None:
                self._answer_party(st, at)
                await self._save(st)
            return
        if st.answered_at is not None:
            return
        st.originate_reason = ev.reason or "0"
        await self._finish(st, st.hung_up_at or at, reason=None)

    @staticmethod
    def _answer_party(st: CallState, at: datetime) -> None:
        st.answered_at = at
        st.dial_status = "ANSWER"
        st.wait_seconds = max(0.0, (at - (st.arrived_at or at)).total_seconds())

    async def party_leg_started(self, uniqueid: str, call_uniqueid: str, target: str, *, agent_username: str,
                                agent_extension: str, agent_interface: str, agent_name: str | None,
                                queue: str | None = None, queued_half: str | None = None) -> CallState:
        """The product is about to originate a party into the conference of the call ``call_uniqueid``: a seat's
        phone (``target`` the seat) or, with ``queue``, a Local channel whose ``queued_half`` queues for an expert of
        it. Stored from now on under ``uniqueid`` (the originated channel's) as an outbound call of the agent who
        placed it, with the call's customer; the customer's number as its caller number (the party's phone shows
        it), the seat or the queue as the number dialled. An expert's leg takes the expert as its agent's seat and
        name once they take it (its ``agent_username`` stays who placed it)."""
        at = self.clock.now()
        origin = self.active.get(call_uniqueid)
        st = CallState(uniqueid=uniqueid, linkedid=call_uniqueid,
                       caller_number=origin.caller_number if origin else None,
                       caller_name=origin.caller_name if origin else None, dialled_number=target, queue=queue,
                       agent_extension=agent_extension, agent_interface=agent_interface, agent_name=agent_name,
                       arrived_at=at, ringing_at=at, direction="outbound",
                       customer_id=origin.customer_id if origin else None, agent_username=agent_username)
        if queued_half:
            self._queue_halves[queued_half] = uniqueid
        self.active[uniqueid] = st
        await self._save(st)
        return st

    def _outbound(self, uniqueid: str | None) -> CallState | None:
        st = self.active.get(uniqueid or "")
        return st if st is not None and st.direction == "outbound" else None

    def expect_leg(self, channel_uniqueid: str, call_uniqueid: str) -> None:
        """``channel_uniqueid`` (a channel the service originates, e.g. a conference party's Local half) will dial
        the trunk for the call ``call_uniqueid``: the leg it dials is that call's agent's outbound call."""
        self._leg_origins[channel_uniqueid] = call_uniqueid

    def forget_leg(self, channel_uniqueid: str) -> None:
        """``channel_uniqueid`` will dial nothing for anyone (its Originate was refused, or it hung up): forgotten."""
        self._leg_origins.pop(channel_uniqueid, None)
        self._queue_halves.pop(channel_uniqueid, None)

    def _trunk_leg_of(self, dest_uniqueid: str | None) -> CallState | None:
        """The trunk leg of its own (:meth:`_trunk_leg`) a DialEnd's destination is, if it is one. (Not any outbound
        call by its DestUniqueid: an Originate's own DialEnd names the agent's leg as its destination, with ANSWER
        when the agent's phone is taken — long before the customer answers.)"""
        st = self._outbound(dest_uniqueid)
        return st if st is not None and (st.channel or "").startswith(TRUNK_CHANNEL) else None

    async def _trunk_leg(self, ev: DialBegin) -> None:
        """A channel the tracker does not follow as an outbound call dials the trunk — a transfer to an outside
        number (blind: the caller's channel; attended: the agent's transfer channel), the IVR's transfer node, a
        conference's outside party: that leg is an outbound call of its own, under the uniqueid Asterisk gave it,
        with the agent and the customer of the call it was dialled for (none for the IVR's)."""
        dest_uid, dest = ev.dest_uniqueid or "", ev.dest_channel or ""
        if not dest_uid or not dest.startswith(TRUNK_CHANNEL) or dest_uid in self.active:
            return
        m = _DIALLED.search(ev.dial_string or "")
        if m is None:
            return
        origin_uid = self._leg_origins.pop(ev.uniqueid, None)
        origin = (self.active.get(origin_uid or "") or self.active.get(ev.uniqueid)
                  or self.active.get(ev.linkedid or ""))
        at = self._at(ev)
        st = CallState(uniqueid=dest_uid, linkedid=origin.uniqueid if origin is not None else ev.linkedid,
                       channel=dest, caller_number=m.group(1), dialled_number=m.group(1), arrived_at=at,
                       ringing_at=at, direction="outbound", dial_status="DIALLING")
        if origin is not None:
            st.customer_id, st.agent_username = origin.customer_id, origin.agent_username
            st.agent_extension, st.agent_interface = origin.agent_extension, origin.agent_interface
            st.agent_name = origin.agent_name
        self.active[dest_uid] = st
        await self._save(st)

    async def on_dial_begin(self, ev: DialBegin) -> None:
        """The agent took their phone; the dialplan dials the customer (or another channel dials the trunk:
        :meth:`_trunk_leg`)."""
        st = self._outbound(ev.uniqueid)
        if st is None:
            await self._trunk_leg(ev)
            return
        if ev.channel:
            st.channel = st.channel or ev.channel
            st.dial_status = st.dial_status or "DIALLING"
            await self._save(st)

    async def on_dial_end(self, ev: DialEnd) -> None:
        st = self._outbound(ev.uniqueid) or self._trunk_leg_of(ev.dest_uniqueid)
        if st is None:
            return
        st.dial_status = (ev.dial_status or "").upper() or "UNKNOWN"
        if st.dial_status == "ANSWER" and st.answered_at is None:
            st.answered_at = self._at(ev)
            st.wait_seconds = max(0.0, (st.answered_at - (st.arrived_at or st.answered_at)).total_seconds())
        await self._save(st)

    def _outbound_outcome(self, st: CallState) -> tuple[str, str]:
        if st.answered_at is not None:
            return "answered", "completed"
        status = st.dial_status
        if status is None:
            return "failed", "agent_no_answer"  # the agent's own phone was not taken: nobody was dialled
        if st.dialled_cause == "21":
            return "rejected", "customer_rejected"
        if st.dialled_cause in ("18", "19"):  # no user responding / no answer (e.g. SIP 408, 480)
            return "no_answer", "customer_no_answer"
        return {"NOANSWER": ("no_answer", "customer_no_answer"), "BUSY": ("busy", "customer_busy"),
                "CANCEL": ("failed", "agent_hung_up"), "DIALLING": ("failed", "agent_hung_up")}.get(
            status, ("failed", f"dial_{status.lower()}"[:32]))

    # end of call -----------------------------------------------------------------------------------------
    async def _finish(self, st: CallState, at: datetime, reason: str | None) -> None:
        st.ended_at = at
        if st.party_leg:
            if st.answered_at is not None:
                st.outcome, st.end_reason = "answered", reason or "completed"
                if st.talk_seconds is None:
                    st.talk_seconds = max(0.0, (at - st.answered_at).total_seconds())
            elif reason is not None and st.originate_reason is None:  # refused, or lost while disconnected
                st.outcome, st.end_reason = "failed", reason
            else:
                st.outcome, st.end_reason = _party_outcome(st)
            for half, leg in list(self._queue_halves.items()):
                if leg == st.uniqueid:
                    del self._queue_halves[half]
        elif st.direction == "outbound" and (reason is None or st.dial_status not in (None, "DIALLING")):
            # an outbound call whose customer's side was known (answered, busy...) keeps that outcome when it is
            # found gone after a disconnect; only the end reason says the end was not seen
            st.outcome, st.end_reason = self._outbound_outcome(st)
            st.end_reason = reason or st.end_reason
            if st.answered_at is not None and st.talk_seconds is None:
                st.talk_seconds = max(0.0, (at - st.answered_at).total_seconds())
        elif st.answered_at is not None:
            st.outcome = "answered"
            st.end_reason = reason or "completed"
            if st.talk_seconds is None:
                st.talk_seconds = max(0.0, ((st.agent_left_at or at) - st.answered_at).total_seconds())
        elif reason is not None:
            st.outcome = "failed"
            st.end_reason = reason
        elif st.ivr_exit in IVR_EXIT_OUTCOMES and not st.in_ivr:
            st.outcome, st.end_reason = IVR_EXIT_OUTCOMES[st.ivr_exit]
        elif st.in_ivr or (st.ivr_entered_at is not None and st.ivr_exited_at is None):
            st.outcome = "abandoned"
            st.end_reason = "caller_hangup_in_ivr"
        elif st.abandoned or st.confirming_callback or (st.queued_at is not None and not st.left_queue):
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

    async def resync(self, channels: Sequence[Mapping[str, str]], queue_entries: Sequence[Mapping[str, str]],
                     since: int | None = None) -> dict[str, int]:
        """Reconcile with Asterisk's live channels (CoreShowChannels) and queue callers (QueueStatus).

        ``since``: :meth:`mark` taken before the snapshot was requested. Events are handled while the snapshot
        is read and applied, so a call changed after ``since`` is newer than the snapshot and is left as the
        events made it (it may have started after the channel list was taken)."""
        now = self.clock.now()
        live = {c.get("Uniqueid", ""): c for c in channels}
        closed = 0
        for uid, old in list(self.active.items()):
            if uid not in live and (since is None or old.touched <= since):
                await self._finish(old, now, reason="lost_during_disconnect")
                closed += 1
        picked = 0
        for uid, raw in live.items():
            c = CoreShowChannel.parse(raw)
            if uid in self.active or not is_inbound_caller(c, self.inbound_context):
                continue
            st = await self._new_call(
                uid,
                now - timedelta(seconds=_duration(c.duration)),
                linkedid=c.linkedid,
                channel=c.channel,
                caller_number=_num(c.caller_id_num),
                caller_name=_num(c.caller_id_name),
                dialled_number=_num(c.exten),
            )
            if st is not None:
                await self._save(st)
                picked += 1
        entries = [QueueEntry.parse(e) for e in queue_entries]
        in_line = {e.uniqueid for e in entries}
        for place, out in list(self._places.items()):  # a call-back's place: in line as Asterisk has it now
            if out in self.active:
                self._place_moved(place, place in in_line)
            else:
                del self._places[place]
        for e in entries:
            st = self.active.get(e.uniqueid)
            if st is not None and st.queued_at is None:
                st.queue = e.queue or st.queue
                wait = float(e.wait) if e.wait and e.wait.isdigit() else 0.0
                st.queued_at = now - timedelta(seconds=wait)
                await self._save(st)
        answered = 0
        for caller, agent_leg in bridged_agent_legs(channels).items():
            st = self.active.get(caller)
            if st is not None and st.answered_at is None and st.direction == "outbound":
                # the first leg is the agent's phone, the bridged one the customer's: answered while unseen (the
                # agent stays the one who placed it)
                st.answered_at = now - timedelta(seconds=_duration(agent_leg.get("Duration")))
                st.dial_status = "ANSWER"
                st.wait_seconds = max(0.0, (st.answered_at - (st.arrived_at or st.answered_at)).total_seconds())
                await self._save(st)
                answered += 1
            elif st is not None and st.answered_at is None:
                await self._bridged(st, agent_leg.get("Channel", ""),
                                    now - timedelta(seconds=_duration(agent_leg.get("Duration"))), queued_only=False)
                answered += st.answered_at is not None
        if closed or picked or answered:
            log.info("call resync: %d closed as lost, %d live calls picked up, %d found answered",
                     closed, picked, answered)
        return {"closed": closed, "picked_up": picked, **({"answered": answered} if answered else {})}


def bridged_agent_legs(channels: Sequence[Mapping[str, str]]) -> dict[str, Mapping[str, str]]:
    """From a CoreShowChannels list: caller uniqueid → the phone leg (``PJSIP/<seat>-…``, same Linkedid) that is
    in the same bridge as the caller — who is talking to whom, as Asterisk has it now."""
    by_uid = {c.get("Uniqueid", ""): c for c in channels}
    out: dict[str, Mapping[str, str]] = {}
    for c in channels:
        uid, linked, bridge = c.get("Uniqueid", ""), c.get("Linkedid", ""), c.get("BridgeId", "")
        if not bridge or not linked or uid == linked or not c.get("Channel", "").startswith("PJSIP/"):
            continue
        caller = by_uid.get(linked)
        if caller is not None and caller.get("BridgeId") == bridge:
            out.setdefault(linked, c)
    return out
