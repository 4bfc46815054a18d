"""The interval rollups (callcenter/reports): kept incrementally from scripted AMI events through the real wiring on
a fake clock, equal to a rebuild from the raw rows, repaired after a crash, and agreeing with the board's "today"."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from callcenter.app import create_app
from callcenter.calls.models import Call
from callcenter.clock import FakeClock
from callcenter.reports.models import AgentBucket, AgentPauseBucket, IvrBucket, QueueBucket
from callcenter.reports.rollups import Rollups
from tests.helpers import bearer, wait_for
from tests.unit.test_wallboard import Env
from tests.unit.wired import close_wired, wired_stack

pytestmark = pytest.mark.db
# 09:05 in the centre's timezone (Asia/Shanghai)
T0 = datetime(2026, 3, 2, 1, 5, tzinfo=UTC)


@pytest.fixture
async def env(db_url: str, workdir: Path) -> AsyncIterator[Env]:
    clock = FakeClock(T0)
    stack, ami = await wired_stack(db_url, workdir, clock)
    try:
        yield Env(stack, ami, clock)
    finally:
        await close_wired(stack)


async def tables(env: Env) -> dict[str, list[tuple[Any, ...]]]:
    """Every rollup row, rounded (floats summed in another order differ in the last bit)."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    async with env.stack.sessions() as s:
        for model in (QueueBucket, IvrBucket, AgentBucket, AgentPauseBucket):
            cols = list(model.__table__.columns)
            rows = (await s.execute(select(*cols))).all()
            out[model.__tablename__] = sorted(
                tuple(round(v, 6) if isinstance(v, float) else v for v in r) for r in rows)
    return out


async def ivr_hangup(env: Env, uid: str) -> None:
    """A caller who chose 2 in the main menu, then hung up in the IVR (never queued)."""
    await env.ev("Newchannel", Uniqueid=uid, Linkedid=uid, Context="from-trunk", Channel=f"PJSIP/trunk-{uid}",
                 CallerIDNum="13700000000", Exten="4000")
    await env.stack.tracker.ivr_entered(uid, {"agi_channel": f"PJSIP/trunk-{uid}"})
    now = env.clock.now().isoformat()
    await env.stack.tracker.ivr_step(uid, {"node": "main", "kind": "menu", "at": now, "digits": "2",
                                           "result": "option"})
    env.clock.advance(4)
    await env.stack.tracker.ivr_step(uid, {"node": "sub", "kind": "menu", "at": env.clock.now().isoformat(),
                                           "result": "caller_hangup"})
    await env.ev("Hangup", Uniqueid=uid, Channel=f"PJSIP/trunk-{uid}", Cause="16")


async def outbound(env: Env, uid: str, agent: str) -> None:
    """An outbound call the agent placed (stored as the tracker stores one)."""
    now = env.clock.now()
    async with env.stack.sessions() as s:
        s.add(Call(uniqueid=uid, direction="outbound", agent_username=agent, caller_number="13600000000",
                   arrived_at=now, answered_at=now + timedelta(seconds=5), ended_at=now + timedelta(seconds=65),
                   outcome="answered", talk_seconds=60.0))
        await s.commit()


async def call_mix(env: Env, roll: Rollups) -> None:
    """Two agents, across bucket boundaries (09:05 → 09:50 local): answered (in and over the threshold, with
    wrap-up), abandoned, timed out, an IVR hang-up, an outbound call, a pause with a reason; a pass now and then,
    some twice (a replay must not count twice)."""
    li = await env.agent("li", "1001")
    await env.agent("wang", "1002")
    await env.arrive("c1")
    env.clock.advance(10)
    await env.answer("c1")
    await roll.tick()
    env.clock.advance(60)
    await env.hang_up("c1", talk=60)
    env.clock.advance(20)  # wrap-up
    await env.stack.acd.ready(li)
    await roll.tick()
    await roll.tick()
    await env.arrive("c2")
    env.clock.advance(30)
    await env.answer("c2", ext="1002")
    env.clock.set(datetime(2026, 3, 2, 1, 16, tzinfo=UTC))  # the talk spans 09:15
    await env.hang_up("c2", ext="1002", talk=300)
    await env.arrive("c3")
    env.clock.advance(5)
    await env.abandon("c3")
    await roll.tick()
    await env.arrive("c4")
    env.clock.advance(40)
    await env.time_out("c4")
    await ivr_hangup(env, "c5")
    await env.stack.acd.pause(li, "meeting")
    env.clock.set(datetime(2026, 3, 2, 1, 40, tzinfo=UTC))
    await outbound(env, "o1", "wang")
    await env.stack.acd.ready(li)
    await env.arrive("c6")
    env.clock.advance(8)
    await env.answer("c6")
    env.clock.advance(100)
    await env.hang_up("c6", talk=100)
    env.clock.set(datetime(2026, 3, 2, 1, 50, tzinfo=UTC))
    await env.stack.acd.ready(li)  # 9:50: c6's wrap-up ends
    await roll.tick()


async def test_incremental_equals_rebuild_and_a_replay_counts_once(env: Env) -> None:
    roll = env.stack.reports.rollups
    await call_mix(env, roll)
    incremental = await tables(env)
    q = incremental["report_queue_buckets"]
    assert q, "nothing rolled up"
    await roll.tick()  # a pass with nothing new
    assert await tables(env) == incremental
    await roll.rebuild(T0 - timedelta(hours=1), env.clock.now())
    assert await tables(env) == incremental
    # the facts, bucket by bucket (UTC 01:00 = 09:00 local)
    by = {(r[0].replace(tzinfo=UTC), r[1]): r for r in q}
    cols = [c.name for c in QueueBucket.__table__.columns]

    def col(bucket: datetime, queue: str, name: str) -> Any:
        return by[(bucket, queue)][cols.index(name)]

    b0, b1, b2, b3 = (datetime(2026, 3, 2, 1, m, tzinfo=UTC) for m in (0, 15, 30, 45))
    assert col(b0, "support", "offered") == 2 and col(b0, "support", "answered") == 2
    assert col(b0, "support", "answered_in_sl") == 1 and col(b0, "support", "wait_max") == 30.0
    assert col(b1, "support", "completed") == 1 and col(b1, "support", "talk_sum") == 300.0
    assert (col(b1, "support", "abandoned"), col(b1, "support", "timed_out")) == (1, 1)
    assert col(b1, "", "ivr_abandoned") == 1
    assert col(b0, "support", "wrapup_sum") == 20.0
    assert col(b3, "support", "wrapup_sum") == 492.0  # c6 ended 09:41:48, wrap-up to 09:50
    ivr = {(r[1], r[2]): r[3] for r in incremental["report_ivr_buckets"]}
    assert ivr == {("main", "2"): 1, ("sub", "hangup"): 1}
    agents = {(r[0].replace(tzinfo=UTC), r[1]): dict(zip([c.name for c in AgentBucket.__table__.columns], r,
                                                          strict=True))
              for r in incremental["report_agent_buckets"]}
    assert agents[(b2, "wang")]["made"] == 1 and sum(a["made"] for a in agents.values()) == 1
    # li's meeting (an away reason) from 09:16:49 to 09:40: one episode over 20 minutes, counted at its end
    assert agents[(b2, "li")]["away_seconds"] == 1391.0 and agents[(b2, "li")]["away_violations"] == 1
    # li's time from 09:05 to 09:50 (the state in progress since 09:50 is not counted yet): split by bucket
    li = {b: agents[(b, "li")] for b in (b0, b1, b2, b3)}
    assert li[b0]["logged_in"] == 600.0 and li[b1]["logged_in"] == 900.0
    assert li[b2]["logged_in"] == 900.0 and li[b3]["logged_in"] == 300.0
    assert li[b0]["answered"] == 1 and li[b2]["answered"] == 1 and li[b3]["answered"] == 0
    pauses = {(r[0].replace(tzinfo=UTC), r[1], r[2]): r[3] for r in incremental["report_agent_pauses"]}
    assert pauses[(b1, "li", "meeting")] == 791.0 and pauses[(b2, "li", "meeting")] == 600.0  # 09:16:49 → 09:40


async def test_a_crash_is_repaired_at_start(env: Env) -> None:
    roll = env.stack.reports.rollups
    await roll.repair()  # a fresh database: the mark is set, nothing to roll
    await call_mix(env, roll)
    await env.arrive("c7")
    env.clock.advance(15)
    await env.answer("c7")
    env.clock.advance(30)
    await env.hang_up("c7", talk=30)
    await env.stack.tracker.writer.flush()
    await env.stack.acd.flush()
    # the crash: the pass never ran; a new service starts on the same database
    env.clock.advance(600)
    fresh = Rollups(env.stack.sessions, env.clock, roll.flush, tick_seconds=0.05)
    fresh.start()  # the repair runs in the pass's own task, before its first pass
    await wait_for(lambda: fresh.repaired, 10, "the repair")
    await fresh.stop()
    repaired = await tables(env)
    await fresh.rebuild(T0 - timedelta(hours=1), env.clock.now())
    assert await tables(env) == repaired
    q = {(r[0].replace(tzinfo=UTC), r[1]): r for r in repaired["report_queue_buckets"]}
    assert q[(datetime(2026, 3, 2, 1, 45, tzinfo=UTC), "support")][3] >= 1  # c7 answered (offered, answered)


async def test_a_database_without_rollups_is_rolled_up_whole_at_start(env: Env) -> None:
    roll = env.stack.reports.rollups
    await call_mix(env, roll)
    expected = await tables(env)
    async with env.stack.sessions() as s:
        for model in (QueueBucket, IvrBucket, AgentBucket, AgentPauseBucket):
            for row in (await s.execute(select(model))).scalars():
                await s.delete(row)
        from callcenter.reports.models import RollupMark

        for m in (await s.execute(select(RollupMark))).scalars():
            await s.delete(m)
        await s.commit()
    await Rollups(env.stack.sessions, env.clock, roll.flush).repair()
    assert await tables(env) == expected


async def test_the_board_and_the_report_agree_on_today(env: Env) -> None:
    roll = env.stack.reports.rollups
    await call_mix(env, roll)
    board = env.w("today")
    app = create_app(env.stack.settings, stack=env.stack, manage_stack=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        h = await bearer(env.stack, ("supervisor",))
        r = await c.get("/api/reports/intervals", params={"kind": "queue", "by": "day", "queue": "support"},
                        headers=h)
        assert r.status_code == 200, r.text
        rep = r.json()
    today = rep["totals"]
    for k in ("offered", "answered", "abandoned", "timed_out", "answered_in_sl", "completed", "service_level",
              "abandon_rate", "asa", "aht", "att", "acw"):
        assert today[k] == board[k], (k, today[k], board[k])
    assert board["offered"] == 5 and board["answered"] == 3
    assert len(rep["intervals"]) == 1 and rep["intervals"][0]["label"] == "2026-03-02T00:00:00+08:00"
    # the board's totals too (all queues)
    _, totals = env.board.queue_figures(env.clock.now())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        rep = (await c.get("/api/reports/intervals", params={"kind": "queue", "by": "day"}, headers=h)).json()
    for k in ("offered", "answered", "abandoned", "timed_out", "service_level", "asa", "aht"):
        assert rep["totals"][k] == totals["windows"]["today"][k], k


async def test_the_pass_never_holds_up_the_events(env: Env) -> None:
    """The watcher and the listener only note a time: no database work on the AMI path."""
    roll = env.stack.reports.rollups
    calls: list[str] = []
    real = roll.flush

    async def counting() -> None:
        calls.append("flush")
        await real()

    roll.flush = counting
    await env.agent("li", "1001")
    await env.arrive("x1")
    await asyncio.sleep(0)
    assert calls == [] and roll.passes == 0 and roll._dirty is not None
    await roll.tick()
    assert calls == ["flush"] and roll._dirty is None


async def test_the_migration_goes_down_and_up(workdir: Path) -> None:
    from alembic import command
    from sqlalchemy import inspect

    from callcenter.db import make_engine
    from callcenter.migrate import alembic_config, upgrade

    url = f"sqlite+aiosqlite:///{workdir / 'm.db'}"
    await asyncio.to_thread(upgrade, url)
    engine = make_engine(url)

    async def shape() -> tuple[dict[str, set[str]], set[str]]:
        async with engine.connect() as c:
            def read(sync: Any) -> tuple[dict[str, set[str]], set[str]]:
                i = inspect(sync)
                names = {n for n in i.get_table_names() if n.startswith("report_")}
                idx = {x["name"] for x in i.get_indexes("calls")}
                return {n: {col["name"] for col in i.get_columns(n)} for n in names}, idx
            return await c.run_sync(read)

    got, idx = await shape()
    assert set(got) >= {"report_queue_buckets", "report_ivr_buckets", "report_agent_buckets", "report_agent_pauses",
                        "report_rollup_marks"}
    for model in (QueueBucket, IvrBucket, AgentBucket, AgentPauseBucket):
        assert got[model.__tablename__] == {c.name for c in model.__table__.columns}
    assert {"ix_calls_answered_at", "ix_calls_taken_at"} <= idx
    await asyncio.to_thread(command.downgrade, alembic_config(url), "0025_help_requests")
    down, idx_down = await shape()
    assert not {"report_queue_buckets", "report_agent_buckets", "report_rollup_marks"} & set(down)
    assert "ix_calls_answered_at" not in idx_down
    await asyncio.to_thread(upgrade, url)
    assert (await shape())[0] == got
    await engine.dispose()


async def test_the_rebuild_command_writes_what_the_passes_wrote(env: Env) -> None:
    from callcenter.reports.commands import rebuild

    roll = env.stack.reports.rollups
    await call_mix(env, roll)
    incremental = await tables(env)
    async with env.stack.sessions() as s:  # a bucket spoilt by hand: the rebuild puts it right
        row = (await s.execute(select(QueueBucket).where(QueueBucket.queue == "support"))).scalars().first()
        assert row is not None
        row.offered += 7
        await s.commit()
    assert await tables(env) != incremental
    text = await rebuild(env.stack.settings, "2026-03-01", "2026-03-02")
    assert "rebuilt from 2026-03-01T00:00+08:00 to 2026-03-03T00:00+08:00" in text, text
    assert await tables(env) == incremental
    assert "nothing to rebuild" not in text


async def test_rolls_of_the_same_buckets_at_once_do_not_interleave(env: Env) -> None:
    """The service's pass and a rebuild of the same day at the same time (the command run while the service runs):
    both succeed and leave what one alone writes."""
    roll = env.stack.reports.rollups
    await call_mix(env, roll)
    expected = await tables(env)
    await asyncio.gather(roll.rebuild(T0 - timedelta(hours=1), env.clock.now()), roll.tick(),
                         roll.rebuild(T0, env.clock.now()))
    assert await tables(env) == expected
