"""The campaigns' API shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

Mode = Literal["preview", "progressive"]
State = Literal["draft", "running", "paused", "stopped", "done"]
NumberState = Literal["pending", "reserved", "dialling", "done", "exhausted", "dnc"]
Username = Annotated[str, Field(min_length=1, max_length=64)]
HourMinute = Annotated[str, Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$", description="HH:MM, the centre's time")]
Minutes = Annotated[float, Field(ge=0, le=7 * 24 * 60)]


class RetryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    busy: Minutes = 10.0
    no_answer: Minutes = 60.0
    failed: Minutes = 30.0


class CampaignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=128)
    mode: Mode
    agents: list[Username] = Field(min_length=1, max_length=500)
    hours_from: HourMinute = "09:00"
    hours_to: HourMinute = "20:00"
    days: list[Annotated[int, Field(ge=1, le=7)]] = Field(default_factory=lambda: [1, 2, 3, 4, 5, 6, 7],
                                                          min_length=1, max_length=7)
    retry: RetryIn = Field(default_factory=RetryIn, description="minutes until a number is tried again after "
                                                                "each outcome")
    max_attempts: int = Field(3, ge=1, le=10)
    script: str = Field("", max_length=10_000)


class CampaignPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, min_length=1, max_length=128)
    agents: list[Username] | None = Field(None, min_length=1, max_length=500)
    hours_from: HourMinute | None = None
    hours_to: HourMinute | None = None
    days: list[Annotated[int, Field(ge=1, le=7)]] | None = Field(None, min_length=1, max_length=7)
    retry: RetryIn | None = None
    max_attempts: int | None = Field(None, ge=1, le=10)
    script: str | None = Field(None, max_length=10_000)


class CampaignOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    mode: Mode
    state: State
    agents: list[str]
    hours_from: str
    hours_to: str
    days: list[int]
    retry: dict[str, float]
    max_attempts: int
    script: str
    created_by: str
    created_at: datetime
    updated_at: datetime


class FiguresOut(BaseModel):
    campaign: CampaignOut
    numbers: int
    by_state: dict[str, int]
    by_outcome: dict[str, int]
    dialled: int = Field(description="attempts made (calls that rang the customer's side)")
    connected: int = Field(description="numbers whose customer answered")
    remaining: int = Field(description="numbers still to call (pending, held by an agent, on a call)")
    in_hours: bool


class CampaignList(BaseModel):
    items: list[CampaignOut]


class NumberOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    campaign_id: int
    number: str
    name: str
    customer_id: int | None
    callback_id: int | None = Field(description="the call-back task this number calls back (its dial is an attempt "
                                                "of the task)")
    state: NumberState
    attempts: int
    next_at: datetime | None
    agent: str | None
    reserved_until: datetime | None
    call_uniqueid: str | None
    last_outcome: str | None
    last_at: datetime | None


class NumberPage(BaseModel):
    total: int
    items: list[NumberOut]


class ImportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    csv: str = Field(min_length=1, max_length=2_000_000,
                     description="UTF-8 CSV, header: number (required), name, customer_id")


class ImportOut(BaseModel):
    added: int
    already_there: int


class FromCustomersIn(BaseModel):
    """The customers' own search (``GET /api/customers``): every filter given must match."""

    model_config = ConfigDict(extra="forbid")

    tags: list[Annotated[str, Field(min_length=1, max_length=50, pattern=r"\S")]] = Field(
        default_factory=list, max_length=20, description="customers with any of these tags (none: any customer)")
    vip: bool | None = Field(None, description="only VIP customers (true) or only the others (false)")
    q: str | None = Field(None, max_length=200, description="text in the name or company (and notes)")
    number: str | None = Field(None, max_length=64, description="the start of one of the customer's numbers")
    numbers: Literal["first", "all"] = Field("first", description="each customer's first number, or all of them")


class FromCallbacksIn(BaseModel):
    """The call-back worklist's filters (``GET /api/callbacks``); only open tasks."""

    model_config = ConfigDict(extra="forbid")

    queue: str | None = Field(None, min_length=1, max_length=64)
    department_id: int | None = Field(None, ge=1, le=2_147_483_647)
    case_type: Literal["complaint", "suggestion", "fault", "service_request"] | None = None


class FromSourceOut(ImportOut):
    matched: int = Field(description="customers (tasks) the filter found")
    skipped: int = Field(description="of them, those without a number that can be dialled (none added)")


class DialOut(BaseModel):
    number_id: int
    call_uniqueid: str


class DncIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    number: str = Field(min_length=1, max_length=32)
    reason: str = Field("", max_length=500)


class DncOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    number: str
    reason: str
    added_by: str
    added_at: datetime


class DncPage(BaseModel):
    total: int
    items: list[DncOut]
