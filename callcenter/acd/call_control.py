"""Call control from the agent's desktop: transfer the current call (blind or attended) to a queue, a seat or an
outside number the admin allowed for transfers (``outside_numbers.transfer``), and click-to-call (the agent's
phone rings, then the number is dialled over the trunk).

Click-to-call is a call (issue 15, "1. Outbound calls are calls"): the product chooses the uniqueid of its first
leg (Originate ``ChannelId``, in Asterisk's ``<epoch>.<sequence>`` form so the dialplan records it like an inbound
call), the call tracker stores it before the Originate is sent (``OutboundCalls``), and the agent is ``ringing``
with it at once; the ACD's reactions take them on: ``on_call`` when their phone is taken and the customer dialled
(``DialBegin``), wrap-up when their leg hangs up, ready again if they never took the phone."""

from __future__ import annotations

import itertools
from typing import Protocol

from callcenter.acd.actions import AcdAmi, asked_action
from callcenter.acd.agents import BUSY_STATES, AgentStates
from callcenter.acd.config import AcdConfig
from callcenter.acd.errors import (
    AGENT_CHANNEL_UNKNOWN,
    CALLER_CHANNEL_UNKNOWN,
    CANNOT_DIAL,
    EXTENSION_NOT_DIGITS,
    NUMBER_NOT_DIGITS,
    OUTSIDE_NUMBER_NOT_ALLOWED,
    SURVEY_TRANSFER_BLIND,
    TRANSFER_NEEDS_CALL,
    TRANSFER_TO_OWN_SEAT,
    UNKNOWN_QUEUE,
    state_words,
)
from callcenter.auth.models import User
from callcenter.clock import Clock
from callcenter.outside_numbers import OutsideUse, normalise

# the sequence part of the uniqueids the product gives its outbound legs: far above Asterisk's own counter (which
# starts at 0 with each Asterisk start), so the two never name the same channel
OUTBOUND_SEQUENCE_BASE = 900_000_000


class OutboundCalls(Protocol):
    """Where an outbound call is recorded (``callcenter.calls.service.CallTracker``)."""

    async def outbound_started(self, uniqueid: str, number: str, *, agent_username: str, agent_extension: str,
                               agent_interface: str, agent_name: str | None, customer_id: int | None,
                               caller_id: str | None = None) -> object: ...

    async def outbound_failed(self, uniqueid: str, reason: str) -> None: ...

    def expect_leg(self, channel_uniqueid: str, call_uniqueid: str) -> None: ...


# the attended transfer to a queue: the context Atxfer enters and the channel variable naming the queue
ATXFER_QUEUE_CONTEXT = "cc-atxfer-queue"
ATXFER_QUEUE_VARIABLE = "CC_XFER_QUEUE"


class CallControl:
    def __init__(self, states: AgentStates, config: AcdConfig, ami: AcdAmi, clock: Clock) -> None:
        self.states = states
        self.config = config
        self.ami = ami
        self.clock = clock
        self.outbound: OutboundCalls | None = None  # plugged in by the wiring
        self._seq = itertools.count(1)

    def new_uniqueid(self) -> str:
        """A uniqueid for an originated leg: Asterisk's form, ``<epoch seconds>.<sequence>``."""
        return f"{int(self.clock.now().timestamp())}.{OUTBOUND_SEQUENCE_BASE + next(self._seq) % 99_999_999}"

    async def transfer(self, user: User, caller_channel: str | None, target_type: str, target: str,
                       mode: str, outside: OutsideUse | None = None) -> dict[str, str]:
        """Blind: the caller is redirected to the target (the agent's leg ends → wrap-up). Attended: Atxfer on the
        agent's leg; the agent talks to the target first and completes by hanging up.

        An outside number (``target_type`` "outside") must match an entry of ``outside`` (the settings'
        ``outside_numbers.transfer``; None: nothing is allowed), else it is refused before any AMI action; the
        dialplan's gate (``cc-transfer-outside``) checks it again against the same entries, rendered as
        ``cc-outside-transfer``."""
        a = self.states.logged_in_agent(user)
        if a.state != "on_call":
            raise TRANSFER_NEEDS_CALL(state=a.state)
        if target_type == "outside":
            number = normalise(target)
            if number is None:
                raise NUMBER_NOT_DIGITS({"number": target}, field="target")
            if outside is None or not outside.allows(number):
                raise OUTSIDE_NUMBER_NOT_ALLOWED(number=number, field="target")
            # a context of its own: Atxfer hands the extension to the dialplan as DTMF, which carries digits only
            context, exten = "cc-transfer-outside", number
        elif target_type == "survey":
            # the caller answers the post-call survey alone ([cc-survey] transfer: the FastAGI survey, then hang-up)
            if mode != "blind":
                raise SURVEY_TRANSFER_BLIND(field="mode")
            context, exten = "cc-survey", "transfer"
        elif target_type == "queue":
            names = self.config.queue_names
            if target not in names:
                raise UNKNOWN_QUEUE({"target": target, "queue_names": sorted(names)}, field="target")
            context, exten = "cc-transfer", f"q-{target}"
        else:
            if not target.isdigit() or len(target) > 16:
                raise EXTENSION_NOT_DIGITS({"target": target}, field="target")
            if target == a.extension:
                raise TRANSFER_TO_OWN_SEAT(field="target")
            context, exten = "cc-transfer", target
        if mode == "blind":
            if not caller_channel:
                raise CALLER_CHANNEL_UNKNOWN(call=a.call_uniqueid)
            await asked_action(self.ami.redirect(caller_channel, context, exten), "transfer")
        else:
            if not a.channel:
                raise AGENT_CHANNEL_UNKNOWN(call=a.call_uniqueid)
            if target_type == "queue":
                # Atxfer hands the extension to the dialplan as DTMF — digits only, so never "q-<name>": the queue
                # (checked above against the directory) goes on the agent's channel, inherited by the transfer's
                # Local channel, and [cc-atxfer-queue] REGEX-checks it before its Queue()
                await asked_action(self.ami.setvar(a.channel, f"__{ATXFER_QUEUE_VARIABLE}", target),
                                   "attended transfer")
                context, exten = ATXFER_QUEUE_CONTEXT, "1"
            await asked_action(self.ami.atxfer(a.channel, context, exten), "attended transfer")
            exten = f"q-{target}" if target_type == "queue" else exten
        return {"call_uniqueid": a.call_uniqueid or "", "target": exten, "mode": mode}

    async def call_out(self, user: User, number: str, caller_id: str,
                       customer_id: int | None = None) -> dict[str, str]:
        """Click-to-call: ring the agent's own phone, then the customer over the trunk; stored as an outbound call
        from the start (``call_uniqueid``)."""
        a = self.states.logged_in_agent(user)
        if a.state in BUSY_STATES:
            raise CANNOT_DIAL({"state_text": state_words(a.state)}, state=a.state)
        digits = "".join(ch for ch in number if ch.isdigit())
        if len(digits) < 3 or len(digits) > 20 or any(not (ch.isdigit() or ch in " +-()") for ch in number):
            raise NUMBER_NOT_DIGITS({"number": number}, field="number")
        uid = self.new_uniqueid()
        if self.outbound is not None:
            await self.outbound.outbound_started(uid, digits, agent_username=a.username,
                                                 agent_extension=a.extension or "", agent_interface=a.interface,
                                                 agent_name=a.display_name, customer_id=customer_id,
                                                 caller_id=caller_id)
        a.paused_before = a.reason if a.state == "paused" else None
        a.call_uniqueid, a.call_queue, a.channel = uid, None, None
        await self.states.set(a, "ringing", source="desk", event={"why": "click_to_call", "number": digits})
        try:
            await asked_action(self.ami.originate(a.interface, "cc-outbound", digits, caller_id=f"<{digits}>",
                                                  variables={"CC_AGENT": a.username, "CC_CALLER_ID": caller_id},
                                                  channel_id=uid),
                               "click-to-call")
        except Exception:
            if self.outbound is not None:
                await self.outbound.outbound_failed(uid, "originate_failed")
            if a.state == "ringing" and a.call_uniqueid == uid:
                before, a.paused_before = a.paused_before, None
                await self.states.set(a, "paused" if before else "ready", reason=before or "", source="desk",
                                      event={"why": "originate_failed"})
            raise
        return {"number": digits, "extension": a.extension or "", "call_uniqueid": uid}
