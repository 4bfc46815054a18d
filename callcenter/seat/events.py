"""AMI event → handler mapping for seat discipline: whether each seat's phone is reachable (registered and
answering SIP OPTIONS). Agent states come from the ACD's listeners, not from here."""

from __future__ import annotations

from collections.abc import Mapping

from callcenter.asterisk.ami import EventHandler
from callcenter.asterisk.events import (
    ContactStatus,
    DeviceStateChange,
    QueueMemberAdded,
    QueueMemberStatus,
    TypedHandler,
    typed_handlers,
)
from callcenter.seat.service import SeatService


def handlers(seat: SeatService) -> Mapping[str, EventHandler]:
    return typed_handlers(
        # Reachable / Unreachable (qualify), Created / Removed (register)
        TypedHandler(ContactStatus, seat.on_contact_status),
        TypedHandler(DeviceStateChange, seat.on_device_state),  # PJSIP/<seat> UNAVAILABLE: no reachable contact
        TypedHandler(QueueMemberStatus, seat.on_member_status),
        TypedHandler(QueueMemberAdded, seat.on_member_status),  # the member's device state when the agent logs in
    )
