"""What a supervisor does to an agent from the wallboard: pause them, log them out (state log source
``supervisor``; neither while the agent rings or talks), listen to / whisper to / barge into their call, join
their conference (listening or talking: ``callcenter.acd.conference``)."""

from __future__ import annotations

from typing import Any

from callcenter.acd.actions import AcdAmi, asked_action
from callcenter.acd.agents import BUSY_STATES, SUPERVISOR_SOURCE, Agent, AgentStates
from callcenter.acd.conference import Conferences
from callcenter.acd.config import AcdConfig
from callcenter.acd.errors import (
    AGENT_NOT_LOGGED_IN,
    AGENT_NOT_ON_CALL,
    FORCE_LOGOUT_ON_CALL,
    FORCE_PAUSE_ON_CALL,
    SPY_SEAT_IS_AGENTS,
    SPY_SEAT_NOT_FOUND,
    SPY_SEAT_TAKEN,
    UNKNOWN_SPY_MODE,
    state_words,
)
from callcenter.acd.membership import Membership
from callcenter.directory.repository import DirectoryRepository

SPY_MODES = ("listen", "whisper", "barge")


class SupervisorActions:
    def __init__(self, states: AgentStates, membership: Membership, config: AcdConfig,
                 directory: DirectoryRepository, ami: AcdAmi, conferences: Conferences) -> None:
        self.states = states
        self.membership = membership
        self.config = config
        self.directory = directory
        self.ami = ami
        self.conferences = conferences

    def _seated(self, username: str) -> Agent:
        a = self.states.handling(username)
        if a is None:
            raise AGENT_NOT_LOGGED_IN(agent=username)
        return a

    async def force_pause(self, username: str, reason: str, by: str, note: str = "") -> Agent:
        """A supervisor pauses an agent (state log source ``supervisor``); not while ringing or on a call."""
        a = self._seated(username)
        self.config.reason(reason)
        if a.state in BUSY_STATES:
            raise FORCE_PAUSE_ON_CALL({"username": username, "state_text": state_words(a.state)}, state=a.state)
        await self.membership.pause_agent(a, reason, SUPERVISOR_SOURCE, event={"by": by, "note": note})
        return a

    async def force_logout(self, username: str, by: str, note: str = "") -> Agent:
        """A supervisor logs an agent out of their seat (removed from every queue); not while ringing or on a call."""
        a = self._seated(username)
        if a.state in BUSY_STATES:
            raise FORCE_LOGOUT_ON_CALL({"username": username, "state_text": state_words(a.state)}, state=a.state)
        await self.membership.logout_agent(a, SUPERVISOR_SOURCE, event={"by": by, "note": note})
        return a

    async def spy(self, username: str, mode: str, seat: str, by: str) -> dict[str, str]:
        """Listen / whisper / barge: ring the supervisor's ``seat``; when answered, ChanSpy on the agent's leg of the
        call (dialplan context ``cc-spy``, extension = the mode)."""
        if mode not in SPY_MODES:
            raise UNKNOWN_SPY_MODE({"spy_modes": list(SPY_MODES), "mode": mode}, field="mode")
        a = self._seated(username)
        if a.state != "on_call" or not a.channel:
            raise AGENT_NOT_ON_CALL({"username": username, "state_text": state_words(a.state)}, state=a.state)
        await self._own_seat(seat, a, by)
        await asked_action(self.ami.originate(f"PJSIP/{seat}", "cc-spy", mode, caller_id=f"{mode} <{a.extension}>",
                                              variables={"CC_SPY": a.channel}), mode)
        return {"mode": mode, "seat": seat, "agent": username, "channel": a.channel,
                "call_uniqueid": a.call_uniqueid or ""}

    async def join_conference(self, username: str, mode: str, seat: str, by: str) -> dict[str, Any]:
        """Join the agent's conference from the supervisor's ``seat``: ``listen`` (muted) or ``talk``. The seat is
        checked as for listening in; the conference must exist (``acd.agent_not_in_conference`` otherwise)."""
        a = self._seated(username)
        await self._own_seat(seat, a, by)
        return await self.conferences.supervisor_join(a, mode, seat)

    async def _own_seat(self, seat: str, a: Agent, by: str) -> None:
        """The supervisor's phone: an active seat, not the agent's own, not another agent's."""
        s = await self.directory.seat(seat)
        if s is None or not s.active:
            raise SPY_SEAT_NOT_FOUND({"seat": seat}, field="seat")
        if seat == a.extension:
            raise SPY_SEAT_IS_AGENTS({"seat": seat, "username": a.username}, field="seat")
        holder = self.states.by_ext.get(seat)
        if holder is not None and holder.username != by:
            raise SPY_SEAT_TAKEN({"seat": seat, "username": holder.username}, field="seat")
