"""Recorded AMI traces (JSON lines written by ``ami.trace_file``) and replaying them into a dispatcher."""

from __future__ import annotations

import json
from pathlib import Path

from callcenter.asterisk.ami import AmiEvent, EventDispatcher


def load_trace(path: Path) -> list[AmiEvent]:
    events = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line:
                events.append(AmiEvent(json.loads(line)["event"]))
    return events


async def replay(dispatcher: EventDispatcher, events: list[AmiEvent]) -> int:
    """Feed events in order, at full speed, through the same dispatcher the live bridge uses."""
    for ev in events:
        await dispatcher.dispatch(ev)
    return len(events)
