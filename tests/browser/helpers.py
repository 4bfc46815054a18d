"""Debian's Chromium driven by Playwright (a browser download does not work here), for the page tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

from tests.helpers import ARTIFACTS

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
ADMIN = ("admin", "admin-dev-password")


@contextmanager
def chromium_page(page_errors: list[str], failure_shot: str) -> Iterator[Page]:
    """A 1440×1000 page with a 10 s default timeout; JS errors go to ``page_errors``; if the block fails, a
    full-page screenshot ``test-artifacts/<failure_shot>`` is taken."""
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: run scripts/install-system-deps"
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 1000})
            page.set_default_timeout(10_000)
            page.on("pageerror", lambda e: page_errors.append(str(e)))
            try:
                yield page
            except Exception:
                page.screenshot(path=str(ARTIFACTS / failure_shot), full_page=True)
                raise
        finally:
            browser.close()
