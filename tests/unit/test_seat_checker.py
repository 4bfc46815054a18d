"""Seat discipline's periodic check (callcenter/seat/checker.py): its checks in order, each round; a round that
fails is logged and the next one runs; stop ends the task."""

from __future__ import annotations

import asyncio

import pytest

from callcenter.seat.checker import SeatChecker


async def test_one_round_runs_the_checks_in_order() -> None:
    ran: list[str] = []

    async def away() -> None:
        ran.append("away")

    async def leave() -> None:
        ran.append("leave")

    checker = SeatChecker(60, away, leave)
    await checker.check()
    await checker.check()
    assert ran == ["away", "leave", "away", "leave"]


async def test_a_failing_round_is_logged_and_the_next_one_runs(caplog: pytest.LogCaptureFixture) -> None:
    rounds = 0
    two = asyncio.Event()

    async def flaky() -> None:
        nonlocal rounds
        rounds += 1
        if rounds == 1:
            raise RuntimeError("database away")
        two.set()

    checker = SeatChecker(0.01, flaky)
    checker.start()
    checker.start()  # started once only
    try:
        await asyncio.wait_for(two.wait(), 5)
    finally:
        await checker.stop()
    assert "seat discipline check failed" in caplog.text
    seen = rounds
    await asyncio.sleep(0.05)
    assert rounds == seen  # stopped: no more rounds
    await checker.stop()  # stopping twice is harmless
