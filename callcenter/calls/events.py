"""AMI event → handler mapping for the calls domain (the one place to look)."""

from __future__ import annotations

from callcenter.asterisk.ami import EventHandler
from callcenter.calls.service import CallTracker


def handlers(tracker: CallTracker) -> dict[str, EventHandler]:
    return {
        "Newchannel": tracker.on_newchannel,
        "QueueCallerJoin": tracker.on_queue_caller_join,
        "AgentCalled": tracker.on_agent_called,
        "AgentConnect": tracker.on_agent_connect,
        "AgentComplete": tracker.on_agent_complete,
        "QueueCallerAbandon": tracker.on_queue_caller_abandon,
        "QueueCallerLeave": tracker.on_queue_caller_leave,
        "BridgeEnter": tracker.on_bridge_enter,
        "Hangup": tracker.on_hangup,
    }
