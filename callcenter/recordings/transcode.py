"""Optional transcoding of finished recordings to a compressed format (``recording.transcode``: mp3 or ogg).

Recordings are kept as Asterisk's wav by default. With ``recording.transcode`` set, every recording that finishes
``ok`` is queued for one background job (one file at a time, the conversion in a worker thread so the event loop
never waits on it): pydub/ffmpeg converts the wav, the new file is written next to it under a temporary name and
renamed, the index row gets the new path, format, size and sha256 (the duration is kept), then the wav is deleted.
A failed conversion keeps the wav (and says so in the row's ``problem``; the status stays ``ok``). Recordings that
are ``ok`` and still wav when the service starts are queued again.

The row change and the deletion of the wav happen under :attr:`Transcoder.lock`, which the retention purge holds
too: a recording deleted by retention while it was being converted keeps no converted copy.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from callcenter.recordings.repository import RecordingRepository
from callcenter.settings import RecordingSettings

log = logging.getLogger(__name__)

CONTENT_TYPES = {"wav": "audio/wav", "mp3": "audio/mpeg", "ogg": "audio/ogg"}
# ffmpeg encoders: LAME for mp3, Vorbis in an Ogg container (both play in current browsers)
CODECS = {"mp3": "libmp3lame", "ogg": "libvorbis"}


def load_audio(path: Path, fmt: str | None = None) -> Any:
    """The file as a pydub ``AudioSegment`` (wav read natively, anything else decoded by ffmpeg). A wav is handed
    to pydub as an open file, closed here: pydub leaves a wav it opened itself open."""
    from pydub import AudioSegment

    fmt = (fmt or path.suffix.lstrip(".")).lower() or None
    if fmt == "wav":
        with path.open("rb") as f:
            return AudioSegment.from_file(f, format="wav")
    return AudioSegment.from_file(str(path), format=fmt)


def transcode_file(src: Path, fmt: str, bitrate: str) -> Path:
    """Convert the audio file ``src`` to ``fmt`` next to it (same name, new suffix), atomically: written to a
    temporary name, flushed to disk, then renamed. Returns the new file's path; raises if the conversion fails
    (no partial file is left behind)."""
    dst = src.with_suffix("." + fmt)
    tmp = dst.with_name(f".{dst.name}.part")
    try:
        seg = load_audio(src)
        with tmp.open("wb+") as f:  # pydub leaves a file it opened itself open when ffmpeg fails
            seg.export(f, format=fmt, codec=CODECS[fmt], bitrate=bitrate)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, dst)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return dst


def _first_line(e: BaseException) -> str:
    text = str(e).strip().splitlines()
    return (text[0] if text else type(e).__name__)[:200]


class Transcoder:
    """The background job: a queue of call uniqueids, one conversion at a time."""

    def __init__(self, settings: RecordingSettings, root: Path, repo: RecordingRepository,
                 convert: Callable[[Path, str, str], Path] = transcode_file) -> None:
        self.settings = settings
        self.root = root
        self.repo = repo
        self.convert = convert
        # held while a converted file replaces the wav (row + files) and by the retention purge
        self.lock = asyncio.Lock()
        self._queue: asyncio.Queue[str] = asyncio.Queue()
        self._queued: set[str] = set()
        self._worker: asyncio.Task[None] | None = None
        self._closing = False
        self.current: str | None = None
        self.done = 0
        self.failed = 0

    @property
    def format(self) -> str:
        return self.settings.transcode

    def enqueue(self, call_uniqueid: str) -> bool:
        """Queue a finished recording (no-op when transcoding is off, when it is queued already, or at shutdown)."""
        if not self.format or self._closing or call_uniqueid in self._queued:
            return False
        self._queued.add(call_uniqueid)
        self._queue.put_nowait(call_uniqueid)
        if self._worker is None or self._worker.done():
            self._worker = asyncio.get_running_loop().create_task(self._run(), name="recording transcoding")
        return True

    async def requeue(self) -> int:
        """Service start: recordings that are ``ok`` and still wav are queued again (their call ended before, or
        the service stopped before their conversion)."""
        if not self.format:
            return 0
        n = sum(self.enqueue(uid) for uid in await self.repo.to_transcode("wav"))
        if n:
            log.info("transcoding: %d recording(s) still in wav queued for %s", n, self.format)
        return n

    async def idle(self) -> None:
        """Wait until the queue is empty and no conversion runs (tests, benchmarks)."""
        await self._queue.join()

    async def _run(self) -> None:
        while not self._closing:
            uid = await self._queue.get()
            self.current = uid
            try:
                await self.transcode(uid)
            except Exception:
                log.exception("transcoding the recording of call %s failed", uid)
            finally:
                self.current = None
                self._queued.discard(uid)
                self._queue.task_done()

    async def transcode(self, call_uniqueid: str) -> bool:
        """Convert one recording now; whether it was converted."""
        fmt, bitrate = self.format, self.settings.transcode_bitrate
        row = await self.repo.get(call_uniqueid)
        if not fmt or row is None or row.status != "ok" or row.format != "wav":
            return False  # only a wav is converted (never an already compressed file again)
        root = self.root.resolve()
        src = (root / row.path).resolve()
        if not src.is_relative_to(root) or not src.is_file():
            log.warning("transcoding: the recording of call %s is not at %s; skipped", call_uniqueid, row.path)
            return False
        try:
            dst, size, digest = await asyncio.to_thread(self._convert, src, fmt, bitrate)
        except Exception as e:
            self.failed += 1
            problem = f"transcoding to {fmt} failed, the wav is kept: {_first_line(e)}"
            log.warning("call %s: %s", call_uniqueid, problem, exc_info=True)
            await self.repo.change_if_unchanged(call_uniqueid, row.path, problem=problem[:300])
            return False
        new_rel = Path(row.path).with_suffix("." + fmt).as_posix()
        async with self.lock:
            changed = await self.repo.change_if_unchanged(
                call_uniqueid, row.path, path=new_rel, format=fmt, size_bytes=size, sha256=digest, problem="")
            gone = src if changed else dst  # deleted by retention (or changed) meanwhile: no converted copy is kept
            await asyncio.to_thread(gone.unlink, missing_ok=True)
        if not changed:
            log.info("transcoding: the recording of call %s changed meanwhile; the converted file is dropped",
                     call_uniqueid)
            return False
        self.done += 1
        log.info("call %s: recording converted to %s (%d bytes)", call_uniqueid, fmt, size)
        return True

    def _convert(self, src: Path, fmt: str, bitrate: str) -> tuple[Path, int, str]:
        from callcenter.recordings.service import sha256_of

        dst = self.convert(src, fmt, bitrate)
        return dst, dst.stat().st_size, sha256_of(dst)

    async def close(self, timeout: float = 15.0) -> None:
        """Shutdown: no new work; a conversion in progress is let finish (bounded by ``timeout``), then the job
        stops. What is still queued stays wav and is queued again at the next start."""
        self._closing = True
        worker, self._worker = self._worker, None
        if worker is None or worker.done():
            return
        if self.current is not None:
            await asyncio.wait({worker}, timeout=timeout)
        if not worker.done():
            worker.cancel()
            await asyncio.wait({worker})
