"""Files readable by the service alone, on a real stack: after the start and a recorded call, nothing under the data
directory (the database, prompts, the rendered config, what the managed Asterisk wrote: its logs, astdb, the
recording) can be read by anyone but the service's user, because the managed Asterisk inherits the umask. The
rendered configuration (asterisk/etc) is private only once callcenter/asterisk/config.py writes it with
``callcenter.files.file_mode()`` instead of 0644."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import pytest

from callcenter.app import Stack
from callcenter.db import sqlite_path
from tests.helpers import Sipp, agent_user, free_udp_port, route_all_calls_to, wait_for
from tests.unit.test_file_modes import open_entries

pytestmark = [pytest.mark.asterisk, pytest.mark.sipp, pytest.mark.db]


def _umask_of(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Umask:"):
            return int(line.split()[1], 8)
    raise AssertionError(f"no Umask line in /proc/{pid}/status")


async def test_the_data_directory_and_what_asterisk_writes_are_the_services_alone(stack: Stack, sipp: Sipp) -> None:
    assert stack.asterisk_process is not None and stack.asterisk_process.pid is not None
    assert _umask_of(stack.asterisk_process.pid) == 0o077
    await route_all_calls_to(stack, "support")
    await agent_user(stack, "priv", {"support": "senior"}, "1001", ready=True)
    seat = next(a for a in stack.settings.agents if a.extension == "1001")
    port = free_udp_port()
    sipp.register(seat.extension, seat.password, port)
    sipp.answer(seat.extension, port)
    caller = sipp.call_pressing([], hold=3)
    await wait_for(lambda: stack.acd.by_ext["1001"].state == "on_call", 15, "the agent to answer")
    uid = stack.acd.by_ext["1001"].call_uniqueid
    assert uid is not None

    async def indexed() -> Any:
        row = await stack.recordings.get(uid)
        return row if row is not None and row.status != "recording" else None

    await wait_for(indexed, 30, "the recording to be indexed")
    assert caller.wait(30) == 0
    row = await indexed()
    recording = stack.settings.recordings_dir / row.path
    assert recording.is_file() and stat.S_IMODE(recording.stat().st_mode) == 0o600
    data = stack.settings.data_dir
    db = sqlite_path(stack.settings.database_url)  # the fixture's SQLite file lives next to the data directory
    written_by_asterisk = [p for p in (data / "asterisk").rglob("*") if p.is_file() and not p.is_symlink()
                           and "etc" not in p.relative_to(data / "asterisk").parts]
    assert written_by_asterisk, "Asterisk wrote nothing under its runtime folder"
    assert open_entries(data) == []
    if db is not None:
        assert stat.S_IMODE(db.stat().st_mode) == 0o600
