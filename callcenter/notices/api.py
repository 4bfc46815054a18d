"""REST API of the notices: /api/notices (thin: the rules are in ``service.py``, ``files.py``).

Every endpoint needs a login with one of the centre's roles; who publishes, lists with read counts, sees who has not
read and withdraws is decided by the service (``settings.notices.publish_roles``, the departments' heads). Publishing
is JSON; the optional file is uploaded first (``POST /api/notices/files``, multipart) and named by its ``file_id``."""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Query, UploadFile
from fastapi.responses import FileResponse

from callcenter.auth.actor import Actor
from callcenter.auth.api import require_roles
from callcenter.auth.models import ROLES, User
from callcenter.bounds import Id, Offset
from callcenter.deps import provide
from callcenter.notices.files import NoticeFiles
from callcenter.notices.schemas import (
    AckOut,
    AgentOptionOut,
    AudienceOptionsOut,
    HandoverNoticesOut,
    HandoverRefOut,
    NoticeFileOut,
    NoticeIn,
    NoticeOut,
    NoticePage,
    OptionOut,
    ReaderOut,
    ReadersOut,
    UnreadOut,
    WithdrawIn,
)
from callcenter.notices.service import HandoverNotices, Notices
from callcenter.schema_types import file_content

router = APIRouter(prefix="/api/notices", tags=["notices"])
NoticesDep = Annotated[Notices, Depends(provide(Notices))]
FilesDep = Annotated[NoticeFiles, Depends(provide(NoticeFiles))]
Member = Annotated[User, Depends(require_roles(*ROLES))]  # signed in with any role of the centre
Limit = Annotated[int, Query(ge=1, le=200)]
UPLOAD_PATH = "/api/notices/files"  # (the body limit names it: callcenter/bodylimit.py)


def _handover(h: HandoverNotices | None) -> HandoverNoticesOut:
    if h is None:
        return HandoverNoticesOut(handover=None, items=[])
    w = h.window
    return HandoverNoticesOut(
        handover=HandoverRefOut(id=w.id, day=w.day.isoformat(), template_id=w.template_id, shift=w.shift,
                                author=w.author, since=w.since, until=w.until),
        items=[NoticeOut.of(v) for v in h.items])


@router.get("", response_model=NoticePage,
            summary="Publishers: the notices they manage with read counts, newest first; anyone else: the notices "
                    "to them valid now, unread first")
async def listing(svc: NoticesDep, user: Member,
                  state: Annotated[Literal["active", "expired", "withdrawn", "all"],
                                   Query(description="publishers only")] = "all",
                  limit: Limit = 50, offset: Offset = 0) -> NoticePage:
    views, total, managed = await svc.listing(Actor.of(user), state, limit, min(offset, 100_000))
    return NoticePage(total=total, limit=limit, offset=offset, managed=managed,
                      items=[NoticeOut.of(v) for v in views])


@router.post("", response_model=NoticeOut, status_code=201,
             summary="Publish a notice (supervisors, admins, a department's head); pushed to the agents it reaches")
async def publish(body: NoticeIn, svc: NoticesDep, user: Member) -> NoticeOut:
    return NoticeOut.of(await svc.publish(Actor.of(user), body.model_dump()))


@router.get("/mine", response_model=UnreadOut, summary="The notices to you valid now, unread first")
async def mine(svc: NoticesDep, user: Member) -> UnreadOut:
    views = await svc.mine(Actor.of(user))
    return UnreadOut(total=len(views), items=[NoticeOut.of(v) for v in views])


@router.get("/unread", response_model=UnreadOut,
            summary="The notices to you valid now that you have not acknowledged (the desktop shows them first)")
async def unread(svc: NoticesDep, user: Member) -> UnreadOut:
    views = await svc.mine(Actor.of(user), unread_only=True)
    return UnreadOut(total=len(views), items=[NoticeOut.of(v) for v in views])


@router.get("/audience", response_model=AudienceOptionsOut,
            summary="The audience picker's choices and the departments you may publish for (publishers)")
async def audience(svc: NoticesDep, user: Member) -> AudienceOptionsOut:
    o = await svc.options(Actor.of(user))
    return AudienceOptionsOut(queues=o["queues"], shifts=[OptionOut(**x) for x in o["shifts"]],
                              agents=[AgentOptionOut(**x) for x in o["agents"]],
                              departments=[OptionOut(**x) for x in o["departments"]],
                              any_department=o["any_department"], file_max_bytes=o["file_max_bytes"],
                              file_types=o["file_types"])


@router.get("/handover", response_model=HandoverNoticesOut,
            summary="The latest handover's notices (published since the handover before it), read-only: an agent "
                    "gets those addressed to them")
async def latest_handover(svc: NoticesDep, user: Member) -> HandoverNoticesOut:
    return _handover(await svc.handover(Actor.of(user), None))


@router.get("/handover/{handover_id}", response_model=HandoverNoticesOut,
            summary="A handover's notices (publishers)")
async def handover(handover_id: Id, svc: NoticesDep, user: Member) -> HandoverNoticesOut:
    return _handover(await svc.handover(Actor.of(user), handover_id))


@router.post(UPLOAD_PATH.removeprefix(router.prefix), response_model=NoticeFileOut, status_code=201,
             summary="Upload a notice's file (kept unchanged, with its SHA-256; size and type limits)")
async def upload(files: FilesDep, user: Member,
                 file: Annotated[UploadFile, File(description="the notice's file")]) -> NoticeFileOut:
    data = await file.read(files.service.settings.file_max_bytes + 1)
    return NoticeFileOut.of(await files.add(Actor.of(user), file.filename or "", data))


@router.get("/{notice_id}", response_model=NoticeOut,
            summary="One notice (its publishers, and the agents it was addressed to)")
async def detail(notice_id: Id, svc: NoticesDep, user: Member) -> NoticeOut:
    return NoticeOut.of(await svc.detail(Actor.of(user), notice_id))


@router.post("/{notice_id}/acknowledge", response_model=AckOut,
             summary="Acknowledge a notice addressed to you (once: a second time answers the first, new=false)")
async def acknowledge(notice_id: Id, svc: NoticesDep, user: Member) -> AckOut:
    n, at, new = await svc.acknowledge(Actor.of(user), notice_id)
    return AckOut(notice_id=n.id, username=user.username, acknowledged_at=at, new=new)


@router.get("/{notice_id}/readers", response_model=ReadersOut,
            summary="Who has not read the notice yet, and who has (publishers managing it)")
async def readers(notice_id: Id, svc: NoticesDep, user: Member) -> ReadersOut:
    u = await svc.unread(Actor.of(user), notice_id)
    read_by = [ReaderOut(username=name, display_name=u.names.get(name, name), acknowledged_at=at)
               for name, at in u.acks.items()]
    unread_list = [ReaderOut(username=name, display_name=u.names.get(name, name), acknowledged_at=None)
                   for name in u.recipients if name not in u.acks]
    return ReadersOut(notice_id=u.notice.id, recipients=len(u.recipients), read=len(read_by), unread=unread_list,
                      read_by=read_by)


@router.post("/{notice_id}/withdraw", response_model=NoticeOut, summary="Withdraw a notice, with a reason")
async def withdraw(notice_id: Id, body: WithdrawIn, svc: NoticesDep, user: Member) -> NoticeOut:
    return NoticeOut.of(await svc.withdraw(Actor.of(user), notice_id, body.reason))


@router.get("/{notice_id}/file", summary="Download the notice's file (as an attachment, never inline)",
            response_class=FileResponse,
            responses={200: {"content": file_content("application/octet-stream"), "description": "the file"}})
async def download(notice_id: Id, files: FilesDep, user: Member) -> FileResponse:
    f, path = await files.open(Actor.of(user), notice_id)
    return FileResponse(path, media_type="application/octet-stream",
                        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(f.name)}",
                                 "X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store",
                                 "Content-Security-Policy": "sandbox"})
