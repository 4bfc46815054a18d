"""A whole Stack wired as in production but with a fake AMI and no network (no Asterisk, no FastAGI, no HTTP
server), on an injected clock: what the wallboard and seat-discipline unit tests drive with scripted AMI events.
A restart is a second one on the same database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from callcenter.app import Stack
from callcenter.clock import FakeClock
from tests.helpers import stack_settings
from tests.unit.test_acd_service import FakeAmi


async def wired_stack(db_url: str, workdir: Path, clock: FakeClock, **overrides: Any) -> tuple[Stack, FakeAmi]:
    """Loaded as ``Stack.start`` loads it (directory, open calls, away episodes, the board), nothing started.
    Recording is off unless asked for (it has its own tests, test_recordings.py)."""
    overrides.setdefault("recording", {"enabled": False})
    stack = Stack(stack_settings(db_url, workdir / "data", **overrides), clock=clock, run_migrations=False)
    ami = FakeAmi()
    stack.acd.ami = ami
    await stack.load_directory()
    await stack.tracker.load_open_calls()
    await stack.seat.load()
    await stack.board.load()
    return stack, ami


async def close_wired(stack: Stack) -> None:
    for a in stack.acd.agents.values():
        if a.wrapup_task is not None:
            a.wrapup_task.cancel()
    await stack.pop.close()
    await stack.engine.dispose()
