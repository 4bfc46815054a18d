"""The surveys (``models.py``): record one, and the per-agent monthly results QC and the appraisal read — for each
agent and month: how many surveys, how many complete (all four points), and per point the count at each level,
the average level (1 very satisfied .. 4 poor) and the share satisfied (levels 1 and 2), each channel counted
apart too (``by_channel``), so the results say where each came from."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from callcenter.clock import Clock
from callcenter.surveys.models import LEVELS, POINTS, POOR, Survey
from callcenter.surveys.repository import SurveyRepository

Audit = Callable[[str, str, str, dict[str, Any] | None], Awaitable[None]]


@dataclass
class PointResult:
    levels: dict[int, int] = field(default_factory=lambda: dict.fromkeys(LEVELS, 0))
    answered: int = 0

    def add(self, level: int | None) -> None:
        if level is not None:
            self.levels[level] += 1
            self.answered += 1

    @property
    def average(self) -> float | None:
        return round(sum(lv * n for lv, n in self.levels.items()) / self.answered, 3) if self.answered else None

    @property
    def satisfied_share(self) -> float | None:
        return round((self.levels[1] + self.levels[2]) / self.answered, 4) if self.answered else None


@dataclass
class AgentMonth:
    agent: str | None
    month: str
    surveys: int = 0
    complete: int = 0
    points: dict[str, PointResult] = field(default_factory=lambda: {p: PointResult() for p in POINTS})
    by_channel: dict[str, int] = field(default_factory=dict)
    poor: int = 0  # surveys with a point at 较差 (4)

    def add(self, s: Survey) -> None:
        self.surveys += 1
        values = [getattr(s, p) for p in POINTS]
        self.complete += all(v is not None for v in values)
        self.poor += any(v == POOR for v in values)
        for p, v in zip(POINTS, values, strict=True):
            self.points[p].add(v)
        self.by_channel[s.channel] = self.by_channel.get(s.channel, 0) + 1


class Surveys:
    def __init__(self, repo: SurveyRepository, clock: Clock, timezone: str, audit: Audit) -> None:
        self.repo = repo
        self.clock = clock
        self.tz = ZoneInfo(timezone)
        self.audit = audit

    def month_of(self, at: datetime) -> str:
        return at.astimezone(self.tz).strftime("%Y-%m")

    async def record(self, *, channel: str, points: dict[str, int | None], taken_by: str,
                     call_uniqueid: str | None = None, case_id: int | None = None, task_id: int | None = None,
                     agent_username: str | None = None, rated_at: datetime | None = None) -> Survey:
        """Store one survey (the points already checked by the caller's schema: 1..4 or None). ``rated_at``: when
        the rated service happened (its month), default now."""
        now = self.clock.now()
        return await self.repo.add({
            "channel": channel, "call_uniqueid": call_uniqueid, "case_id": case_id, "task_id": task_id,
            "agent_username": agent_username, "month": self.month_of(rated_at or now),
            **{p: points.get(p) for p in POINTS}, "taken_by": taken_by, "taken_at": now})

    async def record_for_call(self, *, channel: str, call_uniqueid: str, points: dict[str, int | None],
                              taken_by: str, agent_username: str | None, rated_at: datetime | None,
                              replaces: tuple[str, ...]) -> tuple[Survey, dict[str, Any] | None]:
        """One survey of ``channel`` per call: store it, or re-take the call's survey of one of the ``replaces``
        channels (its points, agent, month and taker replaced; it becomes ``channel``). Returns the survey and what
        the replaced one had (None when new)."""
        now = self.clock.now()
        return await self.repo.put_for_call(call_uniqueid, replaces, {
            "channel": channel, "call_uniqueid": call_uniqueid, "agent_username": agent_username,
            "month": self.month_of(rated_at or now), **{p: points.get(p) for p in POINTS}, "taken_by": taken_by,
            "taken_at": now})

    async def of_calls(self, uniqueids: list[str]) -> list[Survey]:
        """The customers' ratings of these calls (a customer's history shows them to leads, never to the agent
        being rated): the caller checks who may see them."""
        return await self.repo.of_calls(uniqueids)

    async def results(self, month: str, agent: str | None = None) -> dict[str | None, AgentMonth]:
        """The month's results per rated agent (only ``agent``'s with it), not audited: the caller says who asked."""
        by: dict[str | None, AgentMonth] = {}
        for s in await self.repo.of_month(month, agent):
            by.setdefault(s.agent_username, AgentMonth(s.agent_username, month)).add(s)
        return by

    async def monthly(self, username: str, month: str, agent: str | None = None) -> list[AgentMonth]:
        """The month's results per rated agent (an agent's own row only with ``agent``), agents in name order."""
        by = await self.results(month, agent)
        await self.audit(username, "survey.monthly", f"surveys:{month}", {"agent": agent, "agents": len(by)})
        return [by[k] for k in sorted(by, key=lambda a: (a is None, a or ""))]
