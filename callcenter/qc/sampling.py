"""The monthly QC draw: which calls are candidates, how they are weighted, and the reproducible selection.

``select`` is a pure function of (candidates, per_agent, seed): the same inputs give the same sample, so a stored
draw can be re-run from its seed and checked.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.qc.errors import BAD_MONTH
from callcenter.qc.repository import QcRepository
from callcenter.surveys.models import POOR

# Stored in each draw's policy; bump when the selection or the weighting changes. 1: the poor-survey weight from the
# single 1-5 score (calls.survey_score <= poor_survey_max); 2: from the four-point surveys (a point at poor_level or
# worse). The selection itself (select_sample) is the same in both.
ALGORITHM = 2
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
# an algorithm-1 policy's poor_survey_max (1-5 scale, <= max was poor) as a poor_level on the four levels: the level
# migration 0018 gave each score (5 -> 1, 4 -> 2, 3 -> 3, 2 and 1 -> 4), so the copied ("legacy") surveys weigh as
# the scores did (exactly for 2..5; 1 now also takes the former 2s, which 0018 made 较差 like the 1s)
POOR_LEVEL_OF_SCORE_MAX = {5: 1, 4: 2, 3: 3, 2: 4, 1: 4}


@dataclass(frozen=True)
class Policy:
    per_agent: int = 3
    min_talk_seconds: float = 30
    weight_complaints: float = 3.0
    weight_poor_survey: float = 2.0
    poor_level: int = POOR  # a survey with a point at this level or worse (4 较差 poor .. 1 很满意) weighs

    def weight(self, complaint: bool, poor_survey: bool) -> float:
        w = 1.0
        if complaint:
            w += self.weight_complaints
        if poor_survey:
            w += self.weight_poor_survey
        return w

    def as_json(self, timezone: str) -> dict[str, Any]:
        return {"per_agent": self.per_agent, "min_talk_seconds": self.min_talk_seconds,
                "weight_complaints": self.weight_complaints, "weight_poor_survey": self.weight_poor_survey,
                "poor_level": self.poor_level, "timezone": timezone, "algorithm": ALGORITHM}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Policy:
        """A stored draw's policy; an algorithm-1 one (poor_survey_max on the 1-5 scale) is mapped to its
        poor_level (:data:`POOR_LEVEL_OF_SCORE_MAX`)."""
        return cls(per_agent=d["per_agent"], min_talk_seconds=d["min_talk_seconds"],
                   weight_complaints=d["weight_complaints"], weight_poor_survey=d["weight_poor_survey"],
                   poor_level=poor_level_of(d))


def poor_level_of(policy: dict[str, Any]) -> int:
    """The poor_level of a stored policy: its own, or its algorithm-1 poor_survey_max mapped."""
    if "poor_level" in policy:
        return int(policy["poor_level"])
    if "poor_survey_max" in policy:
        return POOR_LEVEL_OF_SCORE_MAX[int(policy["poor_survey_max"])]
    return POOR


def readable_policy(policy: dict[str, Any]) -> dict[str, Any]:
    """A stored policy as the API shows it: an algorithm-1 one keeps its poor_survey_max and gains the poor_level
    it is re-run with."""
    return {**policy, "poor_level": poor_level_of(policy)}


@dataclass(frozen=True)
class Candidate:
    uniqueid: str
    agent: str
    answered_at: datetime
    week: int  # 0..4: (local day of month - 1) // 7
    weight: float
    complaint: bool = False
    poor_survey: bool = False

    def sort_key(self) -> tuple[str, datetime, str]:
        return (self.agent, self.answered_at, self.uniqueid)


def parse_month(month: str, field: str = "month") -> tuple[int, int]:
    m = _MONTH.match(month or "")
    if not m:
        raise BAD_MONTH({"month": month}, field=field)
    return int(m.group(1)), int(m.group(2))


def month_bounds(month: str, tz: str) -> tuple[datetime, datetime]:
    """[start, end) of a month in the centre's timezone, as aware datetimes."""
    y, m = parse_month(month)
    zone = ZoneInfo(tz)
    start = datetime(y, m, 1, tzinfo=zone)
    end = datetime(y + (m == 12), m % 12 + 1, 1, tzinfo=zone)
    return start, end


def month_of(at: datetime, tz: str) -> str:
    return at.astimezone(ZoneInfo(tz)).strftime("%Y-%m")


def previous_months(month: str, n: int) -> list[str]:
    y, m = parse_month(month)
    out = []
    for _ in range(n):
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
        out.append(f"{y:04d}-{m:02d}")
    return out


def week_of(at: datetime, tz: str) -> int:
    return (at.astimezone(ZoneInfo(tz)).day - 1) // 7


def day_bounds(day: date, days: int, tz: str) -> tuple[datetime, datetime]:
    zone = ZoneInfo(tz)
    start = datetime(day.year, day.month, day.day, tzinfo=zone)
    end_day = day + timedelta(days=days)
    return start, datetime(end_day.year, end_day.month, end_day.day, tzinfo=zone)


def _weighted_pop(rng: random.Random, bucket: list[Candidate]) -> Candidate:
    total = sum(c.weight for c in bucket)
    x = rng.random() * total
    acc = 0.0
    for i, c in enumerate(bucket):
        acc += c.weight
        if x < acc:
            return bucket.pop(i)
    return bucket.pop()  # float rounding at the very end


def select_sample(candidates: list[Candidate], per_agent: int, seed: int) -> list[Candidate]:
    """Per agent (in name order): all candidates when there are at most ``per_agent``; otherwise ``per_agent``
    picks, round-robin over the weeks that have candidates (starting at a random week), each pick a weighted
    random choice within its week, without replacement."""
    rng = random.Random(seed)
    by_agent: dict[str, list[Candidate]] = {}
    for c in sorted(candidates, key=Candidate.sort_key):
        by_agent.setdefault(c.agent, []).append(c)
    picks: list[Candidate] = []
    for agent in sorted(by_agent):
        pool = by_agent[agent]
        if len(pool) <= per_agent:
            picks.extend(pool)
            continue
        weeks: dict[int, list[Candidate]] = {}
        for c in pool:
            weeks.setdefault(c.week, []).append(c)
        order = sorted(weeks)
        k = rng.randrange(len(order))
        order = order[k:] + order[:k]
        taken: list[Candidate] = []
        while len(taken) < per_agent:
            for w in order:
                if len(taken) == per_agent:
                    break
                if weeks[w]:
                    taken.append(_weighted_pop(rng, weeks[w]))
        picks.extend(taken)
    return picks


def fingerprint(candidates: list[Candidate]) -> str:
    """SHA-256 of the candidate list as the selection sees it (tells whether the data changed since a draw)."""
    rows = [[c.agent, c.answered_at.isoformat(), c.uniqueid, c.week, c.weight]
            for c in sorted(candidates, key=Candidate.sort_key)]
    return hashlib.sha256(json.dumps(rows, separators=(",", ":")).encode()).hexdigest()


async def candidates(s: AsyncSession, month: str, policy: Policy, tz: str) -> list[Candidate]:
    """Calls of ``month`` (centre timezone) answered by an agent, talk >= min, with an ``ok`` recording; each
    weighted by its complaint and whether one of its surveys (any channel) has a point at ``poor_level`` or
    worse."""
    start, end = month_bounds(month, tz)
    out = []
    for uid, answered_at, agent_name, poor, rec_agent, complaint in await QcRepository.candidate_calls(
            s, start, end, policy.min_talk_seconds, policy.poor_level):
        agent = rec_agent or agent_name
        if not agent:
            continue
        out.append(Candidate(uid, agent, answered_at, week_of(answered_at, tz),
                             policy.weight(complaint, poor), complaint, poor))
    out.sort(key=Candidate.sort_key)
    return out
