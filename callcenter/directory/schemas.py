"""API shapes of the directory under /api/admin (``callcenter.directory.api``): skills, seats, queues, pause
reasons and the page's choices. Inputs are strict (``StrictIn``). The rules (lengths, ranges, formats) are checked in
:mod:`callcenter.directory.service`, each refusal naming its field."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from callcenter.auth.admin_schemas import StrictIn


# skills ----------------------------------------------------------------------------------------------------
class SkillIn(StrictIn):
    queue: str
    level: str


class SkillsIn(StrictIn):
    skills: list[SkillIn]


# seats -----------------------------------------------------------------------------------------------------
class SeatCreateIn(StrictIn):
    extension: str
    name: str
    password: str
    static_contact: str = ""


class SeatPatchIn(StrictIn):
    name: str | None = None
    password: str | None = None
    static_contact: str | None = None
    active: bool | None = None


class SeatOut(BaseModel):
    """The SIP password is never sent to a browser: ``has_password`` only says one is set."""

    extension: str
    name: str
    static_contact: str
    active: bool
    has_password: bool
    created_at: datetime
    in_use_by: str | None  # username of the agent logged in at this seat


# queues ----------------------------------------------------------------------------------------------------
class QueueCreateIn(StrictIn):
    name: str
    display_name: str = ""
    strategy: str = "rrmemory"
    ring_timeout_seconds: int = 15
    retry_seconds: int = 2
    wrapup_seconds: int = 30
    max_wait_seconds: int = 300
    announce: str = ""
    service_level_seconds: int = 20
    service_level_target: int = 80
    recording_retention_days: int = 0
    routing: str = "equal"
    active: bool = True


class QueuePatchIn(StrictIn):
    name: str | None = None  # accepted only when unchanged: queues are not renamed
    display_name: str | None = None
    strategy: str | None = None
    ring_timeout_seconds: int | None = None
    retry_seconds: int | None = None
    wrapup_seconds: int | None = None
    max_wait_seconds: int | None = None
    announce: str | None = None
    service_level_seconds: int | None = None
    service_level_target: int | None = None
    recording_retention_days: int | None = None
    routing: str | None = None
    active: bool | None = None


class QueueOut(BaseModel):
    name: str
    display_name: str
    strategy: str
    ring_timeout_seconds: int
    retry_seconds: int
    wrapup_seconds: int
    max_wait_seconds: int
    announce: str
    service_level_seconds: int
    service_level_target: int
    recording_retention_days: int
    routing: str
    active: bool
    agents: int  # how many users have a skill on it


# pause reasons ---------------------------------------------------------------------------------------------
class PauseReasonCreateIn(StrictIn):
    code: str
    label_zh: str
    label_en: str
    # every pause counts toward the away rule unless the centre marks it otherwise (the seeds)
    away: bool = True


class PauseReasonPatchIn(StrictIn):
    label_zh: str | None = None
    label_en: str | None = None
    away: bool | None = None
    active: bool | None = None


class PauseReasonOut(BaseModel):
    code: str
    label_zh: str
    label_en: str
    away: bool  # time in this pause counts as away from the desk (the 20-minute rule)
    system: bool  # set by the product (not_ready, no_answer): only the labels and the away flag can change
    active: bool


class MetaOut(BaseModel):
    """The choices the admin page offers (so it does not hard-code them)."""

    roles: list[str]
    levels: list[str]
    strategies: list[str]
    routings: list[str]
    mode: str
    fallback_queue: str
