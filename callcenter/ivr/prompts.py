"""Where prompts live and how the engine names them to Asterisk.

A prompt name resolves, per language, to the centre's own recording
``<data_dir>/prompts/<lang>/<name>.wav`` (8 kHz mono 16-bit) if there is one, else to Asterisk's installed
sound ``<asterisk.data_dir>/sounds/<lang>/<name>.*``. The engine passes Asterisk an absolute path without
extension, so the language is chosen here, not by Asterisk's fallback rules.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from callcenter.errors import Words
from callcenter.files import file_mode, private_dir
from callcenter.ivr.errors import (
    AUDIO_UNREADABLE,
    BAD_FILE_TYPE,
    BAD_LANGUAGE,
    BAD_PROMPT_NAME,
    FILE_EMPTY,
    FILE_TOO_BIG,
    NO_AUDIO,
    TOO_LONG,
    UPLOADED_PROMPT_NOT_FOUND,
)

SOUND_EXTS = (".wav", ".gsm", ".ulaw", ".alaw", ".sln", ".g722")


class PromptStore:
    def __init__(self, custom_dir: Path, system_sounds_dir: Path) -> None:
        self.custom_dir = custom_dir
        self.system_sounds_dir = system_sounds_dir

    def _find(self, name: str, lang: str) -> Path | None:
        for base in (self.custom_dir / lang, self.system_sounds_dir / lang):
            for ext in SOUND_EXTS:
                f = base / f"{name}{ext}"
                if f.is_file():
                    return f
        return None

    def exists(self, name: str, lang: str) -> bool:
        return self._find(name, lang) is not None

    def resolve(self, name: str, lang: str, fallback_lang: str = "en") -> str:
        """Absolute path without extension for STREAM FILE / GET DATA; the plain name if nothing is found
        (Asterisk then logs the missing file and the call goes on)."""
        f = self._find(name, lang) or self._find(name, fallback_lang)
        return str(f.with_suffix("")) if f is not None else name


# ---- uploads -------------------------------------------------------------------------------------------------


MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_SECONDS = 600
UPLOAD_FORMATS = {"wav": "wav", "mp3": "mp3", "ogg": "ogg", "m4a": "mp4"}  # extension → ffmpeg/pydub format
NAME_RE = re.compile(r"[A-Za-z0-9_\-]{1,80}")
LANG_RE = re.compile(r"[a-z]{2}(_[A-Z]{2})?")


def check_name(name: str, lang: str) -> None:
    if not NAME_RE.fullmatch(name):
        raise BAD_PROMPT_NAME({"name": name}, field="name")
    if not LANG_RE.fullmatch(lang):
        raise BAD_LANGUAGE({"lang": lang}, field="language")


def import_prompt(store: PromptStore, name: str, lang: str, filename: str, data: bytes) -> dict[str, object]:
    """Store an uploaded recording: the original is kept, Asterisk gets 8 kHz mono 16-bit wav.

    Refuses (InvalidInput, nothing stored) a wrong extension, a file over 20 MB, anything ffmpeg cannot
    decode, silence of zero length, or more than 10 minutes."""
    from pydub import AudioSegment
    from pydub.exceptions import CouldntDecodeError

    check_name(name, lang)
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if ext not in UPLOAD_FORMATS:
        raise BAD_FILE_TYPE({"filename": filename, "value": ext or Words("(none)", "（无）")}, field="file")
    if len(data) > MAX_UPLOAD_BYTES:
        raise FILE_TOO_BIG({"filename": filename, "value": len(data) / 1048576}, field="file")
    if not data:
        raise FILE_EMPTY({"filename": filename}, field="file")
    originals = store.custom_dir / "originals" / lang
    target = store.custom_dir / lang / f"{name}.wav"
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, f"upload.{ext}")
        with open(src, "wb") as w:
            w.write(data)
        try:
            with open(src, "rb") as r:
                seg = AudioSegment.from_file(r, format=UPLOAD_FORMATS[ext])
        except (CouldntDecodeError, IndexError, OSError):
            # ffmpeg's own message names its pipe, not the upload: say what the admin can act on
            raise AUDIO_UNREADABLE({"filename": filename, "ext": ext}, field="file") from None
        seconds = len(seg) / 1000
        if seconds <= 0:
            raise NO_AUDIO(field="file")
        if seconds > MAX_SECONDS:
            raise TOO_LONG({"seconds": seconds}, field="file")
        out = os.path.join(tmp, "out.wav")
        seg.set_frame_rate(8000).set_channels(1).set_sample_width(2).export(out, format="wav").close()
        # the centre's recordings are the service's alone, whatever the process umask (the managed Asterisk runs as
        # the same user and reads them)
        private_dir(target.parent)
        private_dir(originals)
        for path in (src, out):
            os.chmod(path, file_mode())
        for old in originals.glob(f"{name}.*"):
            old.unlink()
        os.replace(src, originals / f"{name}.{ext}")
        os.replace(out, target)
    return {"name": name, "language": lang, "seconds": round(seconds, 3), "original": f"{name}.{ext}"}


def list_custom(store: PromptStore) -> list[dict[str, object]]:
    out = []
    if store.custom_dir.is_dir():
        for lang_dir in sorted(p for p in store.custom_dir.iterdir() if p.is_dir() and p.name != "originals"):
            for f in sorted(lang_dir.glob("*.wav")):
                out.append({"name": f.stem, "language": lang_dir.name, "bytes": f.stat().st_size})
    return out


def delete_custom(store: PromptStore, name: str, lang: str) -> None:
    check_name(name, lang)
    target = store.custom_dir / lang / f"{name}.wav"
    if not target.is_file():
        raise UPLOADED_PROMPT_NOT_FOUND({"name": name, "lang": lang})
    target.unlink()
    for old in (store.custom_dir / "originals" / lang).glob(f"{name}.*"):
        old.unlink()
