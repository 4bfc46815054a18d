"""After every AMI (re)connect: Asterisk's queue members made to match the database (the truth for who is logged in
at which seat, in which queues at which penalty, paused or not), and the agents' calls made to match Asterisk's
channels (the truth for calls): QueueAdd / QueuePenalty / QueuePause / QueueRemove, and an agent found talking or
whose call ended unseen. The answers are read as the typed values of ``callcenter.asterisk.events`` (QueueMember,
CoreShowChannel)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence

from callcenter.acd.actions import AcdAmi, try_action
from callcenter.acd.agents import BUSY_STATES, SYSTEM_SOURCE, AgentStates
from callcenter.acd.membership import Membership
from callcenter.asterisk.events import CoreShowChannel, QueueMember
from callcenter.calls.service import bridged_agent_legs, interface_extension

log = logging.getLogger(__name__)


class Resync:
    def __init__(self, states: AgentStates, membership: Membership, ami: AcdAmi) -> None:
        self.states = states
        self.membership = membership
        self.ami = ami

    async def __call__(self, queue_status: Sequence[Mapping[str, str]], channels: Sequence[Mapping[str, str]],
                       since: int | None = None,
                       queue_of: Callable[[str], str | None] | None = None) -> dict[str, int]:
        """An agent whose seat phone is bridged with a caller (its leg has the caller's Linkedid) is on that call —
        after a service restart the stored state may lack the phone's channel, or events may have been missed.
        ``since``: the states' mark taken before the snapshot was requested; an agent changed by an event after it
        is newer than the snapshot and is not judged by it. ``queue_of``: the queue of a call (the tracker)."""
        members: dict[tuple[str, str], QueueMember] = {}
        for e in queue_status:
            if e.get("Event") == QueueMember.NAME:
                member = QueueMember.parse(e)
                members[(member.queue or "", member.interface)] = member
        legs = {leg.uniqueid: leg for leg in (CoreShowChannel.parse(c) for c in channels)}
        live = set(legs)
        talking: dict[str | None, tuple[str, CoreShowChannel]] = {}
        for caller, raw_leg in bridged_agent_legs(channels).items():
            leg = CoreShowChannel.parse(raw_leg)
            talking[interface_extension(leg.channel)] = (caller, leg)
        counts = {"added": 0, "removed": 0, "paused": 0, "penalty": 0, "calls_gone": 0, "calls_found": 0}
        wanted: set[tuple[str, str]] = set()
        for a in list(self.states.by_ext.values()):
            fresh = since is not None and a.touched > since
            found = talking.get(a.extension)
            if found is not None and not fresh:
                caller, leg = found
                a.channel = leg.channel or a.channel
                if a.state != "on_call" or a.call_uniqueid != caller:
                    counts["calls_found"] += 1
                    a.call_uniqueid = caller
                    a.call_queue = (queue_of(caller) if queue_of else None) or a.call_queue
                    a.missed_rings = 0
                    await self.states.set(a, "on_call", source=SYSTEM_SOURCE, event={"why": "resync"})
                elif a.call_queue is None and queue_of is not None:
                    a.call_queue = queue_of(caller)
            elif (a.state in ("ringing", "on_call") and not fresh and a.call_uniqueid in legs
                  and interface_extension(legs[a.call_uniqueid].channel) == a.extension):
                # an outbound call's first leg is the agent's own phone (the call's uniqueid): after a restart the
                # stored state lacks the channel, and without it the agent's Hangup would not be theirs
                own = legs[a.call_uniqueid]
                a.channel = own.channel or a.channel
                if a.state == "ringing" and own.bridge_id:  # taken, and the customer answered, while unseen
                    counts["calls_found"] += 1
                    a.missed_rings = 0
                    await self.states.set(a, "on_call", source=SYSTEM_SOURCE, event={"why": "resync"})
            elif a.state in BUSY_STATES and a.call_uniqueid not in live and not fresh:
                # the call ended while we could not see it (Asterisk restarted, link down)
                counts["calls_gone"] += 1
                if a.state == "on_call":
                    await self.membership.enter_wrapup(a, a.call_queue, event={"why": "call_lost"})
                else:
                    await self.states.set(a, "ready", source=SYSTEM_SOURCE, event={"why": "call_lost"})
            for q, pen in a.memberships.items():
                key = (q, a.interface)
                wanted.add(key)
                m = members.get(key)
                paused = a.paused_in_asterisk
                if m is None:
                    if await try_action(f"QueueAdd {q}", self.ami.queue_add(
                            q, a.interface, penalty=pen, paused=paused, member_name=a.display_name,
                            reason=a.reason if paused else "")):
                        counts["added"] += 1
                    continue
                if (m.penalty if m.penalty is not None else "0") != str(pen):
                    await try_action(f"QueuePenalty {q}", self.ami.queue_penalty(q, a.interface, pen))
                    counts["penalty"] += 1
                if m.is_paused != paused:
                    await try_action(f"QueuePause {q}", self.ami.queue_pause(
                        a.interface, paused, a.reason if paused else "", queue=q))
                    counts["paused"] += 1
        for (q, iface), m in members.items():
            if (q, iface) not in wanted and m.dynamic:
                await try_action(f"QueueRemove {q}", self.ami.queue_remove(q, iface))
                counts["removed"] += 1
        if any(counts.values()):
            log.info("queue member resync: %s", counts)
        return counts
