"""Seat discipline's periodic check: every ``check_interval_seconds`` the away rule records the thresholds that
have come (and retries failed writes), then the leave-seat approvals not used in time lapse. Built and given its
checks by ``seat/wiring.py``; started and stopped with the stack."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)

Check = Callable[[], Awaitable[None]]


class SeatChecker:
    """Runs ``checks`` in order, every ``interval`` seconds, in one task; a check that fails is logged and the
    next round runs all the same."""

    def __init__(self, interval: float, *checks: Check) -> None:
        self.interval = interval
        self.checks = checks
        self._task: asyncio.Task[None] | None = None

    async def check(self) -> None:
        """One round now (unit tests call it after moving a fake clock)."""
        for check in self.checks:
            await check()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="seat-discipline")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):
                pass
            self._task = None

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.check()
            except Exception:
                log.exception("seat discipline check failed")
