"""The AMI actions the ACD sends, and how a failed one is taken.

Membership actions (QueueAdd / QueueRemove / QueuePause / QueuePenalty) are tried and, when Asterisk cannot be
reached, logged and left to the next resync: the database is the truth and the resync applies it
(:func:`try_action`). Actions a person asked for (a transfer, a click-to-call, a spy) are refused instead, so the
person sees they did not happen (:func:`asked_action`)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Mapping, Sequence
from typing import Protocol

from callcenter.acd.errors import ASTERISK_ACTION_FAILED
from callcenter.asterisk.errors import AsteriskError

log = logging.getLogger(__name__)


class AcdAmi(Protocol):
    """The AMI actions the ACD uses (``callcenter.asterisk.ami.AmiClient`` implements them)."""

    async def queue_add(self, queue: str, interface: str, *, penalty: int, paused: bool, member_name: str,
                        state_interface: str | None = None, reason: str = "") -> None: ...
    async def queue_remove(self, queue: str, interface: str) -> None: ...
    async def queue_pause(self, interface: str, paused: bool, reason: str = "", queue: str | None = None) -> None: ...
    async def queue_penalty(self, queue: str, interface: str, penalty: int) -> None: ...
    async def queue_log(self, queue: str, event: str, interface: str, message: str = "",
                        uniqueid: str = "NONE") -> None: ...
    async def redirect(self, channel: str, context: str, exten: str, priority: int = 1, *,
                       extra_channel: str | None = None, extra_exten: str | None = None) -> None: ...
    async def atxfer(self, channel: str, context: str, exten: str) -> None: ...
    async def setvar(self, channel: str, variable: str, value: str) -> None: ...
    async def originate(self, channel: str, context: str, exten: str, *, caller_id: str, timeout_ms: int = 30000,
                        variables: dict[str, str] | None = None, channel_id: str | None = None,
                        other_channel_id: str | None = None) -> None: ...
    # the conference (callcenter.acd.conference): the live channels, a ConfBridge's members, a kick
    async def core_show_channels(self) -> Sequence[Mapping[str, str]]: ...
    async def confbridge_list(self, conference: str) -> Sequence[Mapping[str, str]]: ...
    async def confbridge_kick(self, conference: str, channel: str) -> None: ...


async def try_action(what: str, coro: Awaitable[None]) -> bool:
    """Run one AMI action; if Asterisk is unreachable the DB still holds the truth and resync applies it."""
    try:
        await coro
        return True
    except AsteriskError as e:
        log.warning("AMI %s failed (%s); applied at the next resync", what, e)
        return False


async def asked_action(coro: Awaitable[None], what: str) -> None:
    """Run an action a person asked for; refused (503, ``acd.asterisk_action_failed``) when Asterisk fails it."""
    try:
        await coro
    except AsteriskError as e:
        raise ASTERISK_ACTION_FAILED({"what": what, "e": e}) from e
