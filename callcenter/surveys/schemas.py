"""The surveys' API shapes."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from callcenter.surveys.service import AgentMonth

Level = Annotated[int, Field(ge=1, le=4, description="1 very satisfied (很满意), 2 satisfied (满意), 3 fair (一般), "
                                                     "4 poor (较差)")]


class SurveyIn(BaseModel):
    """The four points, each on four levels; a point the customer did not answer is null."""

    model_config = ConfigDict(extra="forbid")

    attitude: Level | None = None
    skill: Level | None = None
    timeliness: Level | None = None
    promises: Level | None = Field(None, description="promises kept (承诺兑现)")

    def points(self) -> dict[str, int | None]:
        return self.model_dump()

    def complete(self) -> bool:
        return all(v is not None for v in self.points().values())


class SurveyOut(SurveyIn):
    model_config = ConfigDict(from_attributes=True, extra="ignore")

    id: int
    channel: str
    call_uniqueid: str | None
    case_id: int | None
    agent_username: str | None
    month: str
    taken_by: str


class PointOut(BaseModel):
    levels: dict[str, int] = Field(description="level (1-4) → how many")
    answered: int
    average: float | None = Field(description="the average level, 1 very satisfied .. 4 poor")
    satisfied_share: float | None = Field(description="levels 1 and 2 ÷ answered")


class AgentMonthOut(BaseModel):
    agent: str | None
    month: str
    surveys: int
    complete: int
    points: dict[str, PointOut]
    by_channel: dict[str, int]
    poor: int = Field(0, description="surveys with a point at 4 poor (较差)")

    @classmethod
    def of(cls, a: AgentMonth) -> AgentMonthOut:
        return cls(agent=a.agent, month=a.month, surveys=a.surveys, complete=a.complete, by_channel=a.by_channel,
                   poor=a.poor, points=points_out(a))


def points_out(a: AgentMonth) -> dict[str, PointOut]:
    """Per point: the count at each level, how many answered, the average level and the share satisfied."""
    return {k: PointOut(levels={str(lv): n for lv, n in p.levels.items()}, answered=p.answered, average=p.average,
                        satisfied_share=p.satisfied_share) for k, p in a.points.items()}


class MonthlyOut(BaseModel):
    month: str
    items: list[AgentMonthOut]
