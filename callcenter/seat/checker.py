"""Seat discipline's periodic check: every ``check_interval_seconds`` the away rule records the thresholds that
have come (and retries failed writes), then the leave-seat approvals not used in time lapse. Built and given its
checks by ``seat/wiring.py``; started and stopped with the stack."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from callcenter.periodic import Periodic

log = logging.getLogger(__name__)

Check = Callable[[], Awaitable[None]]


class SeatChecker:
    """Runs ``checks`` in order, every ``interval`` seconds, in one task; a check that fails is logged and the
    next round runs all the same."""

    def __init__(self, interval: float, *checks: Check) -> None:
        self.interval = interval
        self.checks = checks
        self._periodic = Periodic("seat discipline", self.check, lambda: self.interval, log, at_once=False)

    async def check(self) -> None:
        """One round now (unit tests call it after moving a fake clock)."""
        for check in self.checks:
            await check()

    def start(self) -> None:
        self._periodic.start()

    async def stop(self) -> None:
        await self._periodic.stop()
