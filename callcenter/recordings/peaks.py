"""Waveform peaks for the player: the loudest sample of each of N equal stretches of a recording, 0..1 of full scale.

Decoded once with pydub (wav natively, mp3/ogg through ffmpeg) in a worker thread and cached as JSON under
``<data_dir>/peaks/<recording id>-<sha256 prefix>-<N>.json``; a recording whose sha256 changed (transcoded) gets
new peaks, and the stale files of that recording are removed.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

MIN_POINTS, MAX_POINTS, DEFAULT_POINTS = 100, 4000, 800


def compute_peaks(path: Path, fmt: str, points: int) -> dict[str, Any]:
    """``{"duration": s, "points": N, "peaks": [N floats 0..1]}``: per bucket of frames, the maximum absolute sample
    (any channel) divided by the sample format's full scale."""
    # the stdlib module, or pydub's fallback where it is gone (pydub-stubs do not declare this re-export)
    from pydub.utils import audioop  # type: ignore[attr-defined]

    from callcenter.recordings.transcode import load_audio

    seg = load_audio(path, fmt)
    raw = memoryview(seg.raw_data)
    frame, width = seg.frame_width, seg.sample_width
    frames = len(raw) // frame if frame else 0
    full = float(seg.max_possible_amplitude)
    peaks: list[float] = []
    for i in range(points):
        a = i * frames // points
        b = max((i + 1) * frames // points, a + 1)
        chunk = raw[a * frame:min(b, frames) * frame]
        peaks.append(round(min(1.0, audioop.max(chunk, width) / full), 4) if len(chunk) else 0.0)
    return {"duration": round(seg.duration_seconds, 3), "points": points, "peaks": peaks}


class PeaksCache:
    """Peaks per (recording, sha256, N): read from the cache, or computed once (concurrent requests share it)."""

    def __init__(self, cache_dir: Path, compute: Callable[[Path, str, int], dict[str, Any]] = compute_peaks) -> None:
        self.dir = cache_dir
        self.compute = compute
        self._running: dict[str, asyncio.Task[dict[str, Any]]] = {}

    def path_of(self, recording_id: int, sha256: str | None, points: int) -> Path:
        return self.dir / f"{recording_id}-{(sha256 or 'nosha')[:16]}-{points}.json"

    async def get(self, recording_id: int, sha256: str | None, audio: Path, fmt: str, points: int
                  ) -> dict[str, Any]:
        cached = self.path_of(recording_id, sha256, points)
        found = await asyncio.to_thread(self._read, cached, points)
        if found is not None:
            return found
        task = self._running.get(cached.name)
        if task is None:
            task = asyncio.get_running_loop().create_task(self._make(recording_id, cached, audio, fmt, points),
                                                          name=f"peaks {cached.name}")
            self._running[cached.name] = task
            task.add_done_callback(lambda _: self._running.pop(cached.name, None))
        # a client that goes away does not stop the computation: the next request finds it cached
        return await asyncio.shield(task)

    async def _make(self, recording_id: int, cached: Path, audio: Path, fmt: str, points: int) -> dict[str, Any]:
        data = await asyncio.to_thread(self.compute, audio, fmt, points)
        await asyncio.to_thread(self._write, recording_id, cached, data)
        return data

    @staticmethod
    def _read(cached: Path, points: int) -> dict[str, Any] | None:
        try:
            data = json.loads(cached.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            log.warning("peaks cache %s is unreadable; computed again", cached)
            return None
        if not isinstance(data, dict) or data.get("points") != points or len(data.get("peaks") or ()) != points:
            return None
        return data

    def _write(self, recording_id: int, cached: Path, data: dict[str, Any]) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_name(f".{cached.name}.{os.getpid()}.part")
        tmp.write_text(json.dumps(data, separators=(",", ":")), encoding="utf-8")
        os.replace(tmp, cached)
        sha_part = cached.name.split("-")[1]
        for old in self.dir.glob(f"{recording_id}-*.json"):  # peaks of an earlier file of this recording
            if old.name.split("-")[1] != sha_part:
                old.unlink(missing_ok=True)
