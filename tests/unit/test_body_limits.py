"""Request bodies are capped before they are read (413), per route: JSON routes at ``http.max_body_bytes``, the
prompt upload and the customer CSV import at their documented limits (20 MB, 5 MB). The size is checked first
(an oversized request gets 413 whoever sends it); on the upload routes the role is checked next, before any of
the body is read (401/403)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from callcenter.app import Stack, create_app
from callcenter.customers.importer import MAX_CSV_BYTES
from callcenter.ivr.prompts import MAX_UPLOAD_BYTES
from tests.helpers import bearer, stack_settings

pytestmark = pytest.mark.db
MiB = 1024 * 1024


@dataclass
class Env:
    stack: Stack
    client: httpx.AsyncClient
    admin: dict[str, str] = field(default_factory=dict)
    agent: dict[str, str] = field(default_factory=dict)


@pytest.fixture
async def env(db_url: str, workdir: Path) -> AsyncIterator[Env]:
    stack = Stack(stack_settings(db_url, workdir / "data"), run_migrations=False)
    try:
        await stack.load_directory()
        app = create_app(stack.settings, stack=stack, manage_stack=False)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as c:
            yield Env(stack, c, await bearer(stack, ("admin",)), await bearer(stack, ("agent",)))
    finally:
        await stack.engine.dispose()


class Body:
    """A streamed request body (no Content-Length) that counts how much of it the server pulled."""

    def __init__(self, total: int, chunk: int = 64 * 1024) -> None:
        self.total = total
        self.chunk = chunk
        self.pulled = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while self.pulled < self.total:
            n = min(self.chunk, self.total - self.pulled)
            self.pulled += n
            yield b" " * n


def _multipart(size: int, filename: str = "hello.wav") -> tuple[bytes, str]:
    boundary = "cc-test-boundary"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nhello\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"language\"\r\n\r\nen\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\n"
            "Content-Type: application/octet-stream\r\n\r\n").encode()
    return head + b"\0" * size + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def _is_413(r: httpx.Response) -> None:
    assert r.status_code == 413, r.text
    assert r.json()["error"] == "body_too_large"
    assert "at most" in r.json()["message"]


async def test_an_oversized_json_body_is_refused_with_413_before_the_role_check(env: Env) -> None:
    limit = env.stack.settings.http.max_body_bytes
    assert limit == MiB
    big = b'{"username": "' + b"a" * (limit + 10) + b'", "password": "x"}'
    # unauthenticated, and a route that needs no role: 413, not 400 from reading and parsing it all
    _is_413(await env.client.post("/api/auth/login", content=big, headers={"Content-Type": "application/json"}))
    # a route needing admin, called by nobody: the size is checked first
    _is_413(await env.client.post("/api/admin/users", content=big, headers={"Content-Type": "application/json"}))
    # under the limit it is the route's answer as before
    r = await env.client.post("/api/admin/users", json={"username": "x"})
    assert r.status_code == 401


async def test_a_streamed_body_without_content_length_is_cut_at_the_limit(env: Env) -> None:
    body = Body(8 * MiB)
    r = await env.client.post("/api/customers", content=body, headers={"Content-Type": "application/json", **env.admin})
    _is_413(r)
    # the server stopped reading shortly after the limit, not at the end
    assert body.pulled <= env.stack.settings.http.max_body_bytes + 2 * body.chunk


async def test_a_prompt_upload_over_its_documented_20_mb_is_413_and_within_it_reaches_the_route(env: Env) -> None:
    data, ctype = _multipart(MAX_UPLOAD_BYTES + MiB)
    for who in ({}, env.agent, env.admin):
        _is_413(await env.client.post("/api/ivr/prompts", content=data, headers={"Content-Type": ctype, **who}))
    # 2 MB, over the JSON limit but within the upload's: the route reads it (and refuses it: not audio)
    data, ctype = _multipart(2 * MiB)
    r = await env.client.post("/api/ivr/prompts", content=data, headers={"Content-Type": ctype, **env.admin})
    assert r.status_code == 400, r.text
    assert "not a readable wav" in r.json()["message"]


async def test_the_upload_routes_check_the_role_before_reading_the_body(env: Env) -> None:
    for path in ("/api/ivr/prompts", "/api/customers/import"):
        for who, status in (({}, 401), (env.agent, 403)):
            body = Body(3 * MiB)
            r = await env.client.post(path, content=body,
                                      headers={"Content-Type": "multipart/form-data; boundary=x", **who})
            assert r.status_code == status, r.text
            assert body.pulled == 0, f"{path}: {body.pulled} bytes read before the {status}"


async def test_a_customer_import_over_its_documented_5_mb_is_413(env: Env) -> None:
    data, ctype = _multipart(MAX_CSV_BYTES + MiB, "customers.csv")
    _is_413(await env.client.post("/api/customers/import", content=data, headers={"Content-Type": ctype, **env.admin}))
    # within the multipart allowance but over 5 MB of file: the route's own message, as documented
    data, ctype = _multipart(MAX_CSV_BYTES + 1, "customers.csv")
    r = await env.client.post("/api/customers/import", content=data, headers={"Content-Type": ctype, **env.admin})
    assert r.status_code == 400 and "5 MB" in r.json()["message"], r.text
