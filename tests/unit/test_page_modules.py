"""The pages' shape (agent_ui/README.md): each page loads one entry module, the header comes from core/header.js,
and every import between the modules points at a file that exists (a wrong path only fails in the browser)."""

from __future__ import annotations

import re
from pathlib import Path

STATIC = Path(__file__).resolve().parents[2] / "agent_ui" / "static"
JS = STATIC / "js"
PAGES = sorted(STATIC.glob("*.html"))


def test_every_page_loads_only_its_entry_module() -> None:
    assert PAGES
    for page in PAGES:
        scripts = re.findall(r"<script\b[^>]*>", page.read_text(encoding="utf-8"))
        assert scripts == [f'<script type="module" src="js/{page.stem}.js">'], (page.name, scripts)


def test_every_page_but_the_tv_renders_the_shared_header() -> None:
    for page in PAGES:
        if page.stem == "tv":  # the TV has its own big-screen head: no links, no controls
            continue
        assert '<header class="topbar">' not in page.read_text(encoding="utf-8"), page.name
        assert "renderHeader(" in (JS / f"{page.stem}.js").read_text(encoding="utf-8"), page.name


def test_every_import_between_the_modules_resolves() -> None:
    modules = sorted(JS.glob("**/*.js"))
    assert modules
    for module in modules:
        text = module.read_text(encoding="utf-8")
        for target in re.findall(r'^import (?:[^;]*? from )?"([^"]+)";', text, re.M | re.S):
            assert target.startswith("."), (module.name, target)  # no bare specifiers: there is no bundler
            assert (module.parent / target).resolve().is_file(), (str(module.relative_to(JS)), target)
