"""The recording player's API: metadata, the audio (HTTP Range), waveform peaks, and the QC list.

Who may listen: QC inspectors, supervisors and admins any recording; an agent only the calls the QC service lets
them hear (their own scored calls: ``Stack.agent_may_play``) — a refused agent is written to the audit log
(``recording.play.denied``). Every playback start (``recording.play``), download (``recording.download``) and
metadata view (``recording.view``) is audited; the many Range requests of one playback (seeks) are not each
audited: see :class:`PlaybackLog`.

The file is served from the recordings directory only: a stored path that resolves anywhere else (``..``, an
absolute path, a symlink out) is refused and logged.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import IO, Annotated, Literal, Protocol
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse, Response, StreamingResponse

from callcenter.auth.api import AuthDep, require_roles
from callcenter.auth.models import User
from callcenter.auth.service import AuthService
from callcenter.bounds import Day, Offset
from callcenter.clock import Clock
from callcenter.deps import Key, SettingsDep, provide
from callcenter.errors import error_body
from callcenter.recordings.errors import (
    AGENT_NOT_OWN_SCORED,
    AUDIO_UNREADABLE,
    CALL_HAS_NO_RECORDING,
    DATE_TO_BEFORE_FROM,
    DELETED_BY_RETENTION,
    FILE_EMPTY,
    FILE_MISSING,
    NO_AUDIO,
    PATH_OUTSIDE,
    RANGE_EMPTY_SUFFIX,
    RANGE_PAST_END,
    RANGE_REVERSED,
    RANGE_UNSUPPORTED,
    RECORDING_NOT_FOUND,
    STILL_RECORDING,
    RangeNotSatisfiable,
)
from callcenter.recordings.models import STATUSES, Recording
from callcenter.recordings.peaks import DEFAULT_POINTS, MAX_POINTS, MIN_POINTS, PeaksCache
from callcenter.recordings.repository import RecordingRepository
from callcenter.recordings.schemas import PeaksOut, RecordingOut, RecordingPage
from callcenter.recordings.transcode import CONTENT_TYPES
from callcenter.schema_types import file_content
from callcenter.settings import Settings

log = logging.getLogger(__name__)

PLAYERS = ("qc", "supervisor", "admin")  # may play and download any recording
CHUNK = 64 * 1024
PLAY_WINDOW = timedelta(minutes=10)

Anyone = Annotated[User, Depends(require_roles("agent", *PLAYERS))]
Player = Annotated[User, Depends(require_roles(*PLAYERS))]
RecordingId = Annotated[int, PathParam(ge=1, le=2**31 - 1, description="recordings.id")]
CallUniqueid = Annotated[str, PathParam(min_length=1, max_length=64, pattern=r"^[0-9A-Za-z._-]+$",
                                        description="calls.uniqueid (Asterisk's Uniqueid)")]

router = APIRouter(prefix="/api/recordings", tags=["recordings"])


class PlaybackLog:
    """When a request counts as the start of a playback (audited): no Range, a Range from byte 0, or the first
    request of this user for this recording in ``PLAY_WINDOW``. A browser's later Range requests (seeks, buffering)
    within the window are not audited again. Kept in memory, pruned as it grows."""

    def __init__(self, clock: Clock, window: timedelta = PLAY_WINDOW, max_entries: int = 2000) -> None:
        self.clock = clock
        self.window = window
        self.max_entries = max_entries
        self.last: dict[tuple[str, int], datetime] = {}

    def starts(self, username: str, recording_id: int, first_byte: int | None) -> bool:
        now = self.clock.now()
        key = (username, recording_id)
        last = self.last.get(key)
        if first_byte not in (None, 0) and last is not None and now - last < self.window:
            return False
        self.last[key] = now
        if len(self.last) > self.max_entries:
            self.last = {k: t for k, t in self.last.items() if now - t < self.window}
        return True


class PlayPolicy(Protocol):
    """May this agent hear this call? (``QcAppeals.agent_may_play``: their own calls that QC has scored.)"""

    async def agent_may_play(self, username: str, call_uniqueid: str) -> bool: ...


PLAY_POLICY: Key[PlayPolicy] = Key("recordings.play_policy")
RecordingsDep = Annotated[RecordingRepository, Depends(provide(RecordingRepository))]
PlaybackDep = Annotated[PlaybackLog, Depends(provide(PlaybackLog))]
PeaksDep = Annotated[PeaksCache, Depends(provide(PeaksCache))]


@dataclass(frozen=True)
class _Access:
    recordings: RecordingRepository
    policy: PlayPolicy
    auth: AuthService

    async def __call__(self, user: User, recording_id: int, what: str) -> Recording:
        """The recording, if ``user`` may have it (else 404 / 403; an agent refused is audited)."""
        row = await self.recordings.by_id(recording_id)
        if row is None:
            raise RECORDING_NOT_FOUND(recording_id=recording_id)
        if set(user.roles) & set(PLAYERS):
            return row
        if "agent" in user.roles and await self.policy.agent_may_play(user.username, row.call_uniqueid):
            return row
        await self.auth.audit(user.username, "recording.play.denied", f"recording:{recording_id}",
                              {"call_uniqueid": row.call_uniqueid, "agent": row.agent_username, "what": what})
        raise AGENT_NOT_OWN_SCORED(recording_id=recording_id, call_uniqueid=row.call_uniqueid)


def _access(recordings: RecordingsDep, policy: Annotated[PlayPolicy, Depends(provide(PLAY_POLICY))],
            auth: AuthDep) -> _Access:
    return _Access(recordings, policy, auth)


AccessDep = Annotated[_Access, Depends(_access)]


def _audio_file(settings: Settings, row: Recording) -> Path:
    """The recording's file inside the recordings directory, or why there is none (404; 409 while recording)."""
    where = {"recording_id": row.id, "call_uniqueid": row.call_uniqueid, "status": row.status}
    if row.status == "recording":
        raise STILL_RECORDING(**where)
    if row.status == "deleted":
        when = row.deleted_at.isoformat() if row.deleted_at else None
        raise DELETED_BY_RETENTION(deleted_at=when, **where)
    if row.status in ("missing", "empty"):
        raise NO_AUDIO({"status": row.status}, problem=row.problem, **where)
    root: Path = settings.recordings_dir.resolve()
    path = (root / row.path).resolve()
    if Path(row.path).is_absolute() or not path.is_relative_to(root):
        log.warning("recording %s: stored path %r is outside the recordings directory %s; refused",
                    row.id, row.path, root)
        raise PATH_OUTSIDE(**where)
    if not path.is_file():
        log.warning("recording %s (call %s): file %s is missing on disk", row.id, row.call_uniqueid, path)
        raise FILE_MISSING(path=row.path, **where)
    return path


# ---- listing and metadata -----------------------------------------------------------------------------------
@router.get("", response_model=RecordingPage, summary="List recordings, newest first (QC, supervisors, admins)")
async def list_recordings(
    recordings: RecordingsDep,
    settings: SettingsDep,
    user: Player,
    agent: Annotated[str | None, Query(max_length=64, description="agent username or extension")] = None,
    queue: Annotated[str | None, Query(max_length=64)] = None,
    date_from: Annotated[Day | None, Query(description="started on or after this day (centre's timezone)")] = None,
    date_to: Annotated[Day | None, Query(description="started on or before this day (centre's timezone)")] = None,
    # valid-type: a Literal built from the model's own tuple of values (one list for the table, the API and
    # the OpenAPI enum); FastAPI reads it at run time, mypy cannot
    status: Annotated[Literal[STATUSES] | None, Query()] = None,  # type: ignore[valid-type]
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Offset = 0,
) -> RecordingPage:
    if date_from and date_to and date_to < date_from:
        raise DATE_TO_BEFORE_FROM(date_from=date_from.isoformat(), date_to=date_to.isoformat())
    tz = ZoneInfo(settings.timezone)
    since = datetime.combine(date_from, time(), tz) if date_from else None
    until = datetime.combine(date_to + timedelta(days=1), time(), tz) if date_to else None
    rows, total = await recordings.search(agent=agent, queue=queue, since=since, until=until, status=status,
                                          limit=limit, offset=offset)
    return RecordingPage(total=total, limit=limit, offset=offset, items=[RecordingOut.model_validate(r) for r in rows])


@router.get("/{recording_id}", response_model=RecordingOut, summary="One recording's metadata (audited)")
async def get_recording(user: Anyone, recording_id: RecordingId, access: AccessDep, auth: AuthDep) -> RecordingOut:
    row = await access(user, recording_id, "metadata")
    await auth.audit(user.username, "recording.view", f"recording:{row.id}",
                     {"call_uniqueid": row.call_uniqueid, "agent": row.agent_username})
    return RecordingOut.model_validate(row)


@router.get("/of-call/{call_uniqueid}", response_model=RecordingOut,
            summary="The recording of a call, by the call's Asterisk uniqueid (audited; who may: as by id)")
async def get_recording_of_call(user: Anyone, call_uniqueid: CallUniqueid, recordings: RecordingsDep,
                                access: AccessDep, auth: AuthDep) -> RecordingOut:
    """What a page that knows the call, not the recording (a case's linked calls), asks before it plays it."""
    found = await recordings.get(call_uniqueid)
    if found is None:
        raise CALL_HAS_NO_RECORDING(call_uniqueid=call_uniqueid)
    row = await access(user, found.id, "metadata")
    await auth.audit(user.username, "recording.view", f"recording:{row.id}",
                     {"call_uniqueid": row.call_uniqueid, "agent": row.agent_username})
    return RecordingOut.model_validate(row)


# ---- audio ----------------------------------------------------------------------------------------------------
_RANGE = re.compile(r"bytes=(\d{0,19})-(\d{0,19})", re.ASCII)


def parse_range(header: str, size: int) -> tuple[int, int]:
    """A single byte range of a ``size``-byte file as (first, last), inclusive; ``RangeNotSatisfiable`` for a
    malformed header, several ranges, or a range that starts at or after the end."""
    m = _RANGE.fullmatch(header.strip().replace(" ", ""))
    if m is None:
        raise RANGE_UNSUPPORTED({"header": header[:100]})
    a, b = m.groups()
    if not a:
        if not b or int(b) == 0:
            raise RANGE_EMPTY_SUFFIX({"header": header[:100]})
        return max(0, size - int(b)), size - 1
    first = int(a)
    last = int(b) if b else size - 1
    if last < first:
        raise RANGE_REVERSED({"header": header[:100]})
    if first >= size:
        raise RANGE_PAST_END({"header": header[:100], "size": size})
    return first, min(last, size - 1)


def _chunks(f: IO[bytes], first: int, length: int) -> Iterator[bytes]:
    """The bytes ``first .. first+length-1`` of the open file, in chunks (Starlette reads it in a worker thread)."""
    try:
        f.seek(first)
        left = length
        while left > 0:
            data = f.read(min(CHUNK, left))
            if not data:
                break
            left -= len(data)
            yield data
    finally:
        f.close()


def _safe_filename(row: Recording) -> str:
    stem = re.sub(r"[^A-Za-z0-9._-]", "_", row.call_uniqueid) or f"recording-{row.id}"
    return f"{stem}.{re.sub(r'[^a-z0-9]', '', row.format.lower()) or 'bin'}"


def _open(path: Path) -> tuple[IO[bytes], int]:
    f = path.open("rb")
    return f, os.fstat(f.fileno()).st_size


@router.get("/{recording_id}/audio", summary="The recording's audio (HTTP Range; ?download=1 for a file download)",
            response_class=StreamingResponse,
            responses={200: {"description": "the whole file", "content": file_content(*CONTENT_TYPES.values())},
                       206: {"description": "the requested byte range",
                             "content": file_content(*CONTENT_TYPES.values())},
                       416: {"description": "Range not satisfiable (Content-Range: bytes */size)"}})
async def get_audio(request: Request, user: Anyone, recording_id: RecordingId, access: AccessDep, auth: AuthDep,
                    settings: SettingsDep, playback: PlaybackDep,
                    download: Annotated[bool, Query(description="send as an attachment")] = False) -> Response:
    row = await access(user, recording_id, "download" if download else "audio")
    path = _audio_file(settings, row)
    f, size = await asyncio.to_thread(_open, path)
    if size == 0:
        f.close()
        raise FILE_EMPTY(recording_id=row.id, call_uniqueid=row.call_uniqueid)
    media_type = CONTENT_TYPES.get(row.format, "application/octet-stream")
    headers = {"Accept-Ranges": "bytes", "Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"}
    if row.sha256:
        headers["ETag"] = f'"{row.sha256}"'
    if download:
        headers["Content-Disposition"] = f'attachment; filename="{_safe_filename(row)}"'
    range_header = request.headers.get("range")
    if_range = request.headers.get("if-range")
    if range_header and if_range and if_range.strip() != headers.get("ETag"):
        range_header = None  # the file changed since the client's copy: the whole file
    first, last = 0, size - 1
    if range_header:
        try:
            first, last = parse_range(range_header, size)
        except RangeNotSatisfiable as e:
            f.close()
            body = error_body(e) | {"details": {"range": range_header[:100], "size": size}}
            return JSONResponse(body, status_code=e.status, headers={"Content-Range": f"bytes */{size}",
                                                          "Accept-Ranges": "bytes"})
    detail = {"call_uniqueid": row.call_uniqueid, "agent": row.agent_username, "range": range_header,
              "format": row.format}
    try:
        if download:
            await auth.audit(user.username, "recording.download", f"recording:{row.id}", detail)
        elif playback.starts(user.username, row.id, first if range_header else None):
            await auth.audit(user.username, "recording.play", f"recording:{row.id}", detail)
    except BaseException:
        f.close()
        raise
    length = last - first + 1
    headers["Content-Length"] = str(length)
    status = 200
    if range_header:
        status = 206
        headers["Content-Range"] = f"bytes {first}-{last}/{size}"
    return StreamingResponse(_chunks(f, first, length), status_code=status, headers=headers, media_type=media_type)


# ---- waveform -------------------------------------------------------------------------------------------------
@router.get("/{recording_id}/peaks", response_model=PeaksOut, summary="Waveform peaks for the player (cached)")
async def get_peaks(user: Anyone, recording_id: RecordingId, access: AccessDep, settings: SettingsDep,
                    peaks: PeaksDep,
                    points: Annotated[int, Query(ge=MIN_POINTS, le=MAX_POINTS)] = DEFAULT_POINTS) -> PeaksOut:
    row = await access(user, recording_id, "peaks")
    path = _audio_file(settings, row)
    try:
        data = await peaks.get(row.id, row.sha256, path, row.format, points)
    except FileNotFoundError as e:
        raise FILE_MISSING(recording_id=row.id) from e
    except Exception as e:
        log.warning("recording %s: peaks could not be computed from %s", row.id, path, exc_info=True)
        first = (str(e).strip().splitlines() or [type(e).__name__])[0][:200]
        raise AUDIO_UNREADABLE({"first": first}, recording_id=row.id) from e
    return PeaksOut(**data)
