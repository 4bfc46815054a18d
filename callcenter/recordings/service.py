"""Recording every queue call that reaches an agent.

Asterisk's dialplan starts the recording itself (``[cc-record]`` in asterisk_conf/extensions.conf, from the
settings ``recording.enabled`` / ``recording.include_ivr`` rendered into its globals): MixMonitor on the caller's
channel (both legs mixed, one wav file) at ``<recordings dir>/YYYY/MM/DD/<call uniqueid>.wav`` — the centre's
calendar day of the uniqueid's epoch, i.e. of the call's arrival, which both sides compute the same way. The bridge
sends no MixMonitor action (it would need the AMI ``system`` write class). On ``AgentConnect`` (or at the arrival,
with ``include_ivr``) the Recorder stores an index row (status ``recording``) for the file it expects there. When
the call ends the file is checked once it is complete on disk (its size stops changing): duration, size, sha256,
status ``ok``; a file that is missing or holds no audio is marked ``missing`` / ``empty`` with the reason and
raises an alert — never skipped silently. The agent may mute the recording for a stretch (a card number:
MixMonitorMute, class call, both directions); each stretch is kept with its times (seconds into the file) and
who muted it.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import re
import stat
import time
import wave
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from callcenter.asterisk.errors import AsteriskError
from callcenter.asterisk.events import AgentConnect, Newchannel, is_inbound_caller
from callcenter.calls.service import interface_extension
from callcenter.clock import Clock
from callcenter.recordings.errors import MUTE_FAILED, NO_RECORDING_RUNNING, RESUME_FAILED
from callcenter.recordings.repository import RecordingRepository
from callcenter.recordings.transcode import Transcoder
from callcenter.settings import RecordingSettings

log = logging.getLogger(__name__)
WAV_HEADER_BYTES = 44
# AuthService.audit(username, action, target, detail)
Audit = Callable[[str, str, str, dict[str, Any]], Awaitable[None]]


# Asterisk's uniqueid, <epoch>.<sequence>: the only form [cc-record] records (the same REGEX as the dialplan's)
ASTERISK_UNIQUEID = re.compile(r"^[0-9]{9,11}[.][0-9]+$")


# [cc-conference-queue] (asterisk_conf/extensions.conf): the half of a Local channel that queues for an expert to
# add to a call's conference. Its AgentConnect is not a call of its own to record: the call the conference belongs to
# is recorded on its own channel, which hears the conference's mix (everyone, the expert too), in its one file.
CONFERENCE_QUEUE_CONTEXT = "cc-conference-queue"


class RecorderAmi(Protocol):
    async def mix_monitor_mute(self, channel: str, muted: bool, direction: str = "both") -> None: ...


@dataclass
class LiveRecording:
    uniqueid: str
    channel: str
    rel: str
    started_at: datetime
    queue: str | None = None
    agent_extension: str | None = None
    agent_username: str | None = None
    mutes: list[dict[str, Any]] = field(default_factory=list)
    started: asyncio.Task[None] | None = None
    failed: str = ""
    finishing: bool = False


CRASH_PROBLEM = ("cut short by an Asterisk crash: the file was never closed, so its WAV header had no sizes; header "
                 "repaired from the file's length, {seconds:.1f} s of audio kept")


class NotWav(ValueError):
    """The file is not a RIFF/WAVE file with a ``fmt `` and a ``data`` chunk."""


def repair_wav(path: Path) -> bool:
    """Rewrite the RIFF and ``data`` chunk sizes of a wav that Asterisk never closed; whether it had to.

    Asterisk quirk: ``format_wav`` writes the header with both sizes 0 when it opens the file and fills them in
    only when it closes it (MixMonitor's end). If Asterisk dies mid-call (``kill -9``, a crash), the audio up to
    that moment is in the file but the header says it holds nothing (or, after a seek, less than it does), and
    readers refuse it (Python's ``wave``: "not a WAVE file"). The sizes are recomputed from the file's real length
    (a trailing partial frame is dropped) and the file is replaced atomically (a copy in the same folder, synced,
    then renamed over it, with the same permissions): a crash during the repair leaves the old file as it was."""
    size = path.stat().st_size
    with path.open("rb") as f:
        head = f.read(4096)
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        raise NotWav("not a RIFF/WAVE file")
    pos, fmt, data_at, data_size = 12, b"", -1, 0
    while pos + 8 <= len(head):
        cid, csize = head[pos:pos + 4], int.from_bytes(head[pos + 4:pos + 8], "little")
        if cid == b"data":
            data_at, data_size = pos + 8, csize
            break
        if cid == b"fmt ":
            fmt = head[pos + 8:pos + 8 + csize]
        pos += 8 + csize + (csize & 1)
    if len(fmt) < 16 or data_at < 0:
        raise NotWav("no fmt or data chunk in the first 4 KiB")
    block = max(1, int.from_bytes(fmt[12:14], "little"))
    real = size - data_at
    real -= real % block
    riff = int.from_bytes(head[4:8], "little")
    end = data_at + data_size + (data_size & 1)
    if data_size == real and riff == size - 8:
        return False  # closed properly
    if 0 < data_size and end < size and riff == size - 8:
        return False  # more chunks after the audio (not Asterisk's, but a valid file)
    tmp = path.with_name(f".{path.name}.repair")
    try:
        with path.open("rb") as src, tmp.open("wb") as dst:
            header = bytearray(head[:data_at])
            header[4:8] = (data_at - 8 + real).to_bytes(4, "little")
            header[data_at - 4:data_at] = real.to_bytes(4, "little")
            dst.write(header)
            src.seek(data_at)
            left = real
            while left:
                chunk = src.read(min(left, 1 << 20))
                if not chunk:
                    break
                dst.write(chunk)
                left -= len(chunk)
            dst.flush()
            os.fsync(dst.fileno())
        os.chmod(tmp, stat.S_IMODE(path.stat().st_mode))
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return True


def wav_seconds(path: Path) -> float:
    """The audio length of a wav file from its size and format (the header's frame count may not be final)."""
    with wave.open(str(path), "rb") as w:
        bytes_per_second = w.getframerate() * w.getnchannels() * w.getsampwidth()
    return max(0, path.stat().st_size - WAV_HEADER_BYTES) / bytes_per_second


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


class Recorder:
    def __init__(self, settings: RecordingSettings, root: Path, timezone: str, ami: RecorderAmi,
                 repo: RecordingRepository, clock: Clock, agent_of: Callable[[str], str | None]) -> None:
        self.settings = settings
        self.root = root
        self.tz = ZoneInfo(timezone)
        self.ami = ami
        self.repo = repo
        self.clock = clock
        self.agent_of = agent_of
        self.live: dict[str, LiveRecording] = {}
        self._problem_listeners: list[Callable[[dict[str, Any]], None]] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._purger: asyncio.Task[None] | None = None
        # optional conversion of finished recordings to mp3/ogg (recording.transcode), one at a time
        self.transcoder = Transcoder(settings, root, repo)

    def on_problem(self, fn: Callable[[dict[str, Any]], None]) -> None:
        self._problem_listeners.append(fn)

    def path_of(self, rel: str) -> Path:
        return self.root / rel

    def _spawn(self, coro: Any, name: str) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # start ----------------------------------------------------------------------------------------------------
    async def on_agent_connect(self, ev: AgentConnect) -> None:
        """An agent answered a queue call: the dialplan's MixMonitor (option ``b``) starts writing now; its row is
        stored off the AMI dispatcher's path. When the IVR part is recorded too, the recording is already running
        and learns its agent and queue."""
        uid, channel = ev.uniqueid, ev.channel
        if not self.settings.enabled or not uid or not channel:
            return
        if ev.context == CONFERENCE_QUEUE_CONTEXT:
            return  # a queue's expert answering for a conference: the conference's call records them already
        ext = interface_extension(ev.interface)
        queue, agent = ev.queue or None, self.agent_of(ext) if ext else None
        rec = self.live.get(uid)
        if rec is not None:
            if rec.agent_extension is None and not rec.finishing:
                rec.queue, rec.agent_extension, rec.agent_username = queue, ext, agent
                self._spawn(self._answered(rec), f"recording agent {uid}")
            return
        self._begin(uid, channel, ev.at or self.clock.now(), queue, ext, agent)

    async def on_newchannel(self, ev: Newchannel, inbound_context: str) -> None:
        """A call arrives: with ``include_ivr`` the dialplan records it from now on (the IVR, the queue, the
        agent)."""
        uid = ev.uniqueid
        if not (self.settings.enabled and self.settings.include_ivr) or not uid or uid in self.live:
            return
        if not is_inbound_caller(ev, inbound_context) or not ev.channel:
            return
        self._begin(uid, ev.channel, ev.at or self.clock.now(), None, None, None)

    def on_outbound_answered(self, uid: str, channel: str, at: datetime, ext: str | None,
                             agent: str | None) -> None:
        """The customer answered an outbound call the product placed: ``[cc-outbound]`` runs MixMonitor (option
        ``b``) on the agent's leg (``channel``), whose uniqueid the product chose in Asterisk's form."""
        if not self.settings.enabled or not uid or not channel or uid in self.live:
            return
        self._begin(uid, channel, at, None, ext, agent)

    def rel_path(self, uid: str, at: datetime) -> str:
        """Where the dialplan writes the call's recording: the day folder is the centre's calendar day of the
        uniqueid's epoch (``STRFTIME(${CUT(UNIQUEID,.,1)},<timezone>,%Y/%m/%d)`` in [cc-record]), so a call that
        arrived before midnight and was answered after it is in the arrival's folder. ``at`` is used only for a
        uniqueid that is not Asterisk's (which the dialplan does not record)."""
        if ASTERISK_UNIQUEID.match(uid):
            at = datetime.fromtimestamp(int(uid.split(".", 1)[0]), UTC)
        return f"{at.astimezone(self.tz):%Y/%m/%d}/{uid}.wav"

    def _begin(self, uid: str, channel: str, at: datetime, queue: str | None, ext: str | None,
               agent: str | None) -> None:
        rec = LiveRecording(uid, channel, self.rel_path(uid, at), at, queue, ext, agent)
        if not ASTERISK_UNIQUEID.match(uid):
            rec.failed = f"not recorded: the call's uniqueid {uid[:80]!r} is not Asterisk's <epoch>.<sequence>"
        self.live[uid] = rec
        rec.started = self._spawn(self._start(rec), f"record {uid}")

    async def _answered(self, rec: LiveRecording) -> None:
        if rec.started is not None:
            await rec.started
        await self.repo.change(rec.uniqueid, queue=rec.queue, agent_extension=rec.agent_extension,
                               agent_username=rec.agent_username)

    async def _start(self, rec: LiveRecording) -> None:
        """The dialplan has started (or, with ``b``, will start at the bridge) MixMonitor on the caller's channel:
        the row names the file it writes."""
        if rec.failed:
            log.warning("call %s: %s", rec.uniqueid, rec.failed)
        await self.repo.add({"call_uniqueid": rec.uniqueid, "path": rec.rel, "queue": rec.queue,
                             "agent_extension": rec.agent_extension, "agent_username": rec.agent_username,
                             "started_at": rec.started_at, "format": "wav", "status": "recording", "mutes": []})

    # end ------------------------------------------------------------------------------------------------------
    def on_call(self, st: Any) -> None:
        """Call tracker watcher: a recorded call ended → index its file once it is complete."""
        if st.ended_at is None:
            return
        rec = self.live.get(st.uniqueid)
        if rec is None:
            if self.settings.enabled and not self.settings.include_ivr and st.queued_at is not None:
                self._spawn(self._drop_unbridged(st.uniqueid, st.arrived_at or st.ended_at),
                            f"unbridged recording {st.uniqueid}")
            return
        if rec.finishing:
            return
        rec.finishing = True
        self._spawn(self._finish(rec, st.ended_at), f"index recording {st.uniqueid}")

    async def _drop_unbridged(self, uid: str, at: datetime) -> None:
        """A queued call no agent answered: delete the bare wav header the dialplan's MixMonitor left.

        Asterisk quirk: MixMonitor with option ``b`` (write only while bridged) still creates its file when it
        starts, before the Queue(), and writes nothing into it until the channel is bridged; a caller who hangs
        up in the queue would leave a 44-byte file no row names (nor retention ever deletes). A file with audio
        and no row (a call answered while the service was down) is kept and logged."""
        try:
            path = self.path_of(self.rel_path(uid, at))
            if not path.exists() or await self.repo.get(uid) is not None:
                return
            size = await self._complete_file(path)
            if size is None or uid in self.live or await self.repo.get(uid) is not None:
                return
            if size <= WAV_HEADER_BYTES:
                await asyncio.to_thread(path.unlink, True)
            else:
                log.warning("call %s ended unanswered but its recording %s holds %d bytes; kept, not indexed",
                            uid, path, size)
        except Exception:
            log.exception("cleaning up the unanswered call %s's recording file failed", uid)

    @staticmethod
    def _check_file(path: Path) -> tuple[bool, float, str, int]:
        """Repair a header Asterisk never wrote (see :func:`repair_wav`); then duration, sha256 and size of what is
        on disk."""
        repaired = repair_wav(path)
        return repaired, wav_seconds(path), sha256_of(path), path.stat().st_size

    async def _complete_file(self, path: Path) -> int | None:
        """The file's size once it stops changing (Asterisk closes it just after the hang-up), None if absent."""
        deadline = time.monotonic() + self.settings.finish_timeout_seconds
        last: int | None = None
        while True:
            size = path.stat().st_size if path.exists() else None
            if size is not None and size == last:
                return size
            if time.monotonic() > deadline:
                return size
            last = size
            await asyncio.sleep(0.25)

    async def _finish(self, rec: LiveRecording, ended_at: datetime) -> None:
        try:
            if rec.started is not None:
                await rec.started
            path = self.path_of(rec.rel)
            size = await self._complete_file(path)
            values: dict[str, Any] = {"ended_at": ended_at, "size_bytes": size, "problem": ""}
            if rec.mutes and rec.mutes[-1]["to"] is None:  # muted until the end
                rec.mutes[-1]["to"] = round((ended_at - rec.started_at).total_seconds(), 2)
            values["mutes"] = [dict(m) for m in rec.mutes]
            if size is None:
                values.update(status="missing", problem=rec.failed or f"no recording file {rec.rel} after the call")
            elif size <= WAV_HEADER_BYTES:
                values.update(status="empty", problem=f"the recording {rec.rel} holds no audio")
            else:
                try:
                    repaired, seconds, digest, size = await asyncio.to_thread(self._check_file, path)
                except (NotWav, wave.Error, EOFError, OSError) as e:
                    # never left "recording" for good: marked, alerted, the file kept as it is for a look by hand
                    values.update(status="empty",
                                  problem=f"the recording {rec.rel} is not a readable WAV file: {e}"[:300])
                else:
                    values.update(status="ok", duration_seconds=round(seconds, 2), sha256=digest, size_bytes=size)
                    if repaired:
                        values["problem"] = CRASH_PROBLEM.format(seconds=seconds)
            await self.repo.change(rec.uniqueid, **values)
            if values["status"] == "ok":
                self.transcoder.enqueue(rec.uniqueid)  # a no-op unless recording.transcode is set
            if values["problem"]:
                log.warning("call %s: %s", rec.uniqueid, values["problem"])
                problem = {"call_uniqueid": rec.uniqueid, "status": values["status"], "problem": values["problem"],
                           "queue": rec.queue, "agent": rec.agent_username, "path": rec.rel}
                for fn in self._problem_listeners:
                    fn(problem)
        except Exception:
            log.exception("indexing the recording of call %s failed", rec.uniqueid)
        finally:
            self.live.pop(rec.uniqueid, None)

    # mute (card numbers) ---------------------------------------------------------------------------------------
    async def mute(self, call_uniqueid: str | None, muted: bool, by: str) -> dict[str, Any]:
        rec = self.live.get(call_uniqueid or "")
        if rec is None or rec.finishing or rec.failed:
            raise NO_RECORDING_RUNNING(call=call_uniqueid)
        open_stretch = rec.mutes[-1] if rec.mutes and rec.mutes[-1]["to"] is None else None
        if muted != (open_stretch is not None):
            try:
                await self.ami.mix_monitor_mute(rec.channel, muted)
            except AsteriskError as e:
                raise (MUTE_FAILED if muted else RESUME_FAILED)({"e": e}) from e
            offset = round(max(0.0, (self.clock.now() - rec.started_at).total_seconds()), 2)
            if muted:
                rec.mutes.append({"from": offset, "to": None, "by": by})
            elif open_stretch is not None:
                open_stretch["to"] = offset
            await self.repo.change(rec.uniqueid, mutes=[dict(m) for m in rec.mutes])
        return {"call_uniqueid": rec.uniqueid, "muted": muted, "mutes": [dict(m) for m in rec.mutes]}

    def muted(self, call_uniqueid: str | None) -> bool:
        rec = self.live.get(call_uniqueid or "")
        return bool(rec and rec.mutes and rec.mutes[-1]["to"] is None)

    # retention -------------------------------------------------------------------------------------------------
    async def purge(self, retention_days: dict[str, int], audit: Audit) -> int:
        """Delete the recordings older than their queue's retention (days; 0 keeps them); every deletion is written
        to the audit log (``recording.delete`` by ``system``) and the row is kept, marked ``deleted``. A transcoded
        recording's file (mp3/ogg) is deleted the same way: the row names it."""
        # not while a transcoded file replaces its wav: the rows read then name the files that exist
        async with self.transcoder.lock:
            return await self._purge(retention_days, audit)

    async def _purge(self, retention_days: dict[str, int], audit: Audit) -> int:
        now = self.clock.now()
        deleted = 0
        for queue, days in sorted(retention_days.items()):
            if days <= 0:
                continue
            for row in await self.repo.older_than(queue, now - timedelta(days=days)):
                path = self.path_of(row.path)
                existed = path.exists()
                if existed:
                    await asyncio.to_thread(path.unlink)
                await self.repo.change(row.call_uniqueid, status="deleted", deleted_at=now)
                await audit("system", "recording.delete", f"call:{row.call_uniqueid}", {
                    "path": row.path, "queue": queue, "retention_days": days, "status_before": row.status,
                    "started_at": row.started_at.isoformat(), "file_existed": existed})
                deleted += 1
        if deleted:
            log.info("retention: %d recording(s) deleted", deleted)
        return deleted

    def start_purging(self, interval_seconds: float, retention_days: Callable[[], Awaitable[dict[str, int]]],
                      audit: Audit) -> None:
        async def loop() -> None:
            while True:
                try:
                    await self.finish_orphans()
                except Exception:
                    log.exception("finishing recordings left open failed")
                try:
                    await self.purge(await retention_days(), audit)
                except Exception:
                    log.exception("recording retention pass failed")
                await asyncio.sleep(interval_seconds)

        self._purger = asyncio.get_running_loop().create_task(loop(), name="recording retention")

    async def finish_orphans(self) -> int:
        """Recordings still marked running that nothing follows any more (their indexing failed, e.g. the database
        was down at that moment) are checked now, so none stays ``recording`` until the next start. Every running
        recording is in ``live`` from before its row exists until its row is final, so a row outside it is one."""
        n = 0
        for row in await self.repo.unfinished():
            if row.call_uniqueid in self.live:
                continue
            rec = LiveRecording(row.call_uniqueid, "", row.path, row.started_at, row.queue, row.agent_extension,
                                row.agent_username, [dict(m) for m in row.mutes or []], finishing=True)
            self.live[row.call_uniqueid] = rec
            self._spawn(self._finish(rec, self.clock.now()), f"index recording {row.call_uniqueid}")
            n += 1
        return n

    # start-up / shut-down --------------------------------------------------------------------------------------
    async def adopt(self, open_calls: dict[str, Any]) -> None:
        """Service start: recordings still marked running either belong to a call still in progress (followed
        again) or to one that ended while the service was down (checked now)."""
        for row in await self.repo.unfinished():
            st = open_calls.get(row.call_uniqueid)
            rec = LiveRecording(row.call_uniqueid, st.channel if st else "", row.path, row.started_at, row.queue,
                                row.agent_extension, row.agent_username, [dict(m) for m in row.mutes or []])
            self.live[row.call_uniqueid] = rec
            if st is None:
                rec.finishing = True
                self._spawn(self._finish(rec, self.clock.now()), f"index recording {row.call_uniqueid}")
        await self.transcoder.requeue()  # with recording.transcode set: finished recordings still in wav

    async def close(self, timeout: float = 15.0) -> None:
        """Shutdown: recordings being indexed are finished (bounded); retention stops."""
        if self._purger is not None:
            self._purger.cancel()
            self._purger = None
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=timeout)
        await self.transcoder.close(timeout)
