"""The QC sample: the monthly draw (seeded, reproducible: :meth:`QcDraws.rerun_draw`), the stored draws, and calls
hand-picked into a month's sample. The selection itself is :mod:`callcenter.qc.sampling`. Every draw and pick is
audited."""

from __future__ import annotations

import random
from collections import Counter
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError

from callcenter.clock import Clock
from callcenter.errors import DomainError
from callcenter.qc.access import QC_ROLES, Actor, Audit, require
from callcenter.qc.errors import (
    BAD_MIN_TALK,
    BAD_PER_AGENT,
    BAD_POOR_LEVEL,
    BAD_SEED,
    BAD_WEIGHT,
    CALL_IN_SAMPLE,
    CALL_IN_SAMPLE_RACE,
    CALL_NO_RECORDING,
    CALL_NOT_ANSWERED,
    CALL_NOT_FOUND,
    DRAW_NOT_FOUND,
    MONTH_DRAWN,
    MONTH_NOT_STARTED,
)
from callcenter.qc.models import QcDraw, QcSample
from callcenter.qc.repository import QcRepository
from callcenter.qc.sampling import (
    Candidate,
    Policy,
    candidates,
    fingerprint,
    month_bounds,
    month_of,
    parse_month,
    readable_policy,
    select_sample,
    week_of,
)
from callcenter.qc.views import iso, sample_out
from callcenter.surveys.models import LEVELS

MAX_SEED = 2**63 - 1


class QcDraws:
    def __init__(self, repo: QcRepository, clock: Clock, timezone: str, audit: Audit) -> None:
        self.repo = repo
        self.clock = clock
        self.tz = timezone
        self.audit = audit

    async def draw(self, actor: Actor, month: str, policy: Policy, seed: int | None = None) -> dict[str, Any]:
        require(actor, QC_ROLES, "drawing the QC sample")
        _check_policy(policy)
        start, _ = month_bounds(month, self.tz)
        if start > self.clock.now():
            raise MONTH_NOT_STARTED({"month": month}, field="month")
        if seed is None:
            seed = random.SystemRandom().getrandbits(63)
        elif not 0 <= seed <= MAX_SEED:
            raise BAD_SEED(field="seed")
        async with self.repo.session() as s:
            prev = await self.repo.draw_of_month(s, month)
            if prev is not None:
                raise _drawn(prev)
            cands = await candidates(s, month, policy, self.tz)
            picks = select_sample(cands, policy.per_agent, seed)
            counts = Counter(c.agent for c in cands)
            d = QcDraw(month=month, seed=seed, policy=policy.as_json(self.tz), drawn_by=actor.username,
                       drawn_at=self.clock.now(), candidate_count=len(cands), agent_candidates=dict(sorted(
                           counts.items())), fingerprint=fingerprint(cands))
            s.add(d)
            try:
                await s.flush()
            except IntegrityError as e:
                await s.rollback()
                async with self.repo.session() as s2:
                    prev = await self.repo.draw_of_month(s2, month)
                assert prev is not None  # the unique month refused ours: the other draw is there
                raise _drawn(prev) from e
            already = {x.call_uniqueid: x for x in await self.repo.samples_of_month(s, month)}
            now = self.clock.now()
            for c in picks:
                if c.uniqueid in already:  # hand-picked before the draw: now drawn too
                    already[c.uniqueid].draw_id = d.id
                    continue
                s.add(_sample_of(c, month, now, draw_id=d.id))
            await s.commit()
            samples = await self.repo.samples_of_draw(s, d.id)
        short = {a: n for a, n in sorted(counts.items()) if n < policy.per_agent}
        await self.audit(actor.username, "qc.draw", f"qc_draw:{d.id}",
                         {"month": month, "seed": seed, "policy": d.policy, "candidates": len(cands),
                          "samples": len(samples)})
        return {**_draw_out(d), "short": short, "samples": [sample_out(x) for x in samples]}

    async def draws(self, month: str | None = None) -> list[dict[str, Any]]:
        if month is not None:
            parse_month(month)
        async with self.repo.session() as s:
            return [_draw_out(d) for d in await self.repo.draws(s, month)]

    async def rerun_draw(self, draw_id: int) -> dict[str, Any]:
        """Re-run a stored draw's selection from its seed and policy on today's data; ``matches`` tells whether it
        gives the stored sample, ``candidates_unchanged`` whether the candidate calls are still the same."""
        async with self.repo.session() as s:
            d = await self.repo.draw(s, draw_id)
            if d is None:
                raise DRAW_NOT_FOUND({"draw_id": draw_id})
            policy = Policy.from_json(d.policy)
            cands = await candidates(s, d.month, policy, d.policy["timezone"])
            stored = await self.repo.drawn_calls(s, d.id)
        rerun = [c.uniqueid for c in select_sample(cands, policy.per_agent, d.seed)]
        return {"draw_id": d.id, "month": d.month, "seed": d.seed, "matches": sorted(stored) == sorted(rerun),
                "candidates_unchanged": fingerprint(cands) == d.fingerprint, "stored": sorted(stored),
                "rerun": sorted(rerun)}

    async def hand_pick(self, actor: Actor, call_uniqueid: str, reason: str) -> dict[str, Any]:
        require(actor, QC_ROLES, "hand-picking a call")
        async with self.repo.session() as s:
            call = await self.repo.call(s, call_uniqueid)
            if call is None:
                raise CALL_NOT_FOUND({"call_uniqueid": call_uniqueid}, field="call_uniqueid")
            rec = await self.repo.recording(s, call_uniqueid)
            if rec is None or rec.status != "ok":
                why = "no recording" if rec is None else f"its recording is {rec.status}"
                raise CALL_NO_RECORDING({"call_uniqueid": call_uniqueid, "why": why}, field="call_uniqueid")
            agent = rec.agent_username or call.agent_name
            if call.answered_at is None or not agent:
                raise CALL_NOT_ANSWERED({"call_uniqueid": call_uniqueid}, field="call_uniqueid")
            month = month_of(call.answered_at, self.tz)
            dup = await self.repo.sample_of_call(s, month, call_uniqueid)
            if dup is not None:
                raise CALL_IN_SAMPLE({"call_uniqueid": call_uniqueid, "month": month}, sample_id=dup.id)
            c = Candidate(call_uniqueid, agent, call.answered_at, week_of(call.answered_at, self.tz), 1.0)
            x = _sample_of(c, month, self.clock.now(), draw_id=None)
            x.hand_picked, x.picked_by, x.reason = True, actor.username, reason.strip()
            s.add(x)
            try:
                await s.commit()
            except IntegrityError as e:
                raise CALL_IN_SAMPLE_RACE({"call_uniqueid": call_uniqueid, "month": month}) from e
        await self.audit(actor.username, "qc.handpick", f"qc_sample:{x.id}",
                         {"call": call_uniqueid, "month": month, "agent": agent, "reason": x.reason})
        return sample_out(x)


def _check_policy(p: Policy) -> None:
    if isinstance(p.per_agent, bool) or not isinstance(p.per_agent, int) or not 1 <= p.per_agent <= 5:
        raise BAD_PER_AGENT(field="per_agent")
    if not 0 <= p.min_talk_seconds <= 36_000:
        raise BAD_MIN_TALK(field="min_talk_seconds")
    for f in ("weight_complaints", "weight_poor_survey"):
        if not 0 <= getattr(p, f) <= 1000:
            raise BAD_WEIGHT(field=f)
    if isinstance(p.poor_level, bool) or not isinstance(p.poor_level, int) or p.poor_level not in LEVELS:
        raise BAD_POOR_LEVEL(field="poor_level")


def _drawn(d: QcDraw) -> DomainError:  # a Conflict (MONTH_DRAWN's kind)
    return MONTH_DRAWN({"drawn_by": d.drawn_by, "drawn_at": iso(d.drawn_at)}, draw_id=d.id, month=d.month)


def _draw_out(d: QcDraw) -> dict[str, Any]:
    return {"id": d.id, "month": d.month, "seed": d.seed, "policy": readable_policy(d.policy),
            "drawn_by": d.drawn_by, "drawn_at": iso(d.drawn_at), "candidate_count": d.candidate_count,
            "agent_candidates": d.agent_candidates}


def _sample_of(c: Candidate, month: str, now: datetime, draw_id: int | None) -> QcSample:
    return QcSample(month=month, call_uniqueid=c.uniqueid, agent=c.agent, draw_id=draw_id, week=c.week,
                    weight=c.weight, hand_picked=False, picked_by=None, reason="", status="open", created_at=now)
