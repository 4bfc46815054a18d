"""The monthly QC draw: exact counts per agent, spread over weeks, weighting, exclusions (incl. the timezone edge
at local midnight of the 1st), reproducibility from the stored seed, one draw per month."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert, select

from callcenter.app import Stack
from callcenter.auth.models import AuditEntry
from callcenter.calls.models import Call
from callcenter.clock import FakeClock
from callcenter.customers.models import ServiceRecord
from callcenter.errors import Conflict, InvalidInput
from callcenter.qc.access import Actor
from callcenter.qc.models import QcDraw
from callcenter.qc.sampling import Candidate, Policy, candidates, select_sample
from callcenter.recordings.models import Recording
from callcenter.surveys.models import POINTS, Survey
from tests.helpers import stack_settings

TZ = ZoneInfo("Asia/Shanghai")  # the default centre timezone (UTC+8)
T0 = datetime(2026, 4, 10, 2, 0, tzinfo=UTC)  # 10 April 2026, 10:00 in the centre
QC = Actor("qc1", frozenset({"qc"}))
LEAD = Actor("lead", frozenset({"supervisor"}))


def local(y: int, m: int, d: int, h: int = 10, mi: int = 0, s: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, s, tzinfo=TZ).astimezone(UTC)


@dataclass
class Env:
    stack: Stack
    clock: FakeClock

    @property
    def qc(self) -> Any:
        return self.stack.qc

    async def calls(self, *specs: dict[str, Any]) -> None:
        """Calls (with their recording, and a complaint record when asked), written straight to the DB."""
        async with self.stack.sessions() as s:
            for spec in specs:
                add_call(s, **spec)
            await s.commit()

    async def audit(self, action: str) -> list[AuditEntry]:
        async with self.stack.sessions() as s:
            return list((await s.execute(select(AuditEntry).where(AuditEntry.action == action)
                                         .order_by(AuditEntry.id))).scalars())


def add_call(s: Any, uid: str, agent: str | None = "a1", at: datetime | None = None, talk: float | None = 60.0,
             rec: str | None = "ok", agent_name: str | None = None, answered: bool = True, complaint: bool = False,
             survey: dict[str, int | None] | None = None, channel: str = "callback", survey_score: int | None = None,
             ended: bool = True) -> None:
    """``survey``: a four-point survey of the call ({point: level 1..4}, of ``channel``); ``survey_score``: the old
    1-5 column (nothing reads it since algorithm 2)."""
    at = at or local(2026, 3, 10)
    s.add(Call(uniqueid=uid, caller_number="13800138000", queue="support", agent_name=agent_name or agent,
               arrived_at=at - timedelta(seconds=20), answered_at=at if answered else None,
               ended_at=at + timedelta(seconds=talk or 5) if ended else None,
               talk_seconds=talk if answered else None, outcome="answered" if answered else "abandoned",
               survey_score=survey_score))
    if survey is not None:
        s.add(Survey(channel=channel, call_uniqueid=uid, agent_username=agent, month=at.astimezone(TZ)
                     .strftime("%Y-%m"), **{p: survey.get(p) for p in POINTS}, taken_by="test", taken_at=at))
    if rec is not None:
        s.add(Recording(call_uniqueid=uid, path=f"x/{uid}.wav", queue="support",
                        agent_username=agent if agent_name is None else None, started_at=at, status=rec,
                        duration_seconds=talk, format="wav"))
    if complaint:
        s.add(ServiceRecord(call_uniqueid=uid, agent_username=agent or "?", category="complaint", text="complaint",
                            created_at=at))


@asynccontextmanager
async def open_env(db_url: str, workdir: Path) -> AsyncIterator[Env]:
    """A stack that is not started (no Asterisk): its QC service on a migrated database, time at T0."""
    clock = FakeClock(T0)
    stack = Stack(stack_settings(db_url, workdir / "data"), clock=clock, run_migrations=False)
    try:
        yield Env(stack, clock)
    finally:
        await stack.engine.dispose()


@pytest.fixture
async def env(db_url: str, workdir: Path) -> AsyncIterator[Env]:
    async with open_env(db_url, workdir) as e:
        yield e


def cand(uid: str, agent: str, day: int, weight: float = 1.0) -> Candidate:
    at = local(2026, 3, day)
    return Candidate(uid, agent, at, (day - 1) // 7, weight)


# the selection (pure) --------------------------------------------------------------------------------------
def test_exact_counts_per_agent_and_spread_over_weeks() -> None:
    days = [1, 2, 3, 4, 8, 9, 10, 11, 15, 16, 17, 18, 22, 23, 24, 25, 29, 30, 31]  # 4 per week, weeks 0..4
    pool = [cand(f"{a}-{d}", a, d) for a in ("a1", "a2", "a3") for d in days]
    pool += [cand("few-1", "few", 3), cand("few-2", "few", 20)]  # fewer candidates than N: all of them
    pool += [cand(f"two-{d}", "two", d) for d in (1, 2, 3, 4, 5, 15, 16, 17)]  # only weeks 0 and 2
    for n in range(1, 6):
        for seed in range(20):
            picks = select_sample(pool, n, seed)
            by_agent: dict[str, list[Candidate]] = {}
            for c in picks:
                by_agent.setdefault(c.agent, []).append(c)
            assert {a: len(v) for a, v in by_agent.items()} == {"a1": n, "a2": n, "a3": n, "few": min(n, 2),
                                                                "two": n}
            for a in ("a1", "a2", "a3"):  # at most one per week while N <= the weeks with candidates
                assert len({c.week for c in by_agent[a]}) == n
            weeks = Counter(c.week for c in by_agent["two"])  # round-robin over the two weeks
            assert set(weeks) <= {0, 2} and max(weeks.values()) - min(weeks.values(), default=0) <= 1
            assert len(set(c.uniqueid for c in picks)) == len(picks)  # no call twice


def test_weighting_prefers_complaint_calls_across_seeds() -> None:
    p = Policy(weight_complaints=9.0)
    assert (p.weight(False, False), p.weight(True, False), p.weight(False, True), p.weight(True, True)) == (
        1.0, 10.0, 3.0, 12.0)
    pool = [cand(f"c{i}", "a1", 2 + i % 5, p.weight(i == 4, False)) for i in range(10)]  # all in week 0
    chosen = Counter(select_sample(pool, 1, seed)[0].uniqueid for seed in range(300))
    # expected: the complaint call 10/19 of the time (~158), each other call 1/19 (~16)
    assert chosen["c4"] > 120
    assert max(v for k, v in chosen.items() if k != "c4") < 40


def test_same_seed_same_sample_whatever_the_input_order() -> None:
    pool = [cand(f"{a}-{d}", a, d, 1 + (d % 3)) for a in ("a1", "a2") for d in range(1, 29)]
    first = select_sample(pool, 3, 12345)
    shuffled = pool[:]
    random.Random(1).shuffle(shuffled)
    assert select_sample(shuffled, 3, 12345) == first
    assert len({tuple(c.uniqueid for c in select_sample(pool, 3, s)) for s in range(10)}) > 1


# through the database --------------------------------------------------------------------------------------
@pytest.mark.db
async def test_candidates_exclusions_and_timezone_edges(env: Env) -> None:
    await env.calls(
        {"uid": "ok"},
        {"uid": "exactly-min", "talk": 30.0},
        {"uid": "short", "talk": 29.9},
        {"uid": "unanswered", "answered": False},
        {"uid": "no-recording", "rec": None},
        {"uid": "rec-empty", "rec": "empty"},
        {"uid": "rec-missing", "rec": "missing"},
        {"uid": "rec-deleted", "rec": "deleted"},
        {"uid": "no-agent", "agent": None},
        {"uid": "april", "at": local(2026, 4, 2)},
        {"uid": "february", "at": local(2026, 2, 20)},
        {"uid": "first-midnight", "at": datetime(2026, 2, 28, 16, 0, tzinfo=UTC)},  # 1 March 00:00 local
        {"uid": "before-midnight", "at": datetime(2026, 2, 28, 15, 59, 59, tzinfo=UTC)},  # 28 Feb local
        {"uid": "last-second", "at": datetime(2026, 3, 31, 15, 59, 59, tzinfo=UTC)},  # 31 March 23:59:59
        {"uid": "next-midnight", "at": datetime(2026, 3, 31, 16, 0, tzinfo=UTC)},  # 1 April 00:00 local
        {"uid": "by-name", "agent": "a2", "agent_name": "Li Lei"},  # no username on the recording: the name
    )
    d = await env.qc.draws.draw(QC, "2026-03", Policy(per_agent=5), seed=7)
    got = {x["call_uniqueid"]: (x["agent"], x["week"]) for x in d["samples"]}
    assert got == {"ok": ("a1", 1), "exactly-min": ("a1", 1), "first-midnight": ("a1", 0),
                   "last-second": ("a1", 4), "by-name": ("Li Lei", 1)}
    assert d["candidate_count"] == 5 and d["agent_candidates"] == {"Li Lei": 1, "a1": 4}
    assert d["short"] == {"Li Lei": 1, "a1": 4}
    assert d["seed"] == 7 and d["policy"]["per_agent"] == 5 and d["policy"]["timezone"] == "Asia/Shanghai"
    assert all(x["status"] == "open" and not x["hand_picked"] and x["draw_id"] == d["id"] for x in d["samples"])


@pytest.mark.db
async def test_stored_draw_reruns_from_its_seed_and_is_drawn_once(env: Env) -> None:
    specs: list[dict[str, Any]] = []
    for a, n in (("a1", 12), ("a2", 9), ("a3", 2)):
        specs += [{"uid": f"{a}-{i}", "agent": a, "at": local(2026, 3, 1 + (i * 29) // n, 9 + i % 8),
                   "complaint": i % 4 == 0, "survey": {"attitude": 1 + i % 4, "skill": 1}} for i in range(n)]
    await env.calls(*specs)
    d = await env.qc.draws.draw(QC, "2026-03", Policy())  # no seed given: a fresh 63-bit one, stored
    assert 0 <= d["seed"] < 2**63
    per_agent = Counter(x["agent"] for x in d["samples"])
    assert per_agent == {"a1": 3, "a2": 3, "a3": 2}
    assert d["agent_candidates"] == {"a1": 12, "a2": 9, "a3": 2} and d["candidate_count"] == 23
    check = await env.qc.draws.rerun_draw(d["id"])
    assert check["matches"] and check["candidates_unchanged"]
    assert check["stored"] == sorted(x["call_uniqueid"] for x in d["samples"])
    # the same thing by hand: today's candidates, the stored policy and seed → the stored sample
    async with env.stack.sessions() as s:
        again = select_sample(await candidates(s, "2026-03", Policy(), "Asia/Shanghai"), 3, d["seed"])
    assert sorted(c.uniqueid for c in again) == check["stored"]
    log = await env.audit("qc.draw")
    assert [(a.username, a.target, a.detail["seed"], a.detail["samples"]) for a in log] == [
        ("qc1", f"qc_draw:{d['id']}", d["seed"], 8)]
    with pytest.raises(Conflict, match="2026-03 was already drawn"):
        await env.qc.draws.draw(QC, "2026-03", Policy(per_agent=5))
    # the data changed since (a new complaint weighs a call differently): the re-run says so
    async with env.stack.sessions() as s:
        s.add(ServiceRecord(call_uniqueid="a1-1", agent_username="a1", category="complaint", text="late",
                            created_at=T0))
        await s.commit()
    assert (await env.qc.draws.rerun_draw(d["id"]))["candidates_unchanged"] is False


@pytest.mark.db
async def test_weights_come_from_complaints_and_the_four_point_surveys(env: Env) -> None:
    await env.calls(
        {"uid": "plain"}, {"uid": "complaint", "complaint": True},
        {"uid": "poor", "survey": {"attitude": 1, "skill": 1, "timeliness": 4, "promises": 1}},  # one point 较差
        {"uid": "fair", "survey": {"attitude": 3, "skill": 2}, "channel": "ivr"},  # 一般 at worst, partial
        {"uid": "satisfied", "survey": {"attitude": 1, "skill": 2, "timeliness": 2, "promises": 1}},
        {"uid": "both", "complaint": True, "survey": {"promises": 4}, "channel": "legacy"},
        {"uid": "typed-in"}, {"uid": "running", "ended": False, "rec": "recording"},
        # the old 1-5 column alone no longer weighs (migration 0018 copied it into the surveys; nothing writes it)
        {"uid": "old-column", "survey_score": 1})
    # a lead types one in (channel manual): poor on skill
    got = await env.qc.surveys.set_survey(LEAD, "typed-in", {"skill": 4, "promises": 2})
    assert (got["channel"], got["agent_username"], got["month"], got["skill"], got["promises"], got["attitude"],
            got["replaced"]) == ("manual", "a1", "2026-03", 4, 2, None, None)
    with pytest.raises(Conflict, match="has not ended"):
        await env.qc.surveys.set_survey(LEAD, "running", {"attitude": 4})
    async with env.stack.sessions() as s:
        default = {c.uniqueid: c.weight for c in await candidates(s, "2026-03", Policy(), "Asia/Shanghai")}
        fair_or_worse = {c.uniqueid: c.weight for c in await candidates(
            s, "2026-03", Policy(weight_complaints=10, weight_poor_survey=0.5, poor_level=3), "Asia/Shanghai")}
        # nothing written to calls.survey_score
        assert (await s.execute(select(Call.survey_score).where(Call.uniqueid == "typed-in"))).scalar_one() is None
    assert default == {"plain": 1.0, "complaint": 4.0, "poor": 3.0, "fair": 1.0, "satisfied": 1.0, "both": 6.0,
                       "typed-in": 3.0, "old-column": 1.0}
    assert fair_or_worse == {"plain": 1.0, "complaint": 11.0, "poor": 1.5, "fair": 1.5, "satisfied": 1.0,
                             "both": 11.5, "typed-in": 1.5, "old-column": 1.0}
    d = await env.qc.draws.draw(QC, "2026-03", Policy(per_agent=1), seed=3)
    assert [x["weight"] for x in d["samples"]] == [default[d["samples"][0]["call_uniqueid"]]]
    assert (d["policy"]["poor_level"], d["policy"]["algorithm"]) == (4, 2)
    # the weight changes the odds: over many seeds the poor-survey calls are drawn about three times as often
    pool = await _candidates(env, Policy(weight_poor_survey=2.0))
    chosen = Counter(select_sample(pool, 1, seed)[0].uniqueid for seed in range(600))
    assert chosen["poor"] > 2 * chosen["satisfied"] and chosen["typed-in"] > 2 * chosen["fair"]


async def _candidates(env: Env, policy: Policy) -> list[Candidate]:
    async with env.stack.sessions() as s:
        return await candidates(s, "2026-03", policy, "Asia/Shanghai")


@pytest.mark.db
async def test_a_draw_made_before_the_four_point_surveys_stays_readable_and_reruns(env: Env) -> None:
    """A draw of algorithm 1 stored poor_survey_max (the 1-5 scale, <= it was poor): it is shown and re-run with
    the poor_level migration 0018 gave that score; the copied ("legacy") surveys weigh as the scores did."""
    specs: list[dict[str, Any]] = []
    for i in range(12):  # the scores as 0018 copied them: 5 -> 1, 4 -> 2, 3 -> 3, 2 and 1 -> 4 on every point
        level = {5: 1, 4: 2, 3: 3, 2: 4, 1: 4}[1 + i % 5]
        specs.append({"uid": f"c{i}", "at": local(2026, 3, 1 + 2 * i), "channel": "legacy",
                      "survey": dict.fromkeys(POINTS, level)})
    await env.calls(*specs)
    d = await env.qc.draws.draw(QC, "2026-03", Policy(per_agent=3), seed=11)
    async with env.stack.sessions() as s:  # as algorithm 1 stored it
        row = await s.get(QcDraw, d["id"])
        assert row is not None
        old = {k: v for k, v in row.policy.items() if k != "poor_level"}
        row.policy = {**old, "poor_survey_max": 2, "algorithm": 1}
        await s.commit()
    [shown] = await env.qc.draws.draws("2026-03")
    assert (shown["policy"]["poor_survey_max"], shown["policy"]["poor_level"], shown["policy"]["algorithm"]) == (
        2, 4, 1)
    check = await env.qc.draws.rerun_draw(d["id"])
    assert check["matches"] and check["candidates_unchanged"], check
    # poor_survey_max 3 (scores 1-3 poor) is poor_level 3 (一般 or worse): other weights than the stored ones
    async with env.stack.sessions() as s:
        row = await s.get(QcDraw, d["id"])
        assert row is not None
        row.policy = {**row.policy, "poor_survey_max": 3}
        await s.commit()
    assert Policy.from_json((await env.qc.draws.draws("2026-03"))[0]["policy"]).poor_level == 3
    assert (await env.qc.draws.rerun_draw(d["id"]))["candidates_unchanged"] is False
    assert [Policy.from_json({**old, "poor_survey_max": m}).poor_level for m in (1, 2, 3, 4, 5)] == [4, 4, 3, 2, 1]


@pytest.mark.db
async def test_a_draw_refuses_a_poor_level_off_the_four_levels(env: Env) -> None:
    for bad in (0, 5, True):
        with pytest.raises(InvalidInput, match="poor_level must be a survey level from 1 to 4") as e:
            await env.qc.draws.draw(QC, "2026-03", Policy(poor_level=bad))
        assert e.value.details["field"] == "poor_level"


@pytest.mark.db
async def test_the_scores_migration_0018_copied_still_weigh(db_url: str, workdir: Path) -> None:
    """A database at 0017 with 1-5 survey scores in calls.survey_score, migrated: the copied surveys weigh the
    draw like the scores did (2 and 1 are poor, 3 fair, 4 and 5 satisfied)."""
    from alembic import command

    from callcenter.db import make_engine, make_sessionmaker
    from callcenter.migrate import alembic_config, upgrade

    await asyncio.to_thread(command.downgrade, alembic_config(db_url), "0017_outbound_calls")
    engine = make_engine(db_url)
    try:
        async with make_sessionmaker(engine)() as s:
            for uid, score in (("s1", 1), ("s2", 2), ("s3", 3), ("s4", 4), ("s5", 5), ("none", None)):
                add_call(s, uid, survey_score=score)
                call = next(o for o in s.new if isinstance(o, Call))
                s.expunge(call)  # the calls table as it was at 0017: only the columns it had then
                values = {c.name: getattr(call, c.key) for c in Call.__table__.columns
                          if c.name not in ("id", "callback_of", "taken_at") and getattr(call, c.key) is not None}
                await s.execute(insert(Call).values(values))
            await s.commit()
    finally:
        await engine.dispose()
    await asyncio.to_thread(upgrade, db_url)
    async with open_env(db_url, workdir) as env:
        async with env.stack.sessions() as s:
            copied = {x.call_uniqueid: (x.channel, x.agent_username, x.attitude, x.promises)
                      for x in (await s.execute(select(Survey))).scalars()}
        assert copied == {"s1": ("legacy", "a1", 4, 4), "s2": ("legacy", "a1", 4, 4), "s3": ("legacy", "a1", 3, 3),
                          "s4": ("legacy", "a1", 2, 2), "s5": ("legacy", "a1", 1, 1)}
        assert {c.uniqueid: c.weight for c in await _candidates(env, Policy())} == {
            "s1": 3.0, "s2": 3.0, "s3": 1.0, "s4": 1.0, "s5": 1.0, "none": 1.0}
        assert {c.uniqueid: c.weight for c in await _candidates(env, Policy(poor_level=3))} == {
            "s1": 3.0, "s2": 3.0, "s3": 3.0, "s4": 1.0, "s5": 1.0, "none": 1.0}
        d = await env.qc.draws.draw(QC, "2026-03", Policy(per_agent=5), seed=1)
        weights = {c.uniqueid: c.weight for c in await _candidates(env, Policy())}
        assert len(d["samples"]) == 5 and all(x["weight"] == weights[x["call_uniqueid"]] for x in d["samples"])
        assert (await env.qc.draws.rerun_draw(d["id"]))["matches"]
        # the lead's manual result replaces the call's legacy one (one typed-in result per call)
        got = await env.qc.surveys.set_survey(LEAD, "s2", dict.fromkeys(POINTS, 1))
        assert got["replaced"] is not None and got["replaced"]["channel"] == "legacy"
        assert {c.uniqueid: c.weight for c in await _candidates(env, Policy())}["s2"] == 1.0
