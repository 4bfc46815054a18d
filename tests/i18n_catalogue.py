"""The pages' texts: the i18n catalogues agent_ui/static/js/i18n/*.js, each registering zh-CN then English."""

from __future__ import annotations

import re
from pathlib import Path

CATALOGUES = Path(__file__).resolve().parents[1] / "agent_ui" / "static" / "js" / "i18n"


def i18n_keys() -> dict[str, set[str]]:
    """Every key of every catalogue, per language."""
    keys: dict[str, set[str]] = {"zh-CN": set(), "en": set()}
    files = sorted(CATALOGUES.glob("*.js"))
    assert files, CATALOGUES
    for f in files:
        zh, en = f.read_text(encoding="utf-8").split('\n  "en": {', 1)
        keys["zh-CN"] |= set(re.findall(r'^\s+"([a-z_.]+)":', zh, re.M))
        keys["en"] |= set(re.findall(r'^\s+"([a-z_.]+)":', en, re.M))
    return keys


def page_files(name: str) -> list[Path]:
    """The files of a page (or of a shared part, e.g. "wallboard") that use texts: <name>.html, js/<name>.js and
    its panel modules js/<name>/*.js, whichever exist."""
    static = CATALOGUES.parents[1]
    files = [static / f"{name}.html", static / "js" / f"{name}.js", *sorted((static / "js" / name).glob("**/*.js"))]
    found = [f for f in files if f.is_file()]
    assert found, name
    return found
