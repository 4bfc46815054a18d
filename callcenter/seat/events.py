"""AMI event → handler mapping for seat discipline: whether each seat's phone is reachable (registered and
answering SIP OPTIONS). Agent states come from the ACD's listeners, not from here."""

from __future__ import annotations

from callcenter.asterisk.ami import EventHandler
from callcenter.seat.service import SeatService


def handlers(seat: SeatService) -> dict[str, EventHandler]:
    return {
        "ContactStatus": seat.on_contact_status,  # Reachable / Unreachable (qualify), Created / Removed (register)
        "DeviceStateChange": seat.on_device_state,  # PJSIP/<seat> UNAVAILABLE when no contact is reachable
        "QueueMemberStatus": seat.on_member_status,
        "QueueMemberAdded": seat.on_member_status,  # the member's device state when the agent logs in
    }
