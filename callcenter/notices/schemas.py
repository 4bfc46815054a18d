"""API shapes of /api/notices (also the notice inside the desktop's ``notice_published`` websocket message)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from callcenter.bounds import MAX_ID, Moment
from callcenter.notices.models import NoticeFile
from callcenter.notices.views import NoticeView

Name = Annotated[str, StringConstraints(min_length=1, max_length=64)]
ShiftId = Annotated[int, Field(ge=1, le=MAX_ID)]
NoticeState = Literal["active", "expired", "withdrawn"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AudienceIn(Strict):
    everyone: bool = False
    queues: list[Name] = Field(default_factory=list, max_length=50, description="queue names")
    shifts: list[ShiftId] = Field(default_factory=list, max_length=50, description="shift template ids")
    agents: list[Name] = Field(default_factory=list, max_length=1000, description="agents' usernames")


class NoticeIn(Strict):
    title: str = Field(min_length=1, max_length=200)
    text: str = Field(min_length=1, max_length=20_000, description="plain text (shown as typed, never as HTML)")
    audience: AudienceIn
    valid_until: Moment | None = Field(None, description="none: until withdrawn; without an offset: centre time")
    file_id: int | None = Field(None, ge=1, le=MAX_ID, description="a file uploaded with POST /api/notices/files")
    department_id: int | None = Field(None, ge=1, le=MAX_ID,
                                      description="the issuing department (a department head: theirs)")


class WithdrawIn(Strict):
    reason: str = Field(min_length=1, max_length=2_000)


class NoticeFileOut(BaseModel):
    id: int
    name: str
    content_type: str
    size: int
    sha256: str
    uploaded_by: str
    uploaded_at: datetime

    @classmethod
    def of(cls, f: NoticeFile) -> NoticeFileOut:
        return cls(id=f.id, name=f.name, content_type=f.content_type, size=f.size, sha256=f.sha256,
                   uploaded_by=f.uploaded_by, uploaded_at=f.uploaded_at)


class AudienceOut(BaseModel):
    everyone: bool
    queues: list[str]
    shifts: list[int]
    agents: list[str]  # the named agents (empty for readers who do not manage the notice)


class NoticeOut(BaseModel):
    id: int
    title: str
    text: str
    department_id: int | None
    audience: AudienceOut
    file: NoticeFileOut | None
    published_by: str
    published_at: datetime
    valid_until: datetime | None
    state: NoticeState
    withdrawn_by: str | None
    withdrawn_at: datetime | None
    withdraw_reason: str
    recipients: int | None = Field(description="how many agents it reached (publishers managing it; else null)")
    read: int | None = Field(description="how many acknowledged it (publishers managing it; else null)")
    acknowledged_at: datetime | None = Field(description="when you acknowledged it (null: not yet, or not yours)")
    addressed_to_me: bool

    @classmethod
    def of(cls, v: NoticeView) -> NoticeOut:
        n = v.notice
        return cls(id=n.id, title=n.title, text=n.text, department_id=n.department_id,
                   audience=AudienceOut(everyone=n.everyone, queues=list(n.queues), shifts=list(n.shifts),
                                        agents=list(n.agents) if v.lead else []),
                   file=NoticeFileOut.of(v.file) if v.file is not None else None, published_by=n.published_by,
                   published_at=n.published_at, valid_until=n.valid_until, state=v.state,
                   withdrawn_by=n.withdrawn_by, withdrawn_at=n.withdrawn_at, withdraw_reason=n.withdraw_reason,
                   recipients=v.recipients, read=v.read, acknowledged_at=v.acknowledged_at,
                   addressed_to_me=v.addressed_to_me)


class NoticePage(BaseModel):
    total: int
    limit: int
    offset: int
    managed: bool = Field(description="true: a publisher's list (with read counts); false: the notices to you")
    items: list[NoticeOut]


class UnreadOut(BaseModel):
    """The notices to you valid now that you have not acknowledged (what the desktop shows first at login)."""

    total: int
    items: list[NoticeOut]


class AckOut(BaseModel):
    notice_id: int
    username: str
    acknowledged_at: datetime
    new: bool = Field(description="false: you had acknowledged it already (nothing changed)")


class ReaderOut(BaseModel):
    username: str
    display_name: str
    acknowledged_at: datetime | None


class ReadersOut(BaseModel):
    notice_id: int
    recipients: int
    read: int
    unread: list[ReaderOut] = Field(description="who has not read it yet")
    read_by: list[ReaderOut] = Field(description="who has, first first")


class HandoverRefOut(BaseModel):
    id: int
    day: str
    template_id: int
    shift: str | None
    author: str
    since: datetime | None = Field(description="the previous handover's time (null: this is the first)")
    until: datetime = Field(description="this handover's time")


class HandoverNoticesOut(BaseModel):
    """The notices published since the previous handover (read-only)."""

    handover: HandoverRefOut | None = Field(description="null: no handover written yet")
    items: list[NoticeOut]


class OptionOut(BaseModel):
    id: int
    name: str


class AgentOptionOut(BaseModel):
    username: str
    display_name: str


class AudienceOptionsOut(BaseModel):
    """What a publisher may address (the page's audience picker) and the departments they may publish for."""

    queues: list[str]
    shifts: list[OptionOut]
    agents: list[AgentOptionOut]
    departments: list[OptionOut]
    any_department: bool = Field(description="true: no department needed (a publish role)")
    file_max_bytes: int
    file_types: list[str]
