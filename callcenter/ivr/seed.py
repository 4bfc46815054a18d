"""First-run default: prompts (spoken by espeak-ng when installed, else short tones) and a working flow.

welcome → 1 business consultation, 2 business handling, 3 complaints and suggestions (higher priority),
0 human service; no choice (after the first 5 s) → human service; after hours → voicemail. Open 24/7 until an
admin sets hours.
Replace a prompt by putting your own recording at ``<data_dir>/prompts/<lang>/<name>.wav`` (8 kHz, mono,
16-bit) — see docs/ivr.md.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from pydub import AudioSegment
from pydub.generators import Sine

log = logging.getLogger(__name__)

PROMPTS: dict[str, dict[str, str]] = {
    "cc-welcome": {"zh": "欢迎致电客户服务中心。", "en": "Welcome to the customer service centre."},
    "cc-main-menu": {
        "zh": "业务咨询请按1，业务办理请按2，投诉与建议请按3，人工服务请按0。",
        "en": "For business consultation press 1. For business handling press 2. "
              "For complaints and suggestions press 3. For an agent press 0.",
    },
    "cc-invalid": {"zh": "您的输入有误，请重新选择。", "en": "Sorry, that is not a valid choice."},
    "cc-no-input": {"zh": "我们没有收到您的选择。", "en": "We did not receive your choice."},
    "cc-after-hours": {
        "zh": "现在是非工作时间，请在提示音后留言，按井号键结束。",
        "en": "We are closed. Please leave a message after the tone and press hash when done.",
    },
    "cc-all-busy": {
        "zh": "座席全忙，请在提示音后留言，按井号键结束。",
        "en": "All our agents are busy. Please leave a message after the tone and press hash when done.",
    },
}
# the queued caller's call-back (docs/outbound.md "A call-back that keeps the caller's place"), generated at start
# when it is on (callback_prompts): the offer names the key, so there is one per key (cc-callback-offer-<key>); the
# FastAGI callback says the others
CALLBACK_PROMPTS: dict[str, dict[str, str]] = {
    **{f"cc-callback-offer-{k}": {
        "zh": f"如不想继续等待，请按{k}，轮到您时我们将回拨给您。",
        "en": f"To be called back in your turn without waiting, press {k}.",
    } for k in "0123456789"},
    "cc-callback-number": {"zh": "我们将回拨您的号码：", "en": "We will call you back on the number"},
    "cc-callback-confirm": {
        "zh": "确认请按1，输入其他号码请按2。",
        "en": "To confirm, press 1. To enter another number, press 2.",
    },
    "cc-callback-enter": {
        "zh": "请输入回拨号码，以井号键结束。",
        "en": "Please enter the number to call you back on, then press hash.",
    },
    "cc-callback-invalid": {"zh": "号码无效。", "en": "Sorry, that number is not valid."},
    "cc-callback-thanks": {
        "zh": "谢谢，轮到您时我们将回拨给您，再见。",
        "en": "Thank you. We will call you back in your turn. Goodbye.",
    },
    "cc-callback-keep-place": {
        "zh": "您仍在原来的位置排队，请稍候。",
        "en": "You keep your place in the queue. Please hold.",
    },
    # the number read back digit by digit (Asterisk 16 ships its digits in English only)
    **{f"cc-digit-{d}": {"zh": "零一二三四五六七八九"[int(d)], "en": d} for d in "0123456789"},
}


def callback_prompts(key: str) -> dict[str, dict[str, str]]:
    """The call-back's prompts when its key is ``key``: the offer naming that key, the questions, the digits."""
    return {n: t for n, t in CALLBACK_PROMPTS.items()
            if n == f"cc-callback-offer-{key}" or not n.startswith("cc-callback-offer-")}


VOICES = {"zh": "cmn", "en": "en"}


def _to_asterisk(seg: AudioSegment) -> AudioSegment:
    return seg.set_frame_rate(8000).set_channels(1).set_sample_width(2)


def generate_prompts(prompt_dir: Path, languages: tuple[str, ...] = ("zh", "en"),
                     prompts: dict[str, dict[str, str]] | None = None) -> list[Path]:
    """Create any missing prompt of ``prompts`` (the first run's, ``PROMPTS``, by default); never overwrites a file
    an admin put there."""
    espeak = shutil.which("espeak-ng")
    made: list[Path] = []
    for name, texts in (PROMPTS if prompts is None else prompts).items():
        for lang in languages:
            target = prompt_dir / lang / f"{name}.wav"
            if target.exists():
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            seg = None
            if espeak:
                with tempfile.TemporaryDirectory() as tmp:
                    raw = Path(tmp) / "p.wav"
                    r = subprocess.run([espeak, "-v", VOICES.get(lang, lang), "-s", "150", "-w", str(raw),
                                        texts[lang]], capture_output=True, timeout=60)
                    if r.returncode == 0 and raw.exists():
                        with open(raw, "rb") as f:  # pydub leaves a path it opened unclosed
                            seg = AudioSegment.from_wav(f)
            if seg is None:  # no speech synthesiser: a short tone per prompt keeps the flow usable
                seg = Sine(440 + 40 * len(made)).to_audio_segment(duration=600).apply_gain(-10)
            _to_asterisk(seg).export(target, format="wav").close()  # export returns the open file
            made.append(target)
    if made:
        log.info("generated %d default IVR prompt(s) in %s (%s)", len(made), prompt_dir,
                 "espeak-ng" if espeak else "tones; install espeak-ng for speech")
    return made


def default_flow(queues: list[str]) -> dict[str, Any]:
    def q(name: str, fallback: str = "all_busy", priority: int = 0) -> dict[str, Any]:
        return {"kind": "queue", "queue": name if name in queues else queues[0], "priority": priority,
                "max_wait_seconds": 300, "fallback": fallback}

    return {
        "start": "hours",
        "language": "zh",
        "nodes": {
            "hours": {"kind": "hours", "label": "Opening hours / 工作时间",
                      "schedule": {"timezone": "Asia/Shanghai",
                                   "weekly": {d: ["00:00-24:00"] for d in
                                              ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}},
                      "open": "welcome", "closed": "after_hours"},
            "welcome": {"kind": "play", "label": "Welcome / 欢迎", "prompt": "cc-welcome", "next": "main"},
            "main": {"kind": "menu", "label": "Main menu / 主菜单", "prompt": "cc-main-menu",
                     "options": [{"digit": "1", "target": "consultation"}, {"digit": "2", "target": "business"},
                                 {"digit": "3", "target": "complaints"}, {"digit": "0", "target": "human"}],
                     # no retry: a caller who presses nothing (or a key not offered) reaches human service after
                     # the first 5 s wait; each retry would replay the whole menu (~16 s) first (docs/ivr.md)
                     "timeout_seconds": 5, "max_retries": 0, "invalid_prompt": "cc-invalid",
                     "timeout_prompt": "cc-no-input", "default": "human"},
            "consultation": {**q("consultation"), "label": "Business consultation / 业务咨询"},
            "business": {**q("business"), "label": "Business handling / 业务办理"},
            "complaints": {**q("complaints", priority=5), "label": "Complaints and suggestions / 投诉与建议"},
            "human": {**q("support"), "label": "Human service / 人工服务"},
            "after_hours": {"kind": "voicemail", "label": "After-hours message / 非工作时间留言",
                            "mailbox": "after-hours", "prompt": "cc-after-hours", "max_seconds": 120},
            "all_busy": {"kind": "voicemail", "label": "All busy message / 座席忙留言", "mailbox": "general",
                         "prompt": "cc-all-busy", "max_seconds": 120},
        },
    }
