"""What the ACD does on app_queue's AMI events (registered by ``acd.events.handlers``): ringing (AgentCalled),
on_call (AgentConnect), wrap-up (AgentComplete), back to ready or auto-pause (AgentRingNoAnswer), back to ready
when the caller leaves while ringing (QueueCallerAbandon, Hangup) or another agent answered (AgentConnect of the
same call); an outbound call the agent placed (``call_control``): on_call when their phone is taken and the
customer dialled (DialBegin of the call's first leg), wrap-up when that leg hangs up (a conference's seat party
the same: ``acd.conference``); and a change of a seat's phone told to the agent's listeners."""

from __future__ import annotations

from typing import Any

from callcenter.acd.agents import Agent, AgentStates
from callcenter.acd.conference import QUEUE_CONTEXT as CONFERENCE_QUEUE_CONTEXT
from callcenter.acd.membership import Membership
from callcenter.acd.phones import Phone
from callcenter.asterisk.events import (
    AgentCalled,
    AgentComplete,
    AgentConnect,
    AgentRingNoAnswer,
    DialBegin,
    Hangup,
    OriginateResponse,
    QueueCallerAbandon,
)


class AmiReactions:
    def __init__(self, states: AgentStates, membership: Membership, *, auto_pause_after: int = 1) -> None:
        """``auto_pause_after``: unanswered rings in a row after which the agent is paused ``no_answer`` (0:
        never)."""
        self.states = states
        self.membership = membership
        self.auto_pause_after = auto_pause_after

    async def on_agent_called(self, ev: AgentCalled) -> None:
        a = self.states.at_interface(ev.interface)
        if a is None or a.state in ("logged_out", "on_call"):
            return
        a.call_uniqueid = ev.uniqueid or None
        a.channel = ev.dest_channel or None
        a.call_queue = ev.queue or None
        await self.states.set(a, "ringing", source="ami", at=ev.at, event={"ami": ev})

    async def on_agent_connect(self, ev: AgentConnect) -> None:
        """Asterisk put the agent through: on_call with this call whatever we thought before (ready, wrap-up,
        paused, ringing for another call): Asterisk's bridge is the fact."""
        uid = ev.uniqueid or None
        a = self.states.at_interface(ev.interface)
        if a is not None and a.state != "logged_out":
            a.call_uniqueid = uid or a.call_uniqueid
            a.channel = ev.dest_channel or a.channel
            a.call_queue = ev.queue or a.call_queue
            a.missed_rings = 0
            await self.states.set(a, "on_call", source="ami", at=ev.at, event={"ami": ev})
        # ringall: the others who were rung for this call are free again
        for other in list(self.states.by_ext.values()):
            if other is not a and other.state == "ringing" and other.call_uniqueid == uid:
                await self.states.set(other, "ready", source="ami", event={"why": "answered_elsewhere"})

    async def on_dial_begin(self, ev: DialBegin) -> None:
        """An outbound call's first leg (the agent's phone, rung by Originate) was taken and dials the customer."""
        uid = ev.uniqueid
        if not uid:
            return
        for a in list(self.states.by_ext.values()):
            if a.state == "ringing" and a.call_uniqueid == uid and a.call_queue is None:
                a.channel = ev.channel or a.channel
                a.missed_rings = 0
                await self.states.set(a, "on_call", source="ami", at=ev.at, event={"ami": ev, "why": "outbound"})

    async def on_agent_complete(self, ev: AgentComplete) -> None:
        a = self.states.at_interface(ev.interface)
        if a is None or a.state != "on_call" or a.call_uniqueid != (ev.uniqueid or None):
            return
        if ev.context == CONFERENCE_QUEUE_CONTEXT:
            # a conference's expert: the queue's wrap-up time, but no wrap-up of a call of the queue (the leg is the
            # placing agent's outbound call, never offered to the queue: its figures count neither)
            a.call_queue = None
        await self.membership.enter_wrapup(a, ev.queue, event={"ami": ev, "why": ev.reason or ""})

    async def on_agent_ring_no_answer(self, ev: AgentRingNoAnswer) -> None:
        a = self.states.at_interface(ev.interface)
        if a is None or a.state != "ringing":
            return
        a.missed_rings += 1
        if self.auto_pause_after and a.missed_rings >= self.auto_pause_after:
            await self.membership.pause_agent(a, "no_answer", "system")
            # keep the count in the row so the supervisor sees why
        else:
            await self.states.set(a, "ready", source="ami", event={"why": "not_answered"})

    async def caller_gone(self, ev: QueueCallerAbandon | Hangup) -> None:
        """QueueCallerAbandon / Hangup of a caller: agents still ringing for it are free again."""
        await self._ringing_over(ev.uniqueid, "caller_left")

    async def on_originate_response(self, ev: OriginateResponse) -> None:
        """An outbound call's Originate failed (the agent's phone not taken, or no phone registered at the seat, when
        no channel and so no Hangup ever comes): the agent rung for it is free again (or back in their pause)."""
        await self._ringing_over(ev.failed_call, "originate_failed")

    async def _ringing_over(self, uid: str | None, why: str) -> None:
        if not uid:
            return
        for a in list(self.states.by_ext.values()):
            if a.state == "ringing" and a.call_uniqueid == uid:
                if a.paused_before is not None:  # an outbound call placed while paused, never taken
                    await self._back_to_pause(a, {"why": "not_taken"})
                else:
                    await self.states.set(a, "ready", source="ami", event={"why": why})

    async def _back_to_pause(self, a: Agent, event: dict[str, Any]) -> None:
        reason, a.paused_before = a.paused_before or "", None
        await self.states.set(a, "paused", reason=reason, source="ami", event=event)

    async def on_hangup(self, ev: Hangup) -> None:
        """The agent's own leg hung up without AgentComplete (e.g. an outbound or transferred call): wrap-up (an
        outbound call placed while paused: paused again with its reason, the member never unpaused)."""
        await self.caller_gone(ev)
        chan = ev.channel
        for a in list(self.states.by_ext.values()):
            if a.state == "on_call" and a.channel and a.channel == chan:
                if a.paused_before is not None:
                    await self._back_to_pause(a, {"why": "hangup"})
                else:
                    await self.membership.enter_wrapup(a, a.call_queue, event={"why": "hangup"})

    async def on_phone(self, p: Phone, before: Phone) -> None:
        """The phones' watcher: the device state of a seat's phone changed; the agent there is shown anew (the
        desktop, the board). Seat discipline hears of the phone from the phones themselves, not from this."""
        a = self.states.by_ext.get(p.extension)
        if a is not None and p.device != before.device:
            await self.states.tell(a, a.state, {"source": "ami", "device": p.device})
