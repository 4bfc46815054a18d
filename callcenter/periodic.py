"""A check run by one asyncio task every so often: the seat discipline's rounds, the case clocks, the monthly
review. ``start`` twice runs one task; ``stop`` cancels it and waits; a failing round is logged (by the owner's
logger, ``"<what> check failed"``) and the next one comes as planned."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable


class Periodic:
    """``round`` every ``interval()`` seconds, the first at once (``at_once``) or after one interval; ``first``
    (optional) once before the rounds begin, its failure logged as well."""

    def __init__(self, what: str, round: Callable[[], Awaitable[object]], interval: Callable[[], float],
                 log: logging.Logger, *, at_once: bool = True,
                 first: Callable[[], Awaitable[object]] | None = None) -> None:
        self.what = what
        self.round = round
        self.interval = interval
        self.log = log
        self.at_once = at_once
        self.first = first
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name=self.what.replace(" ", "-"))

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):
                pass
            self._task = None

    async def _run(self) -> None:
        if self.first is not None:
            try:
                await self.first()
            except Exception:
                self.log.exception("%s: its first step failed", self.what)
        if not self.at_once:
            await asyncio.sleep(self.interval())
        while True:
            try:
                await self.round()
            except Exception:
                self.log.exception("%s check failed", self.what)
            await asyncio.sleep(self.interval())
