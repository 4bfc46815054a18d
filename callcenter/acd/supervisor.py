"""What a supervisor does to an agent from the wallboard: pause them, log them out (state log source
``supervisor``; neither while the agent rings or talks), listen to / whisper to / barge into their call."""

from __future__ import annotations

from callcenter.acd.actions import AcdAmi, asked_action
from callcenter.acd.agents import BUSY_STATES, SUPERVISOR_SOURCE, Agent, AgentStates
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
                 directory: DirectoryRepository, ami: AcdAmi) -> None:
        self.states = states
        self.membership = membership
        self.config = config
        self.directory = directory
        self.ami = ami

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
        s = await self.directory.seat(seat)
        if s is None or not s.active:
            raise SPY_SEAT_NOT_FOUND({"seat": seat}, field="seat")
        if seat == a.extension:
            raise SPY_SEAT_IS_AGENTS({"seat": seat, "username": username}, field="seat")
        holder = self.states.by_ext.get(seat)
        if holder is not None and holder.username != by:
            raise SPY_SEAT_TAKEN({"seat": seat, "username": holder.username}, field="seat")
        await asked_action(self.ami.originate(f"PJSIP/{seat}", "cc-spy", mode, caller_id=f"{mode} <{a.extension}>",
                                              variables={"CC_SPY": a.channel}), mode)
        return {"mode": mode, "seat": seat, "agent": username, "channel": a.channel,
                "call_uniqueid": a.call_uniqueid or ""}
