"""Where prompts live and how the engine names them to Asterisk.

A prompt name resolves, per language, to the centre's own recording
``<data_dir>/prompts/<lang>/<name>.wav`` (8 kHz mono 16-bit) if there is one, else to Asterisk's installed
sound ``<asterisk.data_dir>/sounds/<lang>/<name>.*``. The engine passes Asterisk an absolute path without
extension, so the language is chosen here, not by Asterisk's fallback rules.
"""

from __future__ import annotations

from pathlib import Path

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
