"""The seats' phones: the one live model of what Asterisk says about each seat's phone (issue 13: one owner per
live fact). The agent rows (``Agent.device``), seat discipline (away because the phone is unreachable or
unregistered), the board and the desktop all read this model or are told by it (:meth:`Phones.watch`), so a row
cannot say "phone idle" while the agent is away because of the phone.

Fed by every kind of AMI news about a seat's phone, keyed by the seat's extension:

- PJSIP ``ContactStatus``, per contact of the seat's AOR: Created (just registered), Reachable, Unknown or
  NonQualified (no qualify) = there; Unreachable = it stopped answering OPTIONS; Removed = unregistered or its
  registration expired; Updated (a refreshed registration) = no news about reachability;
- ``DeviceStateChange`` of ``PJSIP/<seat>``;
- ``QueueMemberStatus`` / ``QueueMemberAdded`` (the member's device state by number, :data:`DEVICE_STATES`; the
  latter when the agent logs in);
- after every AMI (re)connect, ``DeviceStateList`` (:meth:`Phones.resync`).

The verdict: the phone is down (``why``: unreachable / unregistered / unavailable) when none of its contacts is
reachable, or when its device state is UNAVAILABLE; back on a reachable contact or any other known device state
(UNKNOWN and INVALID say nothing about reachability).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from callcenter.asterisk.events import ContactStatus, DeviceStateChange, QueueMemberStatus
from callcenter.calls.service import interface_extension
from callcenter.clock import Clock

log = logging.getLogger(__name__)

# QueueMemberStatus' Status numbers, named as DeviceStateChange names them (in lower case)
DEVICE_STATES = {"0": "unknown", "1": "not_inuse", "2": "inuse", "3": "busy", "4": "invalid",
                 "5": "unavailable", "6": "ringing", "7": "ringinuse", "8": "onhold"}
# ContactStatus values that mean "this contact is there" (Created: just registered; Unknown/NonQualified: no
# qualify); Unreachable: it stopped answering OPTIONS; Removed: unregistered or its registration expired
_CONTACT_UP = ("Created", "Reachable", "Unknown", "NonQualified")
# device states that say nothing about reachability
_DEVICE_NEUTRAL = ("", "unknown", "invalid")


class _Ami(Protocol):
    async def list_action(self, name: str, *, timeout: float | None = None, **fields: Any) -> list[Any]: ...


@dataclass
class Phone:
    """What Asterisk last said about a seat's phone: its contacts (URI → reachable), its device state, and the
    verdict (down, why, since when)."""

    extension: str
    contacts: dict[str, bool] = field(default_factory=dict)
    status: str = ""  # the last ContactStatus seen (Created, Reachable, Unreachable, Removed, ...)
    state: str = ""  # the last device state told (DEVICE_STATES' names: not_inuse, inuse, unavailable, ...)
    down: bool = False
    why: str = ""  # unreachable / unregistered / unavailable
    since: datetime | None = None  # when the verdict last changed

    @property
    def device(self) -> str:
        """The device state the agent rows show: ``unavailable`` while the phone is down, whichever event said so
        (a ContactStatus may come before the device state, or alone), so it agrees with the away reason; ``""``
        before Asterisk said anything."""
        return "unavailable" if self.down else self.state

    def public(self) -> dict[str, Any]:
        """The desktop's ``phone`` (GET /api/seat/me)."""
        return {"reachable": not self.down, "why": self.why, "contact_status": self.status, "since": self.since}


# watcher(phone, before) after the phone's device or verdict changed; ``before`` is how it was
PhoneWatcher = Callable[[Phone, Phone], Awaitable[None]]


class Phones:
    """Every seat's phone (extension → :class:`Phone`); the one place that reads Asterisk's news about them."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._phones: dict[str, Phone] = {}
        self._watchers: list[PhoneWatcher] = []

    def watch(self, watcher: PhoneWatcher) -> None:
        """``watcher(phone, before)`` after every change of a phone's device state or verdict, in the order the
        watchers were added (the ACD's agent rows first, then seat discipline)."""
        self._watchers.append(watcher)

    def get(self, extension: str | None) -> Phone | None:
        return self._phones.get(extension or "")

    def device(self, extension: str | None) -> str:
        """The device state shown for that seat (``""`` when Asterisk said nothing about it yet)."""
        p = self.get(extension)
        return p.device if p is not None else ""

    def public(self, extension: str) -> dict[str, Any]:
        p = self.get(extension)
        return p.public() if p is not None else Phone(extension).public()

    def assume_down(self, extension: str, why: str, since: datetime) -> None:
        """After a restart: the phone's last known state (an open away episode because of it) holds until
        Asterisk says otherwise (:meth:`resync`, events). Nobody is told: the readers are being loaded."""
        if extension not in self._phones:
            self._phones[extension] = Phone(extension, down=True, why=why, since=since)

    # Asterisk tells us ---------------------------------------------------------------------------------------
    async def on_contact_status(self, ev: ContactStatus) -> None:
        """PJSIP ContactStatus: per contact of the seat's AOR; the phone is down when none is reachable."""
        ext = ev.aor or ev.endpoint_name or ""
        status = ev.contact_status or ""
        if not ext or not status:
            return
        p = self._phones.setdefault(ext, Phone(ext))
        before = _copy(p)
        p.status = status
        uri = ev.uri or ""
        if status == "Removed":
            p.contacts.pop(uri, None)
        elif status == "Unreachable":
            p.contacts[uri] = False
        elif status in _CONTACT_UP:
            p.contacts[uri] = True
        else:  # Updated (a refreshed registration): no news about reachability
            p.contacts.setdefault(uri, True)
        up = any(p.contacts.values())
        if up and p.state == "unavailable":
            # a contact answers again before the device state says so: the old UNAVAILABLE no longer holds
            p.state = "unknown"
        self._verdict(p, not up, "" if up else "unreachable" if p.contacts else "unregistered", ev.at)
        await self._told(p, before)

    async def on_device_state(self, ev: DeviceStateChange) -> None:
        """DeviceStateChange of ``PJSIP/<seat>``: UNAVAILABLE = no reachable contact."""
        device = ev.device or ""
        if device.startswith("PJSIP/"):
            await self._device(device.removeprefix("PJSIP/"), (ev.state or "").lower(), ev.at)

    async def on_member_status(self, ev: QueueMemberStatus) -> None:
        """QueueMemberStatus / QueueMemberAdded: the member's device state (Status 5 = unavailable)."""
        ext = interface_extension(ev.state_interface or ev.interface or ev.location)
        if ext:
            await self._device(ext, DEVICE_STATES.get(ev.status or "", "unknown"), ev.at)

    async def resync(self, ami: _Ami) -> None:
        """After every AMI (re)connect: every seat's phone as Asterisk sees it now, so a phone that came back or
        went away while we could not see it is taken into account.

        DeviceStateList (res_manager_devicestate, class ``call``) rather than PJSIPShowEndpoints: every PJSIP
        show action needs the ``system`` class, which the bridge must not need (issue 12, A3). It lists each
        endpoint's device (``PJSIP/<name>``, registered or not) with the states DeviceStateChange carries."""
        try:
            rows = await ami.list_action("DeviceStateList") or []
        except Exception as e:  # never fail the AMI session for this
            log.warning("DeviceStateList failed: %s; phone states come from events only", e)
            return
        for row in rows:
            if row.get("Event") != DeviceStateChange.NAME:
                continue
            listed = DeviceStateChange.parse(row)
            device = listed.device or ""
            if not device.startswith("PJSIP/"):
                continue
            ext = device.removeprefix("PJSIP/")
            state = (listed.state or "").lower()
            if ext.isdigit():  # a seat (the trunk and queue devices are listed too)
                p = self._phones.get(ext)
                if state == "unavailable" and p is not None:
                    # the contacts we knew of are gone by now (we could not see their ContactStatus)
                    p.contacts.clear()
                await self._device(ext, state, None)

    # the verdict ---------------------------------------------------------------------------------------------
    async def _device(self, ext: str, state: str, at: datetime | None) -> None:
        p = self._phones.setdefault(ext, Phone(ext))
        before = _copy(p)
        p.state = state
        if state == "unavailable":
            # Asterisk may send the device state before the ContactStatus that explains it: a phone with a
            # registered contact that became unavailable is unreachable; one whose contact was removed, unregistered
            if p.down:
                why = p.why
            elif p.contacts:
                why = "unreachable"
            elif p.status == "Removed":
                why = "unregistered"
            else:
                why = "unavailable"
            self._verdict(p, True, why, at)
        elif state not in _DEVICE_NEUTRAL:
            self._verdict(p, False, "", at)
        await self._told(p, before)

    def _verdict(self, p: Phone, down: bool, why: str, at: datetime | None) -> None:
        if p.down != down or p.why != why:
            p.down, p.why = down, why
            p.since = at or self.clock.now()

    async def _told(self, p: Phone, before: Phone) -> None:
        if (p.device, p.down, p.why) == (before.device, before.down, before.why):
            return
        for w in self._watchers:
            try:
                await w(p, before)
            except Exception:
                log.exception("phone watcher failed")


def _copy(p: Phone) -> Phone:
    return Phone(p.extension, dict(p.contacts), p.status, p.state, p.down, p.why, p.since)
