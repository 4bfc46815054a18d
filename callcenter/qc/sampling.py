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

ALGORITHM = 1  # stored in each draw's policy; bump when the selection changes
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


@dataclass(frozen=True)
class Policy:
    per_agent: int = 3
    min_talk_seconds: float = 30
    weight_complaints: float = 3.0
    weight_poor_survey: float = 2.0
    poor_survey_max: int = 2

    def weight(self, complaint: bool, survey_score: int | None) -> float:
        w = 1.0
        if complaint:
            w += self.weight_complaints
        if survey_score is not None and survey_score <= self.poor_survey_max:
            w += self.weight_poor_survey
        return w

    def as_json(self, timezone: str) -> dict[str, Any]:
        return {"per_agent": self.per_agent, "min_talk_seconds": self.min_talk_seconds,
                "weight_complaints": self.weight_complaints, "weight_poor_survey": self.weight_poor_survey,
                "poor_survey_max": self.poor_survey_max, "timezone": timezone, "algorithm": ALGORITHM}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Policy:
        return cls(per_agent=d["per_agent"], min_talk_seconds=d["min_talk_seconds"],
                   weight_complaints=d["weight_complaints"], weight_poor_survey=d["weight_poor_survey"],
                   poor_survey_max=d["poor_survey_max"])


@dataclass(frozen=True)
class Candidate:
    uniqueid: str
    agent: str
    answered_at: datetime
    week: int  # 0..4: (local day of month - 1) // 7
    weight: float
    complaint: bool = False
    survey_score: int | None = None

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
    """Calls of ``month`` (centre timezone) answered by an agent, talk >= min, with an ``ok`` recording."""
    start, end = month_bounds(month, tz)
    out = []
    for uid, answered_at, agent_name, survey, rec_agent, complaint in await QcRepository.candidate_calls(
            s, start, end, policy.min_talk_seconds):
        agent = rec_agent or agent_name
        if not agent:
            continue
        out.append(Candidate(uid, agent, answered_at, week_of(answered_at, tz),
                             policy.weight(complaint, survey), complaint, survey))
    out.sort(key=Candidate.sort_key)
    return out
