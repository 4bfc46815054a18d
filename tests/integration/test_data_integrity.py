"""Nothing stored may be lost because one thing went wrong (issue 12, B4), on both databases.

* A row the database refuses (a 70-digit number in a ``varchar(64)``, a NUL byte, a 500-character name, a lone
  surrogate, a broken NOT NULL constraint) is set aside in ``write_failures`` with its error; every call record
  before and after it is stored; ``/api/health`` says so until an admin resolves it.
* Values from Asterisk are cleaned where they enter, so the same call arriving as AMI messages is stored, its
  number cut to fit, with nothing set aside.
* On a real Asterisk: a trunk call to a 70-digit number, then a normal call — both calls are in the call records.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from panoramisk.message import Message
from sqlalchemy import select

from callcenter.app import Stack, create_app
from callcenter.asterisk.ami import AmiEvent
from callcenter.asterisk.clean import EXTEN_MAX, NUMBER_MAX
from callcenter.writebehind_models import WriteFailure
from tests.helpers import Sipp, bearer, stack_settings, wait_for

pytestmark = [pytest.mark.db, pytest.mark.both_databases("what a database refuses differs: each must set it aside")]

SEVENTY = "4" * 70
T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC).timestamp()


@pytest.fixture
async def writing(db_url: str, workdir: Path) -> AsyncIterator[Stack]:
    """A stack that is not connected to Asterisk, its writers running as in the service."""
    stack = Stack(stack_settings(db_url, workdir / "data"), run_migrations=False)
    stack.tracker.start_writer()
    stack.acd.start_writer()
    try:
        yield stack
    finally:
        await stack.tracker.stop_writer()
        await stack.acd.stop_writer()
        await stack.engine.dispose()


def newchannel(uid: str, n: int, **fields: str) -> dict[str, str]:
    return {"Event": "Newchannel", "Uniqueid": uid, "Linkedid": uid, "Channel": f"PJSIP/trunk-{n:08x}",
            "Context": "from-trunk", "Exten": "4000", "CallerIDNum": "13800138000", "CallerIDName": "Caller",
            "Timestamp": f"{T0 + n:.6f}", **fields}


def hangup(uid: str, n: int) -> dict[str, str]:
    return {"Event": "Hangup", "Uniqueid": uid, "Linkedid": uid, "Cause": "16", "Cause-txt": "Normal Clearing",
            "Timestamp": f"{T0 + n + 30:.6f}"}


# bad values as they would reach the tracker if nothing cleaned them (the write-behind's own line of defence);
# which dialect refuses each: SQLite enforces no length and takes a NUL byte, PostgreSQL refuses all four
BAD = {
    "b-long-number": ({"Exten": SEVENTY, "CallerIDNum": SEVENTY}, {"postgresql"}),
    "b-nul": ({"CallerIDName": "Eve\x00Mallory"}, {"postgresql"}),
    "b-long-name": ({"CallerIDName": "名" * 500}, {"postgresql"}),
    "b-surrogate": ({"CallerIDName": "Bad\udc80bytes"}, {"postgresql", "sqlite"}),
}


async def stored_calls(stack: Stack) -> dict[str, Any]:
    calls, _ = await stack.calls_repo.search(limit=100)
    return {c.uniqueid: c for c in calls}


async def failures(stack: Stack) -> list[WriteFailure]:
    async with stack.sessions() as s:
        return list((await s.execute(select(WriteFailure).order_by(WriteFailure.id))).scalars())


async def test_a_row_the_database_refuses_is_set_aside_and_every_other_row_is_stored(writing: Stack) -> None:
    stack = writing
    dialect = stack.engine.dialect.name
    uids = ["g-1", *BAD, "g-2"]
    for n, uid in enumerate(uids):
        fields = BAD[uid][0] if uid in BAD else {}
        await stack.dispatcher.dispatch(AmiEvent(newchannel(uid, n, **fields)))  # not cleaned: AmiEvent(dict)
    await stack.tracker.flush()
    for n, uid in enumerate(uids):
        await stack.dispatcher.dispatch(AmiEvent(hangup(uid, n)))
    # an agent state change breaking a NOT NULL constraint (refused by both databases)
    states = stack.write_failures.writers["agent-state-writer"]
    at = datetime.now(UTC)
    states.add(({"user_id": 999, "username": None, "extension": None, "state": "ready", "reason": "",
                 "since": at, "call_uniqueid": None}, "ami", at))
    await stack.tracker.flush()
    await stack.acd.flush()
    # calls after the bad ones are stored too: the queue did not stop
    await stack.dispatcher.dispatch(AmiEvent(newchannel("g-3", 9)))
    await stack.tracker.flush()

    refused = {uid for uid, (_, dialects) in BAD.items() if dialect in dialects}
    calls = await stored_calls(stack)
    assert set(calls) == {"g-1", "g-2", "g-3", *(set(BAD) - refused)}
    assert calls["g-2"].ended_at is not None and calls["g-2"].outcome is not None
    rows = await failures(stack)
    by_key = {f.row_key: f for f in rows if f.writer == "call-writer"}
    assert set(by_key) == refused  # one entry per call, its latest state (the hang-up) kept
    for uid, f in by_key.items():
        assert f.error and f.error_type and f.resolved_at is None, (uid, f.error)
        assert '"ended_at": {"$datetime"' in f.row and uid in f.row  # the whole row, as it was to be stored
    if dialect == "postgresql":
        assert "value too long" in by_key["b-long-number"].error
        assert "0x00" in by_key["b-nul"].error
    [state_failure] = [f for f in rows if f.writer == "agent-state-writer"]
    assert "null" in state_failure.error.lower() or "NOT NULL" in state_failure.error

    # health shows them, and is not ok until an admin resolves them
    app = create_app(stack.settings, stack=stack, manage_stack=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t",
                                 headers=await bearer(stack, ("admin",))) as c:
        body = (await c.get("/api/health")).json()
        wf = body["write_failures"]
        assert wf["unresolved"] == len(refused) + 1 and body["status"] == "degraded"
        assert wf["latest"]["error"] and wf["latest"]["writer"] in ("call-writer", "agent-state-writer")
        items = (await c.get("/api/health/write-failures")).json()["items"]
        assert len(items) == len(refused) + 1
        # a retry of a row that still cannot be stored says why (409), and the entry stays
        r = await c.post(f"/api/health/write-failures/{state_failure.id}/retry")
        assert r.status_code == 409 and "cannot be stored" in r.json()["message"], r.text
        for f in items:
            r = await c.post(f"/api/health/write-failures/{f['id']}/dismiss", json={"note": "checked by hand"})
            assert r.status_code == 200 and r.json()["resolution"] == "dismissed", r.text
        r = await c.post(f"/api/health/write-failures/{items[0]['id']}/dismiss", json={})
        assert r.status_code == 409
        assert (await c.post("/api/health/write-failures/2147483647/retry")).status_code == 404
        assert (await c.get("/api/health")).json()["write_failures"]["unresolved"] == 0


async def test_values_cut_where_they_enter_are_stored_with_nothing_set_aside(writing: Stack) -> None:
    """The same bad values as AMI messages (AmiEvent.from_message: what the AMI client builds) are stored on both
    databases: cleaned, cut to fit."""
    stack = writing
    uids = list(BAD)
    for n, uid in enumerate(uids):
        ev = AmiEvent.from_message(Message(newchannel(uid, n, **BAD[uid][0])))
        await stack.dispatcher.dispatch(ev)
        await stack.dispatcher.dispatch(AmiEvent.from_message(Message(hangup(uid, n))))
    await stack.tracker.flush()
    calls = await stored_calls(stack)
    assert set(calls) == set(uids) and await failures(stack) == []
    assert calls["b-long-number"].dialled_number == SEVENTY[:EXTEN_MAX]
    assert calls["b-long-number"].caller_number == SEVENTY[:NUMBER_MAX]
    assert calls["b-nul"].caller_name == "EveMallory"
    assert calls["b-long-name"].caller_name == "名" * 128
    assert calls["b-surrogate"].caller_name == "Badbytes"


@pytest.mark.asterisk
@pytest.mark.sipp
async def test_a_trunk_call_to_a_70_digit_number_is_stored_and_so_is_the_next_call(stack: Stack, sipp: Sipp
                                                                                 ) -> None:
    long_call = sipp.call_pressing([], hold=2.0, service=SEVENTY, caller="8" * 70)
    assert await asyncio.to_thread(long_call.wait, 30) == 0
    normal = sipp.call_pressing([], hold=2.0, service="4000", caller="13800138000")
    assert await asyncio.to_thread(normal.wait, 30) == 0

    async def both() -> dict[str, Any] | None:
        calls = {c.caller_number: c for c in (await stack.calls_repo.search(limit=10))[0]}
        done = [c for c in calls.values() if c.ended_at is not None]
        return calls if len(done) >= 2 else None

    await wait_for(both, 20, "both calls stored and ended")
    calls = await both()
    assert calls is not None
    cut = calls["8" * NUMBER_MAX]
    assert cut.dialled_number == SEVENTY[:EXTEN_MAX] and cut.ended_at is not None
    assert calls["13800138000"].dialled_number == "4000"
    assert await failures(stack) == []
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(stack.settings, stack=stack,
                                                                              manage_stack=False)),
                                 base_url="http://t", headers=await bearer(stack, ("supervisor",))) as c:
        listed = (await c.get("/api/calls")).json()
        health = (await c.get("/api/health")).json()
    assert {i["dialled_number"] for i in listed["items"]} >= {SEVENTY[:EXTEN_MAX], "4000"}
    assert health["write_failures"]["unresolved"] == 0
