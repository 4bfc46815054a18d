"""REST API of the knowledge base: /api/knowledge (thin: the rules are in ``service.py``, ``documents.py``).

Every endpoint needs a login with one of the centre's roles; who writes, reviews, publishes, confirms and
withdraws is decided by the service (``settings.knowledge``, the issuing department's heads). Each step is
``POST /api/knowledge/entries/{id}/<step>`` with the ``version`` of the entry the user saw (409 when stale)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Query, UploadFile
from fastapi.responses import FileResponse

from callcenter.auth.actor import Actor
from callcenter.auth.api import require_roles
from callcenter.auth.models import ROLES, User
from callcenter.bounds import MONTH, Id, Offset
from callcenter.deps import provide
from callcenter.knowledge.documents import KnowledgeDocuments
from callcenter.knowledge.schemas import (
    CategoriesOut,
    CategoryOut,
    DocumentOut,
    EntryEditIn,
    EntryIn,
    EntryOut,
    EntryState,
    EntryUsageMonth,
    EntryUsageOut,
    HitOut,
    HitPage,
    PolicyOut,
    ReviewIn,
    RevisionOut,
    SearchOut,
    SuggestOut,
    UsageOut,
    UsageRow,
    UseIn,
    UseOut,
    VersionIn,
    VersionsOut,
    WithdrawIn,
)
from callcenter.knowledge.service import Knowledge
from callcenter.schema_types import file_content

router = APIRouter(prefix="/api/knowledge", tags=["knowledge"])
KnowledgeDep = Annotated[Knowledge, Depends(provide(Knowledge))]
DocumentsDep = Annotated[KnowledgeDocuments, Depends(provide(KnowledgeDocuments))]
Member = Annotated[User, Depends(require_roles(*ROLES))]  # signed in with any role of the centre
Limit = Annotated[int, Query(ge=1, le=100)]
Category = Annotated[str | None, Query(min_length=1, max_length=32)]
UPLOAD_PATH = "/api/knowledge/documents"  # (the body limit names it: callcenter/bodylimit.py)
# a null in an edit clears only these (the others cannot be empty: null there means "not changed")
_CLEARABLE = {"valid_from", "valid_to", "department_id", "document_id"}


@router.get("/categories", response_model=CategoriesOut, summary="The categories (settings knowledge.categories)")
async def categories(svc: KnowledgeDep, user: Member) -> CategoriesOut:
    return CategoriesOut(items=[CategoryOut(code=c.code, en=c.en, zh_CN=c.zh) for c in svc.settings.categories])


@router.get("/policy", response_model=PolicyOut,
            summary="Who writes, reviews, publishes (settings knowledge), the categories and the documents' limits")
async def policy(svc: KnowledgeDep, user: Member) -> PolicyOut:
    s = svc.settings
    return PolicyOut(categories=[CategoryOut(code=c.code, en=c.en, zh_CN=c.zh) for c in s.categories],
                     editor_roles=s.editor_roles, review_roles=s.review_roles, publish_roles=s.publish_roles,
                     reviewer_not_author=s.reviewer_not_author, agents_need_confirmation=s.agents_need_confirmation,
                     document_max_bytes=s.document_max_bytes, document_types=s.document_types)


@router.get("/search", response_model=SearchOut,
            summary="Search title, wording and tags (any text; ranked, highlighted). Agents: published and valid")
async def search(svc: KnowledgeDep, user: Member,
                 q: Annotated[str, Query(description="any text; the first 200 characters are searched")] = "",
                 category: Category = None, limit: Limit = 20, offset: Offset = 0) -> SearchOut:
    hits, total, parsed = await svc.search(Actor.of(user), q, category, limit, min(offset, 10_000))
    return SearchOut(q=q[:200], terms=list(parsed.terms), total=total, limit=limit, offset=offset,
                     items=[HitOut.of(h) for h in hits])


@router.get("/suggest", response_model=SuggestOut,
            summary="The entries for a call's queue and IVR choice (both matched first): what agents find")
async def suggest(svc: KnowledgeDep, user: Member,
                  queue: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
                  ivr: Annotated[str | None, Query(min_length=1, max_length=64, description="the IVR choice")] = None,
                  limit: Limit = 10) -> SuggestOut:
    hits = await svc.suggest(Actor.of(user), queue, ivr, limit)
    return SuggestOut(queue=queue, ivr=ivr, items=[HitOut.of(h) for h in hits])


@router.get("/entries", response_model=HitPage,
            summary="The catalogue with each entry's validity (agents: what they can use now; editors: all)")
async def catalogue(svc: KnowledgeDep, user: Member, category: Category = None,
                    department_id: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
                    state: Annotated[EntryState | None, Query(description="editors only")] = None,
                    limit: Limit = 50, offset: Offset = 0) -> HitPage:
    hits, total = await svc.catalogue(Actor.of(user), category, department_id, state, limit, offset)
    return HitPage(total=total, limit=limit, offset=offset, items=[HitOut.of(h) for h in hits])


@router.post("/entries", response_model=EntryOut, status_code=201, summary="Write a new entry (a draft)")
async def create(body: EntryIn, svc: KnowledgeDep, user: Member) -> EntryOut:
    return EntryOut.of(await svc.create(Actor.of(user), body.model_dump()))


@router.get("/entries/{entry_id}", response_model=EntryOut, summary="One entry (agents: only while they can use it)")
async def get_entry(entry_id: Id, svc: KnowledgeDep, user: Member) -> EntryOut:
    return EntryOut.of(await svc.detail(Actor.of(user), entry_id))


@router.patch("/entries/{entry_id}", response_model=EntryOut,
              summary="Edit: the open version, or a new version of a published one (reviewed again; the "
                      "published one stays until it is published)")
async def edit(entry_id: Id, body: EntryEditIn, svc: KnowledgeDep, user: Member) -> EntryOut:
    values = {k: v for k, v in body.model_dump(exclude_unset=True, exclude={"version"}).items()
              if v is not None or k in _CLEARABLE}
    return EntryOut.of(await svc.edit(Actor.of(user), entry_id, body.version, values))


@router.get("/entries/{entry_id}/versions", response_model=VersionsOut, summary="Every version of an entry")
async def versions(entry_id: Id, svc: KnowledgeDep, user: Member) -> VersionsOut:
    e, revs = await svc.versions(Actor.of(user), entry_id)
    return VersionsOut(entry_id=e.id, version=e.version, items=[RevisionOut.of(r) for r in revs])


@router.post("/entries/{entry_id}/review", response_model=EntryOut,
             summary="Review the draft (settings knowledge.review_roles; not its author)")
async def review(entry_id: Id, body: ReviewIn, svc: KnowledgeDep, user: Member) -> EntryOut:
    return EntryOut.of(await svc.review(Actor.of(user), entry_id, body.version, body.note))


@router.post("/entries/{entry_id}/publish", response_model=EntryOut,
             summary="Publish the reviewed version (valid_to must be after valid_from)")
async def publish(entry_id: Id, body: VersionIn, svc: KnowledgeDep, user: Member) -> EntryOut:
    return EntryOut.of(await svc.publish(Actor.of(user), entry_id, body.version))


@router.post("/entries/{entry_id}/confirm", response_model=EntryOut,
             summary="The issuing department's head confirms the published wording")
async def confirm(entry_id: Id, body: VersionIn, svc: KnowledgeDep, user: Member) -> EntryOut:
    return EntryOut.of(await svc.confirm(Actor.of(user), entry_id, body.version))


@router.post("/entries/{entry_id}/withdraw", response_model=EntryOut, summary="Withdraw the entry, with a reason")
async def withdraw(entry_id: Id, body: WithdrawIn, svc: KnowledgeDep, user: Member) -> EntryOut:
    return EntryOut.of(await svc.withdraw(Actor.of(user), entry_id, body.version, body.reason))


@router.post("/entries/{entry_id}/uses", response_model=UseOut, status_code=201,
             summary="Mark the entry used on a call you are handling or answered (again: no second count)")
async def use(entry_id: Id, body: UseIn, svc: KnowledgeDep, user: Member) -> UseOut:
    u, new = await svc.use(Actor.of(user), entry_id, body.call_uniqueid)
    return UseOut.of(u, new)


@router.get("/entries/{entry_id}/usage", response_model=EntryUsageOut, summary="An entry's uses per month")
async def entry_usage(entry_id: Id, svc: KnowledgeDep, user: Member) -> EntryUsageOut:
    rows = await svc.usage_of(Actor.of(user), entry_id)
    return EntryUsageOut(entry_id=entry_id, months=[EntryUsageMonth(month=m, uses=n) for m, n in rows])


@router.get("/usage", response_model=UsageOut, summary="How often each entry was used on calls in a month")
async def usage(svc: KnowledgeDep, user: Member, month: Annotated[str, Query(pattern=MONTH)]) -> UsageOut:
    rows = await svc.usage_month(Actor.of(user), month)
    return UsageOut(month=month, items=[UsageRow(entry_id=e.id, title=t, uses=n, calls=c) for e, t, n, c in rows])


@router.post(UPLOAD_PATH.removeprefix(router.prefix), response_model=DocumentOut, status_code=201,
             summary="Upload a source document (kept unchanged, with its SHA-256; size and type limits)")
async def upload(docs: DocumentsDep, user: Member,
                 file: Annotated[UploadFile, File(description="the original notice file")]) -> DocumentOut:
    data = await file.read(docs.service.settings.document_max_bytes + 1)
    return DocumentOut.of(await docs.add(Actor.of(user), file.filename or "", data))


@router.get("/documents/{document_id}/meta", response_model=DocumentOut, summary="A source document's record")
async def document_meta(document_id: Id, docs: DocumentsDep, user: Member) -> DocumentOut:
    return DocumentOut.of(await docs.get(Actor.of(user), document_id))


@router.get("/documents/{document_id}", summary="Download a source document (as an attachment, never inline)",
            response_class=FileResponse,
            responses={200: {"content": file_content("application/octet-stream"), "description": "the file"}})
async def download(document_id: Id, docs: DocumentsDep, user: Member) -> FileResponse:
    d, path = await docs.open(Actor.of(user), document_id)
    return FileResponse(path, media_type="application/octet-stream",
                        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(d.name)}",
                                 "X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store",
                                 "Content-Security-Policy": "sandbox"})
