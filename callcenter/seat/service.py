"""Seat discipline under one roof (``Stack.seat``): what the other domains and the stack call.

The rules are one module per concept: the away-from-desk rule (``episodes.py``, :class:`AwayRule`), leave-seat
consent (``leave.py``, :class:`LeaveConsent`), what is reported (``views.py``, :class:`SeatViews`), the periodic
check (``checker.py``), who is told of changes (``changes.py``); storage in ``repository.py``. ``wiring.py`` builds
them and registers their listeners. This facade holds them together: the wallboard reads the thresholds, an
agent's away state and the pending requests and follows the changes (:meth:`watch`); the stack loads the open
rows after a restart and starts and stops the check; the routes reach the concepts through it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any

from callcenter.acd.models import AgentStatus
from callcenter.acd.phones import Phones
from callcenter.clock import Clock
from callcenter.seat.changes import SeatChanges, SeatWatcher
from callcenter.seat.checker import SeatChecker
from callcenter.seat.episodes import AwayRule
from callcenter.seat.leave import LeaveConsent
from callcenter.seat.repository import SeatRepository
from callcenter.seat.views import SeatViews

StoredStates = Callable[[], Awaitable[Sequence[AgentStatus]]]


class SeatService:
    """Seat discipline: the away rule (:attr:`away`), leave-seat consent (:attr:`leave`), its reports
    (:attr:`views`), run by one periodic check (:attr:`checker`) under one lock."""

    def __init__(self, clock: Clock, repo: SeatRepository, lock: asyncio.Lock, changes: SeatChanges,
                 away: AwayRule, leave: LeaveConsent, views: SeatViews, checker: SeatChecker,
                 stored_states: StoredStates) -> None:
        """``stored_states()``: the agents' stored state rows (their logout times, read after a restart)."""
        self.clock = clock
        self.repo = repo
        self.lock = lock
        self.changes = changes
        self.away, self.leave, self.views, self.checker = away, leave, views, checker
        self._stored_states = stored_states

    def watch(self, watcher: SeatWatcher) -> None:
        """``watcher(username)`` after every change of that agent's away state or requests (the wallboard)."""
        self.changes.watch(watcher)

    # what the wallboard reads ----------------------------------------------------------------------------------
    @property
    def warning_minutes(self) -> float:
        return self.away.warning_minutes

    @property
    def violation_minutes(self) -> float:
        return self.away.violation_minutes

    def away_status(self, username: str, now: datetime | None = None) -> dict[str, Any] | None:
        return self.views.away_status(username, now)

    def pending_requests(self) -> list[dict[str, Any]]:
        return self.views.pending_requests()

    @property
    def phones(self) -> Phones:
        """The seats' phones as seat discipline reads them (the ACD's)."""
        return self.away.phones

    # the stack's ------------------------------------------------------------------------------------------------
    async def check(self) -> None:
        """One round of the periodic check now."""
        await self.checker.check()

    def start(self) -> None:
        self.checker.start()

    async def stop(self) -> None:
        await self.checker.stop()

    async def load(self) -> None:
        """After the agents' states are loaded (``AgentService.load``): live requests back in memory, open
        episodes of agents still away resumed, the others closed (at the logout time, or when the agent came
        back); requests of agents no longer logged in lapse at their logout."""
        now = self.clock.now()
        rows, reqs = await self.repo.open_rows()
        self.leave.restore(reqs)
        statuses = {st.username: st for st in await self._stored_states()}

        def logout(username: str) -> datetime | None:
            st = statuses.get(username)
            return st.since if st is not None and st.state == "logged_out" and st.since else None

        def last_change(username: str) -> datetime:
            st = statuses.get(username)
            return st.since if st is not None and st.since else now

        async with self.lock:
            await self.away.resume(rows, logout, now)
            await self.leave.lapse_logged_out(last_change)
