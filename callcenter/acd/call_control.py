"""Call control from the agent's desktop: transfer the current call (blind or attended) to a queue or a seat, and
click-to-call (the agent's phone rings, then the number is dialled over the trunk)."""

from __future__ import annotations

from callcenter.acd.actions import AcdAmi, asked_action
from callcenter.acd.agents import BUSY_STATES, AgentStates
from callcenter.acd.config import AcdConfig
from callcenter.acd.errors import (
    AGENT_CHANNEL_UNKNOWN,
    CALLER_CHANNEL_UNKNOWN,
    CANNOT_DIAL,
    EXTENSION_NOT_DIGITS,
    NUMBER_NOT_DIGITS,
    TRANSFER_NEEDS_CALL,
    TRANSFER_TO_OWN_SEAT,
    UNKNOWN_QUEUE,
    state_words,
)
from callcenter.auth.models import User


class CallControl:
    def __init__(self, states: AgentStates, config: AcdConfig, ami: AcdAmi) -> None:
        self.states = states
        self.config = config
        self.ami = ami

    async def transfer(self, user: User, caller_channel: str | None, target_type: str, target: str,
                       mode: str) -> dict[str, str]:
        """Blind: the caller is redirected to the target (the agent's leg ends → wrap-up). Attended: Atxfer on the
        agent's leg; the agent talks to the target first and completes by hanging up."""
        a = self.states.logged_in_agent(user)
        if a.state != "on_call":
            raise TRANSFER_NEEDS_CALL(state=a.state)
        if target_type == "queue":
            names = self.config.queue_names
            if target not in names:
                raise UNKNOWN_QUEUE({"target": target, "queue_names": sorted(names)}, field="target")
            exten = f"q-{target}"
        else:
            if not target.isdigit() or len(target) > 16:
                raise EXTENSION_NOT_DIGITS({"target": target}, field="target")
            if target == a.extension:
                raise TRANSFER_TO_OWN_SEAT(field="target")
            exten = target
        if mode == "blind":
            if not caller_channel:
                raise CALLER_CHANNEL_UNKNOWN(call=a.call_uniqueid)
            await asked_action(self.ami.redirect(caller_channel, "cc-transfer", exten), "transfer")
        else:
            if not a.channel:
                raise AGENT_CHANNEL_UNKNOWN(call=a.call_uniqueid)
            await asked_action(self.ami.atxfer(a.channel, "cc-transfer", exten), "attended transfer")
        return {"call_uniqueid": a.call_uniqueid or "", "target": exten, "mode": mode}

    async def call_out(self, user: User, number: str, caller_id: str) -> dict[str, str]:
        """Click-to-call: ring the agent's own phone, then the customer over the trunk."""
        a = self.states.logged_in_agent(user)
        if a.state in BUSY_STATES:
            raise CANNOT_DIAL({"state_text": state_words(a.state)}, state=a.state)
        digits = "".join(ch for ch in number if ch.isdigit())
        if len(digits) < 3 or len(digits) > 20 or any(not (ch.isdigit() or ch in " +-()") for ch in number):
            raise NUMBER_NOT_DIGITS({"number": number}, field="number")
        await asked_action(self.ami.originate(a.interface, "cc-outbound", digits, caller_id=f"<{digits}>",
                                              variables={"CC_AGENT": a.username, "CC_CALLER_ID": caller_id}),
                           "click-to-call")
        return {"number": digits, "extension": a.extension or ""}
