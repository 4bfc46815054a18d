"""API shapes of /api/knowledge: an entry with its published and open revisions, the revisions, search hits with
their highlights, the documents, uses and usage counts, and the bodies of each action."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from callcenter.bounds import MAX_ID, Moment
from callcenter.knowledge.markup import render
from callcenter.knowledge.models import KnowledgeDocument, KnowledgeRevision, KnowledgeUse
from callcenter.knowledge.service import EntryView, Hit

EntryState = Literal["new", "published", "withdrawn"]  # = models.ENTRY_STATES
RevisionState = Literal["draft", "reviewed", "published", "superseded", "withdrawn"]  # = models.REVISION_STATES
Tag = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Span = tuple[int, int]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EntryIn(Strict):
    title: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=1, max_length=50_000,
                      description="the agreed wording: plain text; # headings, - lists, 1. steps, **bold** rendered")
    category: str = Field(min_length=1, max_length=32, description="a code of GET /api/knowledge/categories")
    tags: list[Tag] = Field(default_factory=list, max_length=30)
    queues: list[Tag] = Field(default_factory=list, max_length=50, description="queues it applies to")
    ivr_choices: list[Tag] = Field(default_factory=list, max_length=50,
                                   description="IVR choices (menu node ids) it applies to")
    valid_from: Moment | None = Field(None, description="none: from its publication")
    valid_to: Moment | None = Field(None, description="none: until it is withdrawn")
    department_id: int | None = Field(None, ge=1, le=MAX_ID, description="the issuing department")
    document_id: int | None = Field(None, ge=1, le=MAX_ID, description="the source document (POST documents)")
    note: str = Field("", max_length=2_000, description="what this version changes")


class VersionIn(Strict):
    version: int = Field(ge=1, le=MAX_ID, description="the version of the entry you saw")


class EntryEditIn(VersionIn):
    title: str | None = Field(None, min_length=1, max_length=200)
    body: str | None = Field(None, min_length=1, max_length=50_000)
    category: str | None = Field(None, min_length=1, max_length=32)
    tags: list[Tag] | None = Field(None, max_length=30)
    queues: list[Tag] | None = Field(None, max_length=50)
    ivr_choices: list[Tag] | None = Field(None, max_length=50)
    valid_from: Moment | None = None
    valid_to: Moment | None = None
    department_id: int | None = Field(None, ge=1, le=MAX_ID)
    document_id: int | None = Field(None, ge=1, le=MAX_ID)
    note: str | None = Field(None, max_length=2_000)


class ReviewIn(VersionIn):
    note: str = Field("", max_length=2_000)


class WithdrawIn(VersionIn):
    reason: str = Field(min_length=1, max_length=2_000)


class UseIn(Strict):
    call_uniqueid: str = Field(min_length=1, max_length=64, description="the call the entry was used on")


class CategoryOut(BaseModel):
    code: str
    en: str
    zh_CN: str


class CategoriesOut(BaseModel):
    items: list[CategoryOut]


class PolicyOut(BaseModel):
    """What a page needs to offer the right buttons: ``settings.knowledge`` as the centre set it."""

    categories: list[CategoryOut]
    editor_roles: list[str]
    review_roles: list[str]
    publish_roles: list[str]
    reviewer_not_author: bool
    agents_need_confirmation: bool
    document_max_bytes: int
    document_types: list[str]


class DocumentOut(BaseModel):
    id: int
    name: str
    content_type: str
    size: int
    sha256: str
    uploaded_by: str
    uploaded_at: datetime

    @classmethod
    def of(cls, d: KnowledgeDocument) -> DocumentOut:
        return cls(id=d.id, name=d.name, content_type=d.content_type, size=d.size, sha256=d.sha256,
                   uploaded_by=d.uploaded_by, uploaded_at=d.uploaded_at)


class RevisionOut(BaseModel):
    id: int
    entry_id: int
    number: int
    state: RevisionState
    title: str
    body: str
    body_html: str = Field(description="the wording rendered: every character escaped, only the subset's tags")
    category: str
    tags: list[str]
    queues: list[str]
    ivr_choices: list[str]
    valid_from: datetime | None
    valid_to: datetime | None
    department_id: int | None
    document_id: int | None
    note: str
    created_by: str
    created_at: datetime
    reviewed_by: str | None
    reviewed_at: datetime | None
    review_note: str
    published_by: str | None
    published_at: datetime | None
    confirmed: bool
    confirmed_by: str | None
    confirmed_at: datetime | None
    ended_at: datetime | None

    @classmethod
    def of(cls, r: KnowledgeRevision) -> RevisionOut:
        return cls(id=r.id, entry_id=r.entry_id, number=r.number, state=r.state,  # type: ignore[arg-type]
                   title=r.title, body=r.body, body_html=render(r.body), category=r.category, tags=r.tags,
                   queues=r.queues, ivr_choices=r.ivr_choices, valid_from=r.valid_from, valid_to=r.valid_to,
                   department_id=r.department_id, document_id=r.document_id, note=r.note, created_by=r.created_by,
                   created_at=r.created_at, reviewed_by=r.reviewed_by, reviewed_at=r.reviewed_at,
                   review_note=r.review_note, published_by=r.published_by, published_at=r.published_at,
                   confirmed=r.confirmed, confirmed_by=r.confirmed_by, confirmed_at=r.confirmed_at,
                   ended_at=r.ended_at)


class EntryOut(BaseModel):
    id: int
    version: int
    state: EntryState
    revisions: int
    created_by: str
    created_at: datetime
    updated_at: datetime
    withdrawn_by: str | None
    withdrawn_at: datetime | None
    withdraw_reason: str
    valid_now: bool = Field(description="agents find it now (published, within its validity)")
    published: RevisionOut | None
    open: RevisionOut | None = Field(description="the draft or reviewed version (editors only)")

    @classmethod
    def of(cls, v: EntryView) -> EntryOut:
        e = v.entry
        return cls(id=e.id, version=e.version, state=e.state, revisions=e.revisions,  # type: ignore[arg-type]
                   created_by=e.created_by, created_at=e.created_at, updated_at=e.updated_at,
                   withdrawn_by=e.withdrawn_by, withdrawn_at=e.withdrawn_at, withdraw_reason=e.withdraw_reason,
                   valid_now=v.valid_now, published=RevisionOut.of(v.published) if v.published else None,
                   open=RevisionOut.of(v.open) if v.open else None)


class VersionsOut(BaseModel):
    entry_id: int
    version: int
    items: list[RevisionOut]


class HitOut(BaseModel):
    entry_id: int
    entry_version: int
    entry_state: EntryState
    valid_now: bool
    score: float
    revision: RevisionOut
    title_marks: list[Span] = Field(description="[start, end) of each hit in revision.title")
    title_html: str = Field(description="the title escaped, the hits in <mark>")
    snippet: str = Field(description="the wording around its first hit, on one line")
    snippet_marks: list[Span]
    snippet_html: str

    @classmethod
    def of(cls, h: Hit) -> HitOut:
        from callcenter.knowledge.search import marked

        return cls(entry_id=h.entry.id, entry_version=h.entry.version, entry_state=h.entry.state,  # type: ignore[arg-type]
                   valid_now=h.valid_now, score=h.score, revision=RevisionOut.of(h.revision),
                   title_marks=h.title_marks, title_html=marked(h.revision.title, h.title_marks),
                   snippet=h.snippet, snippet_marks=h.snippet_marks, snippet_html=marked(h.snippet, h.snippet_marks))


class HitPage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[HitOut]


class SearchOut(HitPage):
    q: str
    terms: list[str] = Field(description="the terms searched for (lower-cased; a query is cut at white space)")


class SuggestOut(BaseModel):
    queue: str | None
    ivr: str | None
    items: list[HitOut]


class UseOut(BaseModel):
    id: int
    entry_id: int
    revision_id: int | None
    call_uniqueid: str
    username: str
    used_at: datetime
    month: str
    new: bool = Field(description="false: it was already marked used on this call")

    @classmethod
    def of(cls, u: KnowledgeUse, new: bool) -> UseOut:
        return cls(id=u.id, entry_id=u.entry_id, revision_id=u.revision_id, call_uniqueid=u.call_uniqueid,
                   username=u.username, used_at=u.used_at, month=u.month, new=new)


class UsageRow(BaseModel):
    entry_id: int
    title: str
    uses: int
    calls: int


class UsageOut(BaseModel):
    month: str
    items: list[UsageRow]


class EntryUsageMonth(BaseModel):
    month: str
    uses: int


class EntryUsageOut(BaseModel):
    entry_id: int
    months: list[EntryUsageMonth]
