"""Case numbers: ``<prefix>-<centre date>-<5-digit sequence>``, one counter row per (type, day) bumped in the
creating transaction, so concurrent creations never share a number on SQLite or PostgreSQL (issue 14)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest

from callcenter.app import Stack
from callcenter.auth.actor import Actor
from callcenter.cases.service import NewCase
from callcenter.clock import FakeClock
from tests.helpers import stack_settings

pytestmark = pytest.mark.db

LEAD = Actor("lead", frozenset({"supervisor"}))


async def test_twenty_concurrent_creations_get_twenty_numbers(db_url: str, workdir: Path) -> None:
    clock = FakeClock(datetime(2026, 12, 2, 15, 59, 59, tzinfo=UTC))  # 23:59:59 in Shanghai
    settings = stack_settings(db_url, workdir / "data")
    # two instances on one database: each its own engine and pool, as two services would be
    stacks = [Stack(settings, clock=clock, run_migrations=False) for _ in range(2)]
    try:
        made = await asyncio.gather(*[
            stacks[i % 2].cases.service.create(LEAD, NewCase(type="complaint", description=f"case {i}"))
            for i in range(24)])
        numbers = sorted(c.number for c in made)
        assert numbers == [f"TS-20261202-{n:05d}" for n in range(1, 25)]
        # other types count on their own; the next centre day starts again at 1
        s = await stacks[0].cases.service.create(LEAD, NewCase(type="suggestion", description="x"))
        assert s.number == "JY-20261202-00001"
        clock.advance(1)
        f = await stacks[1].cases.service.create(LEAD, NewCase(type="fault", description="x"))
        c = await stacks[1].cases.service.create(LEAD, NewCase(type="complaint", description="x"))
        assert (f.number, c.number) == ("ZA-20261203-00001", "TS-20261203-00001")
    finally:
        for st in stacks:
            await st.engine.dispose()

