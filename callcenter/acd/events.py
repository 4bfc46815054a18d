"""AMI event → handler mapping for the ACD (agent state, the seats' phones, screen pop). Registered after the call
tracker's, so a pop built on AgentCalled already sees the call's queue and IVR path."""

from __future__ import annotations

from collections.abc import Mapping

from callcenter.acd.phones import Phones
from callcenter.acd.pop import ScreenPop
from callcenter.acd.reactions import AmiReactions
from callcenter.asterisk.ami import EventHandler
from callcenter.asterisk.events import (
    AgentCalled,
    AgentComplete,
    AgentConnect,
    AgentRingNoAnswer,
    ContactStatus,
    DeviceStateChange,
    DialBegin,
    Hangup,
    Newchannel,
    OriginateResponse,
    QueueCallerAbandon,
    QueueCallerJoin,
    QueueMemberAdded,
    QueueMemberStatus,
    TypedHandler,
    typed_handlers,
)


def handlers(acd: AmiReactions) -> Mapping[str, EventHandler]:
    """The agent states: app_queue's events about members and callers (``callcenter.acd.reactions``)."""
    return typed_handlers(
        TypedHandler(AgentCalled, acd.on_agent_called),
        TypedHandler(AgentConnect, acd.on_agent_connect),
        TypedHandler(AgentComplete, acd.on_agent_complete),
        TypedHandler(AgentRingNoAnswer, acd.on_agent_ring_no_answer),
        TypedHandler(QueueCallerAbandon, acd.caller_gone),
        TypedHandler(DialBegin, acd.on_dial_begin),
        TypedHandler(Hangup, acd.on_hangup),
        TypedHandler(OriginateResponse, acd.on_originate_response),
    )


def phone_handlers(phones: Phones) -> Mapping[str, EventHandler]:
    """The seats' phones: whether each is reachable (registered and answering SIP OPTIONS) and its device state."""
    return typed_handlers(
        # Reachable / Unreachable (qualify), Created / Removed (register)
        TypedHandler(ContactStatus, phones.on_contact_status),
        TypedHandler(DeviceStateChange, phones.on_device_state),  # PJSIP/<seat> UNAVAILABLE: no reachable contact
        TypedHandler(QueueMemberStatus, phones.on_member_status),
        TypedHandler(QueueMemberAdded, phones.on_member_status),  # the member's device state when the agent logs in
    )


def pop_handlers(pop: ScreenPop) -> Mapping[str, EventHandler]:
    """The screen pop: its customer lookup starts when the call arrives (Newchannel, QueueCallerJoin) and is
    dropped when the caller hangs up."""
    return typed_handlers(
        TypedHandler(Newchannel, pop.on_newchannel),
        TypedHandler(QueueCallerJoin, pop.on_queue_caller_join),
        TypedHandler(Hangup, pop.on_hangup),
    )
