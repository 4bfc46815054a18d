"""AMI event → handler mapping for the ACD (agent state, screen pop). Registered after the call tracker's, so a
pop built on AgentCalled already sees the call's queue and IVR path."""

from __future__ import annotations

from callcenter.acd.service import AgentService
from callcenter.asterisk.ami import EventHandler


def handlers(acd: AgentService) -> dict[str, EventHandler]:
    return {
        "AgentCalled": acd.on_agent_called,
        "AgentConnect": acd.on_agent_connect,
        "AgentComplete": acd.on_agent_complete,
        "AgentRingNoAnswer": acd.on_agent_ring_no_answer,
        "QueueCallerAbandon": acd.caller_gone,
        "Hangup": acd.on_hangup,
        "QueueMemberStatus": acd.on_member_status,
    }
