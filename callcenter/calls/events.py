"""AMI event → handler mapping for the calls domain (the one place to look)."""

from __future__ import annotations

from collections.abc import Mapping

from callcenter.asterisk.ami import EventHandler
from callcenter.asterisk.events import (
    AgentCalled,
    AgentComplete,
    AgentConnect,
    BridgeEnter,
    DialBegin,
    DialEnd,
    Hangup,
    Newchannel,
    OriginateResponse,
    QueueCallerAbandon,
    QueueCallerJoin,
    QueueCallerLeave,
    TypedHandler,
    typed_handlers,
)
from callcenter.calls.service import CallTracker


def handlers(tracker: CallTracker) -> Mapping[str, EventHandler]:
    return typed_handlers(
        TypedHandler(Newchannel, tracker.on_newchannel),
        TypedHandler(QueueCallerJoin, tracker.on_queue_caller_join),
        TypedHandler(AgentCalled, tracker.on_agent_called),
        TypedHandler(AgentConnect, tracker.on_agent_connect),
        TypedHandler(AgentComplete, tracker.on_agent_complete),
        TypedHandler(QueueCallerAbandon, tracker.on_queue_caller_abandon),
        TypedHandler(QueueCallerLeave, tracker.on_queue_caller_leave),
        TypedHandler(BridgeEnter, tracker.on_bridge_enter),
        TypedHandler(DialBegin, tracker.on_dial_begin),
        TypedHandler(DialEnd, tracker.on_dial_end),
        TypedHandler(Hangup, tracker.on_hangup),
        TypedHandler(OriginateResponse, tracker.on_originate_response),
    )
