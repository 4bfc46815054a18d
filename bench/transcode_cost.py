"""What transcoding a recording costs: CPU seconds per recorded minute and bytes per minute, for each format.

Makes a wav like Asterisk's (8 kHz, 16-bit, mono) of speech-like audio (tones whose pitch and loudness change
every 200 ms, with pauses), then converts it with the service's own ``transcode_file`` (pydub + ffmpeg, the
background job's conversion) several times per format, measuring the CPU of this process and its children
(ffmpeg). Run: .venv/bin/python bench/transcode_cost.py [--minutes 5] [--rounds 3] [--bitrate 32k]
"""

from __future__ import annotations

import argparse
import math
import random
import resource
import shutil
import sys
import tempfile
import wave
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from callcenter.recordings.transcode import load_audio, transcode_file  # noqa: E402

RATE = 8000


def speech_like_wav(path: Path, minutes: float, seed: int = 1) -> None:
    rng = random.Random(seed)
    frames = bytearray()
    total = int(minutes * 60 * RATE)
    while len(frames) // 2 < total:
        n = int(0.2 * RATE)
        if rng.random() < 0.25:  # a pause
            frames += b"\0\0" * n
            continue
        f1, f2, amp = rng.uniform(120, 300), rng.uniform(600, 2400), rng.uniform(2000, 9000)
        for i in range(n):
            t = i / RATE
            v = amp * (0.7 * math.sin(2 * math.pi * f1 * t) + 0.3 * math.sin(2 * math.pi * f2 * t))
            frames += int(v).to_bytes(2, "little", signed=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(bytes(frames[: total * 2]))


def cpu() -> float:
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=5.0, help="length of the recording")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--bitrate", default="32k")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="cc-transcode-"))
    try:
        src = work / "call.wav"
        speech_like_wav(src, args.minutes)
        wav_bytes = src.stat().st_size
        print(f"wav: {args.minutes:g} min, {wav_bytes / args.minutes / 1000:.0f} KB per minute")
        for fmt in ("mp3", "ogg"):
            spent, size, length = 0.0, 0, 0.0
            for r in range(args.rounds):
                copy = work / f"r{r}-{fmt}.wav"
                shutil.copyfile(src, copy)
                before = cpu()
                out = transcode_file(copy, fmt, args.bitrate)
                spent += cpu() - before
                size = out.stat().st_size
                length = len(load_audio(out)) / 1000
            per_min = spent / args.rounds / args.minutes
            print(f"{fmt} @ {args.bitrate}: {per_min * 1000:.0f} ms CPU per recorded minute, "
                  f"{size / args.minutes / 1000:.0f} KB per minute ({size / wav_bytes:.1%} of the wav), "
                  f"decoded length {length:.2f} s of {args.minutes * 60:.0f} s")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
