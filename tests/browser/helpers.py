"""Debian's Chromium driven by Playwright (a browser download does not work here), for the page tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect, sync_playwright

from tests.helpers import ARTIFACTS, pg_url

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
ADMIN = ("admin", "admin-dev-password")


# A page test costs a `callcenter up`, a real Asterisk and a Chromium (30-50 s). Where what it checks is the page,
# the socket pushes and Asterisk, and the database only stores what the unit tier already checks on both databases,
# it runs on one: PostgreSQL when the run has one (CALLCENTER_TEST_DATABASE_URL; slower answers there are what showed
# the pages' races so far, ce4ae4e and 68cf35d), SQLite otherwise. Each such test's module docstring says why.
# A page test that caught a bug on one database only runs on both (test_qc.py).
ONE_DATABASE = "postgresql" if pg_url() else "sqlite"
on_one_database = pytest.mark.parametrize("db_url", [ONE_DATABASE], indirect=True)


# Playwright's default for expect() is 5 s; the suite runs in parallel (pytest-xdist) next to Asterisks and other
# browsers, where a page's first websocket or fetch can take longer than that on a busy machine. Assertions whose
# timing is the point (a banner at a threshold) pass their own timeout.
DEFAULT_TIMEOUT_MS = 10_000


@contextmanager
def chromium_page(page_errors: list[str], failure_shot: str) -> Iterator[Page]:
    """A 1440×1000 page with a 10 s default timeout (actions and expect()); JS errors go to ``page_errors``; if the
    block fails, a full-page screenshot ``test-artifacts/<failure_shot>`` is taken."""
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: run scripts/install-system-deps"
    expect.set_options(timeout=DEFAULT_TIMEOUT_MS)
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 1000})
            page.set_default_timeout(DEFAULT_TIMEOUT_MS)
            page.on("pageerror", lambda e: page_errors.append(str(e)))
            try:
                yield page
            except Exception:
                page.screenshot(path=str(ARTIFACTS / failure_shot), full_page=True)
                raise
        finally:
            browser.close()


# over HTTP against the running service (setting up what a page test needs) ------------------------------------
def api_as(base: str, user: tuple[str, str]) -> httpx.Client:
    """A client logged in as ``user`` (username, password) with a bearer token."""
    r = httpx.post(f"{base}/api/auth/login", json={"username": user[0], "password": user[1]}, timeout=10)
    assert r.status_code == 200, r.text
    return httpx.Client(base_url=base, headers={"Authorization": f"Bearer {r.json()['token']}"}, timeout=10)


def ok(r: httpx.Response) -> Any:
    """The answer's JSON (None when empty), after checking it succeeded."""
    assert r.status_code in (200, 201, 204), r.text
    return r.json() if r.content else None


def add_user(admin: httpx.Client, user: tuple[str, str], display_name: str, roles: list[str],
             skills: dict[str, str] | None = None) -> dict[str, Any]:
    """As an admin: a new user, with queue skills ({queue: level}) for an agent."""
    made: dict[str, Any] = ok(admin.post("/api/admin/users", json={
        "username": user[0], "password": user[1], "display_name": display_name, "roles": roles}))
    if skills:
        ok(admin.put(f"/api/admin/users/{made['id']}/skills",
                     json={"skills": [{"queue": q, "level": level} for q, level in skills.items()]}))
    return made


def route_all_calls_to(admin: httpx.Client, queue: str, label: str = "") -> None:
    """As an admin: publish a flow sending every dialled number straight to ``queue`` (a node labelled ``label``)."""
    flow = ok(admin.post("/api/ivr/flows", json={"name": "direct", "draft": {"start": "q", "language": "en", "nodes": {
        "q": {"kind": "queue", "queue": queue, "max_wait_seconds": 120, "label": label}}}}))
    ok(admin.post(f"/api/ivr/flows/{flow['id']}/publish", json={}))
    ok(admin.put("/api/ivr/entry-points/*", json={"flow_id": flow["id"]}))


def sign_in(page: Page, base: str, user: tuple[str, str], link: str | None = None) -> None:
    """Log in on the home page in English, then (if given) follow the home page's link ``link``."""
    page.goto(f"{base}/ui/index.html")
    page.get_by_test_id("lang-switch").select_option("en")
    page.get_by_test_id("login-username").fill(user[0])
    page.get_by_test_id("login-password").fill(user[1])
    page.get_by_test_id("login-submit").click()
    if link:
        page.get_by_test_id(link).click()
