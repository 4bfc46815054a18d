"""The exactness check: our per-queue figures against Asterisk's own (QueueSummary / QueueStatus) at the same
instant. Asterisk counts since app_queue loaded; ours are counted over a window starting at ``since`` (give the
time the test's Asterisk started, so both count the same calls)."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime
from typing import Any


async def asterisk_figures(stack: Any, queue: str) -> dict[str, int]:
    """Asterisk's own: callers waiting and members (QueueSummary), completed / abandoned calls (QueueParams)."""
    [summary] = [e for e in await stack.ami.queue_summary(queue) if e.name == "QueueSummary"]
    [params] = [e for e in await stack.ami.queue_status() if e.name == "QueueParams" and e["Queue"] == queue]
    return {"waiting": int(summary["Callers"]), "logged_in": int(summary["LoggedIn"]),
            "completed": int(params["Completed"]), "abandoned": int(params["Abandoned"])}


def our_figures(stack: Any, queue: str, since: datetime) -> dict[str, int]:
    f = stack.board.figures_since(queue, since)
    logged_in = sum(1 for a in stack.acd.by_ext.values() if queue in a.memberships)
    return {"waiting": f["waiting"], "logged_in": logged_in, "completed": f["completed"], "abandoned": f["abandoned"]}


async def same_instant(stack: Any, queue: str, since: datetime) -> tuple[dict[str, int], dict[str, int]]:
    """(ours, Asterisk's) taken so that nothing changed on our side while Asterisk answered."""
    while True:
        before = our_figures(stack, queue, since)
        theirs = await asterisk_figures(stack, queue)
        if our_figures(stack, queue, since) == before:
            return before, theirs


async def assert_matches_asterisk(stack: Any, queue: str, since: datetime, within: float = 1.0) -> dict[str, int]:
    """Ours equal Asterisk's within ``within`` seconds (events still on their way to us get that long)."""
    deadline = time.monotonic() + within
    while True:
        ours, theirs = await same_instant(stack, queue, since)
        if ours == theirs:
            return ours
        if time.monotonic() > deadline:
            raise AssertionError(f"queue {queue}: ours {ours} != Asterisk's {theirs} for {within} s")
        await asyncio.sleep(0.02)
