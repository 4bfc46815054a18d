"""A conference on a call (电话会议, issue 15 part 5): the agent adds a third party — a seat, an expert of a queue, or
an outside number the admin allowed — to their call with the customer; the agent may leave the others to it or end
it; a supervisor joins it from the board, listening or talking. One ConfBridge per call, named ``cc-<call
uniqueid>`` (``asterisk_conf/confbridge.conf`` for the profiles, ``[cc-conference]`` in ``extensions.conf`` for the
way in; docs/outbound.md "Conference").

How it is built on Asterisk:

- **The first party added starts it.** The agent's leg and the one channel bridged with it (the customer's: the
  caller of an inbound call, the dialled leg of a click-to-call) are read from ``CoreShowChannels`` (same
  ``BridgeId``, same ``Linkedid``) and moved into the conference together by one AMI ``Redirect`` with
  ``ExtraChannel`` — moving only one would leave a dialled leg alone in its bridge, and Asterisk hangs that up.
  The dialplan names the conference from their Linkedid, which is the call's uniqueid; nothing a browser sent
  reaches it. The service waits until ``ConfbridgeList`` shows both in it, then originates the party: a seat's
  phone (``PJSIP/<seat>``); ``Local/q-<queue>@cc-conference-queue/n``, whose other half queues for an agent of
  that queue (app_queue rings them, so their desk and state follow as for any queue call); or
  ``Local/<number>@cc-transfer-outside/n``, whose other half goes through the outside numbers' gate (the same
  allow-list and caller ID as a transfer, ``outside_numbers.transfer``) to the trunk. Each joins ``[cc-conference]``
  ``party`` with ``CC_CONF`` = the call's uniqueid once answered. Later parties are only originated.
- **Who holds it open** (the profiles): the staff (the agent, the parties, a supervisor who talks) are marked users,
  the customer and a listening supervisor are ``end_marked``: kicked when the last of the staff leaves, so the
  customer is never left alone in it. The customer leaving ends it (:meth:`Conferences.on_hangup` kicks everyone),
  and so does the agent's leg of a call the agent placed (a click-to-call's record and recording are that leg).
- **The agent's state**: app_queue does not see the Redirect as the end of the call (its ``AgentComplete`` comes
  when the agent's leg or the caller hangs up), so the agent stays ``on_call`` while in the conference and wraps
  up when their leg leaves it (kicked by "leave" or "end", or their phone hung up): the ACD's own reactions
  (``AgentComplete``, the leg's ``Hangup``), nothing here.
- **Every party is a call** (issue 15, "outbound calls are calls"): a seat's or an expert's leg is stored by the
  call tracker before its Originate (``LegOrigins.party_leg_started``) under the uniqueid the service gives the
  originated channel (Originate ``ChannelId``; an expert's queued Local half gets ``OtherChannelId``), an outbound
  call of the agent who added it, tied to the call; an outside party's trunk leg is recorded when its Local half
  dials the trunk (``expect_leg``; ``forget_leg`` when the Originate is refused). The agent logged in at an added
  seat is ``ringing`` with that leg while their phone rings, ``on_call`` once they take it (the Originate's
  ``OriginateResponse`` ``Success``: :meth:`Conferences.on_originate_response`) and wraps up — or goes back to
  their pause — when the leg hangs up (the ACD's reactions, as for a call they placed). A queue's expert is rung,
  put through and wrapped up by app_queue's events, as for any queue call.
- **Recording**: the call's recording goes on — the dialplan's MixMonitor on the call's recorded channel (the
  customer's on an inbound call, the agent's leg on a click-to-call) hears that channel and the conference's mix
  of everyone else, so the whole conference is in the call's one file, indexed by the Recorder when the call ends.
  That is also why leaving is refused on a click-to-call: the recording would end with the agent's leg.

Everything a browser sends is checked before any AMI field: a seat is digits (2-16) and an active seat of the
directory, a queue is one of the directory's names, an outside number must match an entry the admin allowed for
transfers (``OutsideUse.allows``), the supervisor's seat as for listening in; the dialplan checks the call id
(REGEX), the queue name and the outside number (its gate) again.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, TypeVar

from callcenter.acd.actions import AcdAmi, asked_action
from callcenter.acd.agents import BUSY_STATES, Agent, AgentStates
from callcenter.acd.config import AcdConfig
from callcenter.acd.errors import (
    AGENT_CHANNEL_UNKNOWN,
    AGENT_NOT_IN_CONFERENCE,
    AGENT_NOT_ON_CALL,
    ASTERISK_ACTION_FAILED,
    CONFERENCE_DID_NOT_START,
    CONFERENCE_FULL,
    CONFERENCE_LEAVE_OUTBOUND,
    CONFERENCE_NEEDS_CALL,
    CONFERENCE_NOT_TWO_PARTY,
    CONFERENCE_OWN_SEAT,
    CONFERENCE_SEAT_BUSY,
    CONFERENCE_UNKNOWN_TARGET_TYPE,
    EXTENSION_NOT_DIGITS,
    NOT_IN_CONFERENCE,
    NUMBER_NOT_DIGITS,
    OUTSIDE_NUMBER_NOT_ALLOWED,
    SEAT_NOT_FOUND,
    UNKNOWN_JOIN_MODE,
    UNKNOWN_QUEUE,
    state_words,
)
from callcenter.asterisk.errors import AsteriskError
from callcenter.asterisk.events import ORIGINATE_ACTION_PREFIX, Hangup, OriginateResponse
from callcenter.auth.models import User
from callcenter.clock import Clock
from callcenter.directory.repository import DirectoryRepository
from callcenter.outside_numbers import OutsideUse, normalise

log = logging.getLogger(__name__)
T = TypeVar("T")

CONTEXT = "cc-conference"  # asterisk_conf/extensions.conf
QUEUE_CONTEXT = "cc-conference-queue"
# the call id the dialplan accepts (Asterisk's <epoch>.<sequence>, the same REGEX as [cc-conference])
CALL_ID = re.compile(r"^[0-9]{9,11}[.][0-9]+$")
SEAT = re.compile(r"^[0-9]{2,16}$")  # a seat's number, as the directory and the [agents] patterns have it
PARTY_KINDS = ("seat", "queue", "outside")
OUTSIDE_CONTEXT = "cc-transfer-outside"  # the outside numbers' gate (REGEX, DIALPLAN_EXISTS, then the trunk)
JOIN_MODES = ("listen", "talk")
MAX_MEMBERS = 6  # confbridge.conf [cc-bridge] max_members
START_WAIT_SECONDS = 3.0  # how long the Redirect may take to put both channels in the conference


def conference_name(call_uniqueid: str) -> str:
    """The ConfBridge of a call: ``cc-<the call's uniqueid>`` (the dialplan computes the same from the Linkedid)."""
    return f"cc-{call_uniqueid}"


def _digits(text: str | None, limit: int = 20) -> str:
    return "".join(ch for ch in (text or "") if ch.isdigit())[:limit]


def member_view(m: Mapping[str, str], agent_channel: str | None) -> dict[str, Any]:
    """A ConfbridgeList row as the desktop shows it: the role (the ``[cc-conference]`` extension it came in by:
    customer, agent, party, listen, talk), who it is (a seat's number, a queue's name for its expert, an outside
    number, the customer's number), muted, and whether it is the asking agent's own leg. The channel name itself is
    not shown."""
    channel = m.get("Channel", "")
    role = m.get("Exten", "") if m.get("Exten", "") in ("customer", "agent", "party", "listen", "talk") else "party"
    who, kind = _digits(m.get("CallerIDNum")), "customer" if role == "customer" else "seat"
    if channel.startswith("Local/q-"):
        kind, who = "queue", channel[len("Local/q-"):].split("@", 1)[0]
    elif channel.startswith("Local/") and f"@{OUTSIDE_CONTEXT}-" in channel:
        kind, who = "outside", _digits(channel[len("Local/"):].split("@", 1)[0])
    elif channel.startswith("PJSIP/") and role != "customer":
        who = channel[len("PJSIP/"):].rsplit("-", 1)[0]
    return {"role": role, "kind": kind, "who": who, "muted": m.get("Muted", "") == "Yes",
            "you": bool(agent_channel) and channel == agent_channel}


class LegOrigins(Protocol):
    """Where a conference's party legs are recorded (``callcenter.calls.service.CallTracker``): which originated
    channel dials the trunk for which call (``expect_leg``, ``forget_leg``), a seat's or an expert's leg
    (``party_leg_started``), an Originate refused (``outbound_failed``)."""

    def expect_leg(self, channel_uniqueid: str, call_uniqueid: str) -> None: ...

    def forget_leg(self, channel_uniqueid: str) -> None: ...

    async def party_leg_started(self, uniqueid: str, call_uniqueid: str, target: str, *, agent_username: str,
                                agent_extension: str, agent_interface: str, agent_name: str | None,
                                queue: str | None = None, queued_half: str | None = None) -> object: ...

    async def outbound_failed(self, uniqueid: str, reason: str) -> None: ...


def originated_uniqueid(ev: OriginateResponse) -> str | None:
    """The uniqueid the service gave the channel of the Originate this response ends (Success or Failure)."""
    aid = ev.action_id or ""
    return (aid[len(ORIGINATE_ACTION_PREFIX):] or None) if aid.startswith(ORIGINATE_ACTION_PREFIX) else None


@dataclass
class Conference:
    """What the service keeps of a conference (who is in it is always read from Asterisk: ``ConfbridgeList``)."""

    call_uniqueid: str
    agent_username: str
    agent_channel: str
    customer_channel: str
    outbound: bool  # a click-to-call: the call and its recording are the agent's leg
    started_at: datetime
    added: list[dict[str, Any]] = field(default_factory=list)  # {kind, target, by, at}: the parties asked for
    agent_left: bool = False

    @property
    def name(self) -> str:
        return conference_name(self.call_uniqueid)


class Conferences:
    """The conferences of the agents' calls (one per call), built on AMI Redirect / Originate / ConfbridgeList /
    ConfbridgeKick; see the module's docstring."""

    def __init__(self, states: AgentStates, config: AcdConfig, directory: DirectoryRepository, ami: AcdAmi,
                 clock: Clock, *, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.states = states
        self.config = config
        self.directory = directory
        self.ami = ami
        self.clock = clock
        self.sleep = sleep
        self.live: dict[str, Conference] = {}  # call uniqueid → conference
        # plugged in by the wiring: an outside party's trunk leg is an outbound call of the conference's call (the
        # call tracker is told which Local half will dial it), under uniqueids from the ACD's ``new_uniqueid``
        self.legs: LegOrigins | None = None
        self.new_uniqueid: Callable[[], str] | None = None
        self.seat_legs: dict[str, str] = {}  # a seat party's leg (uniqueid) still ringing → the seat

    # the agent's own call -------------------------------------------------------------------------------------
    def _on_call(self, user: User) -> Agent:
        a = self.states.logged_in_agent(user)
        if a.state != "on_call" or not a.call_uniqueid:
            raise CONFERENCE_NEEDS_CALL({"state_text": state_words(a.state)}, state=a.state)
        if not a.channel:
            raise AGENT_CHANNEL_UNKNOWN(call=a.call_uniqueid)
        return a

    async def _members(self, call_uniqueid: str) -> list[Mapping[str, str]]:
        return list(await _read(self.ami.confbridge_list(conference_name(call_uniqueid)), "reading the conference")
                    or ())

    async def _in_conference(self, a: Agent) -> tuple[Conference, list[Mapping[str, str]]] | None:
        """The agent's conference and its members when the agent's leg is in it, else None."""
        uid = a.call_uniqueid or ""
        if not CALL_ID.match(uid):
            return None
        members = await self._members(uid)
        if not any(m.get("Channel") == a.channel for m in members):
            return None
        conf = self.live.get(uid)
        if conf is None:  # a conference the service did not see start (it was restarted meanwhile)
            customer = next((m.get("Channel", "") for m in members if m.get("Exten") == "customer"), "")
            # the agent's leg is the call's first one (its uniqueid is the Linkedid): a click-to-call
            outbound = any(m.get("Channel") == a.channel and m.get("Uniqueid") == m.get("Linkedid") for m in members)
            conf = Conference(uid, a.username, a.channel or "", customer, outbound, started_at=self.clock.now())
            self.live[uid] = conf
        return conf, members

    # the agent's actions --------------------------------------------------------------------------------------
    async def add_party(self, user: User, target_type: str, target: str, caller_number: str | None = None,
                        outside: OutsideUse | None = None) -> dict[str, Any]:
        """Add a seat, a queue's expert or an outside number to the agent's call, starting the conference if it is
        not one yet. The target is checked before any action is sent; ``caller_number``: the customer's number,
        shown to a seat or an expert; ``outside``: the numbers a transfer may reach (None: none)."""
        a = self._on_call(user)
        dial, target = await self._party_dial(a, target_type, target, outside)
        found = await self._in_conference(a)
        started = found is None
        if found is None:
            conf = await self._start(a)
        else:
            conf, members = found
            if len(members) >= MAX_MEMBERS:
                raise CONFERENCE_FULL(max_members=MAX_MEMBERS)
        number = _digits(caller_number) or (a.extension or "")
        originate = functools.partial(self.ami.originate, dial, CONTEXT, "party", caller_id=f"conference <{number}>",
                                      variables={"CC_CONF": conf.call_uniqueid})
        legs, first, second, holder = self.legs, "", "", None
        if legs is not None and self.new_uniqueid is not None:
            first = self.new_uniqueid()
            second = self.new_uniqueid() if target_type != "seat" else ""
            if target_type == "outside":
                legs.expect_leg(second, conf.call_uniqueid)  # the Local half that dials the trunk
            else:  # the leg is a call from now on, before anything rings
                await legs.party_leg_started(first, conf.call_uniqueid, target, agent_username=a.username,
                                             agent_extension=a.extension or "", agent_interface=a.interface,
                                             agent_name=a.display_name,
                                             queue=target if target_type == "queue" else None,
                                             queued_half=second or None)
            originate = functools.partial(originate, channel_id=first, **({"other_channel_id": second}
                                                                          if second else {}))
            if target_type == "seat":
                holder = await self._ring_seat_agent(target, first, a)
        try:
            await asked_action(originate(), "adding to the conference")
        except Exception:
            if legs is not None and first:
                legs.forget_leg(second)
                if target_type != "outside":
                    await legs.outbound_failed(first, "originate_failed")
                self.seat_legs.pop(first, None)
            if holder is not None and holder.state == "ringing" and holder.call_uniqueid == first:
                before, holder.paused_before = holder.paused_before, None
                await self.states.set(holder, "paused" if before else "ready", reason=before or "", source="desk",
                                      event={"why": "originate_failed"})
            raise
        conf.added.append({"kind": target_type, "target": target, "by": user.username, "at": self.clock.now()})
        return {"call_uniqueid": conf.call_uniqueid, "conference": conf.name, "target_type": target_type,
                "target": target, "started": started}

    async def _ring_seat_agent(self, seat: str, leg_uniqueid: str, by: Agent) -> Agent | None:
        """The agent logged in at an added seat (not busy: ``_party_dial`` refused that) rings with the party's leg,
        as for a call they placed: a paused agent's reason is kept for after it (``paused_before``)."""
        self.seat_legs[leg_uniqueid] = seat
        holder = self.states.by_ext.get(seat)
        if holder is None or holder.state in (*BUSY_STATES, "logged_out"):
            return None
        holder.paused_before = holder.reason if holder.state == "paused" else None
        holder.call_uniqueid, holder.call_queue, holder.channel = leg_uniqueid, None, None
        await self.states.set(holder, "ringing", source="desk",
                              event={"why": "conference_party", "by": by.username, "call": by.call_uniqueid})
        return holder

    async def _party_dial(self, a: Agent, target_type: str, target: str,
                          outside: OutsideUse | None) -> tuple[str, str]:
        """The dial string of a party from checked values only (``PJSIP/<seat>``, the queue's or the outside
        number's Local channel), and the target as checked (an outside number's digits)."""
        if target_type == "queue":
            if target not in self.config.queue_names:
                raise UNKNOWN_QUEUE({"target": target, "queue_names": sorted(self.config.queue_names)},
                                    field="target")
            # /n: the two halves stay, so the expert's queue bridge and the conference are never merged
            return f"Local/q-{target}@{QUEUE_CONTEXT}/n", target
        if target_type == "outside":
            number = normalise(target)
            if number is None:
                raise NUMBER_NOT_DIGITS({"number": target}, field="target")
            if outside is None or not outside.allows(number):
                raise OUTSIDE_NUMBER_NOT_ALLOWED(number=number, field="target")
            return f"Local/{number}@{OUTSIDE_CONTEXT}/n", number
        if target_type != "seat":
            raise CONFERENCE_UNKNOWN_TARGET_TYPE({"target_type": target_type, "party_kinds": list(PARTY_KINDS)},
                                                 field="target_type")
        if not SEAT.match(target):
            raise EXTENSION_NOT_DIGITS({"target": target}, field="target")
        if target == a.extension:
            raise CONFERENCE_OWN_SEAT(field="target")
        seat = await self.directory.seat(target)
        if seat is None or not seat.active:
            raise SEAT_NOT_FOUND({"extension": target}, field="target")
        holder = self.states.by_ext.get(target)
        if holder is not None and holder.state in BUSY_STATES:
            raise CONFERENCE_SEAT_BUSY({"seat": target, "username": holder.username,
                                        "state_text": state_words(holder.state)}, field="target")
        return f"PJSIP/{target}", target

    async def _start(self, a: Agent) -> Conference:
        """Move the agent's leg and the customer's channel into the call's conference (one Redirect) and wait until
        both are in it."""
        uid = a.call_uniqueid or ""
        chans = list(await _read(self.ami.core_show_channels(), "reading the call's channels") or ())
        mine = next((c for c in chans if c.get("Channel") == a.channel), None)
        if mine is None:
            raise AGENT_CHANNEL_UNKNOWN(call=uid)
        bridge = mine.get("BridgeId", "")
        others = [c for c in chans if bridge and c.get("BridgeId") == bridge and c.get("Channel") != a.channel]
        linked = mine.get("Linkedid", "")
        if len(others) != 1 or others[0].get("Linkedid") != linked or linked != uid or not CALL_ID.match(uid):
            raise CONFERENCE_NOT_TWO_PARTY(call=uid, others=len(others))
        customer = others[0].get("Channel", "")
        await asked_action(self.ami.redirect(customer, CONTEXT, "customer", extra_channel=a.channel,
                                             extra_exten="agent"), "starting the conference")
        waited = 0.0
        while True:
            inside = {m.get("Channel") for m in await self._members(uid)}
            if {customer, a.channel} <= inside:
                break
            if waited >= START_WAIT_SECONDS:
                raise CONFERENCE_DID_NOT_START({"seconds": START_WAIT_SECONDS}, call=uid)
            await self.sleep(0.1)
            waited += 0.1
        conf = Conference(uid, a.username, a.channel or "", customer, outbound=mine.get("Uniqueid") == linked,
                          started_at=self.clock.now())
        self.live[uid] = conf
        log.info("conference %s started by %s (customer %s)", conf.name, a.username, customer)
        return conf

    async def leave(self, user: User) -> dict[str, Any]:
        """The agent leaves the others to it: their leg is kicked (and hangs up: wrap-up follows); the others stay."""
        a = self._on_call(user)
        conf, _ = await self._current(a)
        if conf.outbound:
            raise CONFERENCE_LEAVE_OUTBOUND(call=conf.call_uniqueid)
        await asked_action(self.ami.confbridge_kick(conf.name, a.channel or ""), "leaving the conference")
        conf.agent_left = True
        return {"call_uniqueid": conf.call_uniqueid, "conference": conf.name, "left": True, "ended": False}

    async def end(self, user: User) -> dict[str, Any]:
        """The agent ends the conference: everyone is kicked, every leg hangs up."""
        a = self._on_call(user)
        conf, _ = await self._current(a)
        await asked_action(self.ami.confbridge_kick(conf.name, "all"), "ending the conference")
        return {"call_uniqueid": conf.call_uniqueid, "conference": conf.name, "left": False, "ended": True}

    async def _current(self, a: Agent) -> tuple[Conference, list[Mapping[str, str]]]:
        found = await self._in_conference(a)
        if found is None:
            raise NOT_IN_CONFERENCE(call=a.call_uniqueid)
        return found

    async def state(self, user: User) -> dict[str, Any]:
        """The agent's conference as the desktop shows it (its members read from Asterisk), or ``active`` false."""
        a = self.states.agent_for(user)
        if a.state != "on_call" or not a.call_uniqueid or not a.channel:
            return {"active": False, "members": [], "added": []}
        found = await self._in_conference(a)
        if found is None:
            return {"active": False, "members": [], "added": []}
        conf, members = found
        return {"active": True, "call_uniqueid": conf.call_uniqueid, "conference": conf.name,
                "outbound": conf.outbound, "started_at": conf.started_at,
                "members": [member_view(m, a.channel) for m in members], "added": [dict(p) for p in conf.added]}

    # the supervisor (the board) -------------------------------------------------------------------------------
    async def supervisor_join(self, a: Agent, mode: str, seat: str) -> dict[str, Any]:
        """Ring the supervisor's ``seat`` (checked by the caller) into the agent's conference: ``listen`` (muted,
        never holding the conference open) or ``talk`` (a member like the agent)."""
        if mode not in JOIN_MODES:
            raise UNKNOWN_JOIN_MODE({"join_modes": list(JOIN_MODES), "mode": mode}, field="mode")
        if a.state != "on_call" or not a.channel:
            raise AGENT_NOT_ON_CALL({"username": a.username, "state_text": state_words(a.state)}, state=a.state)
        found = await self._in_conference(a)
        if found is None:
            raise AGENT_NOT_IN_CONFERENCE({"username": a.username}, call=a.call_uniqueid)
        conf, members = found
        if len(members) >= MAX_MEMBERS:
            raise CONFERENCE_FULL(max_members=MAX_MEMBERS)
        await asked_action(self.ami.originate(f"PJSIP/{seat}", CONTEXT, mode, caller_id=f"{mode} <{a.extension}>",
                                              variables={"CC_CONF": conf.call_uniqueid}), "joining the conference")
        return {"mode": mode, "seat": seat, "agent": a.username, "call_uniqueid": conf.call_uniqueid,
                "conference": conf.name}

    # Asterisk's news ------------------------------------------------------------------------------------------
    async def on_originate_response(self, ev: OriginateResponse) -> None:
        """A seat party's Originate ended. ``Success``: the seat's phone was taken — the agent there is on the call
        (their leg's channel is the one named, so its Hangup wraps them up). A failure frees them through the ACD's
        own reactions (``on_originate_response``, as for a call they placed)."""
        uid = originated_uniqueid(ev)
        seat = self.seat_legs.pop(uid or "", None)
        if seat is None or ev.response != "Success":
            return
        holder = self.states.by_ext.get(seat)
        if holder is not None and holder.state == "ringing" and holder.call_uniqueid == uid:
            holder.channel = ev.channel or holder.channel
            holder.missed_rings = 0
            await self.states.set(holder, "on_call", source="ami", at=ev.at,
                                  event={"ami": ev, "why": "conference_party"})

    async def on_hangup(self, ev: Hangup) -> None:
        """A leg of a conference hung up (its context is ``cc-conference``). The customer's, or the agent's leg of a
        call the agent placed (the call's first leg: its record and its recording), ends the conference: everyone
        else is kicked. The conference is named from the Linkedid, so this holds for a conference started before a
        service restart too."""
        self.seat_legs.pop(ev.uniqueid or "", None)  # a seat's leg gone before its OriginateResponse
        if ev.context != CONTEXT or not ev.linkedid or not CALL_ID.match(ev.linkedid):
            return
        uid = ev.linkedid
        conf = self.live.get(uid)
        if ev.exten == "customer" or (ev.exten == "agent" and ev.uniqueid == ev.linkedid):
            self.live.pop(uid, None)
            try:
                await self.ami.confbridge_kick(conference_name(uid), "all")
            except AsteriskError as e:  # already over (the last of the staff left first): nothing to kick
                log.debug("conference %s: kick after the %s left: %s", conference_name(uid), ev.exten, e)
        elif ev.exten == "agent" and conf is not None:
            conf.agent_left = True


async def _read(coro: Awaitable[T], what: str) -> T:
    """An AMI read a person's action needs: refused (503, ``acd.asterisk_action_failed``) when Asterisk fails it."""
    try:
        return await coro
    except AsteriskError as e:
        raise ASTERISK_ACTION_FAILED({"what": what, "e": e}) from e
