"""The HTTP edge: out-of-range ids, days, moments, offsets and months get a 400 naming the field (never a 500);
what still overflows inside a service is a 400 too; the Host check (DNS rebinding) on requests and websocket
handshakes; forwarded headers believed from trusted proxies only."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from sqlalchemy import select

from callcenter.app import Stack, create_app
from callcenter.auth.models import AuditEntry
from callcenter.http_guard import host_name
from callcenter.settings import SettingsError, load_settings
from tests.helpers import Served, bearer, stack_settings

pytestmark = pytest.mark.db

ALL_ROLES = ("agent", "supervisor", "qc", "admin")


@dataclass
class Api:
    stack: Stack
    client: httpx.AsyncClient


@pytest.fixture
async def api(db_url: str, workdir: Path) -> AsyncIterator[Api]:
    stack = Stack(stack_settings(db_url, workdir / "data"), run_migrations=False)
    await stack.load_directory()
    app = create_app(stack.settings, stack=stack, manage_stack=False)
    headers = await bearer(stack, ALL_ROLES)
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t",
                                     headers=headers) as c:
            yield Api(stack, c)
    finally:
        await stack.pop.close()
        await stack.engine.dispose()


def _problem_fields(r: httpx.Response) -> list[str]:
    assert r.status_code == 400, (r.status_code, r.text)
    body = r.json()
    assert body["error"] == "invalid_input", body
    return [p["field"] for p in body["details"]["problems"]]


# each of these answered 500 before (found by hand and by the fuzz run, tests/fuzz/test_api_fuzz.py)
EDGE = [
    ("GET", "/api/calls/100000000000000000000", None, "call_id"),
    ("GET", "/api/calls?from=0001-01-01T00:00:00%2B01:00", None, "from"),
    ("GET", "/api/calls?to=9999-12-31T23:59:59-01:00", None, "to"),
    ("GET", "/api/calls?offset=100000000000000000000", None, "offset"),
    ("GET", "/api/recordings?date_to=9999-12-31", None, "date_to"),
    ("GET", "/api/recordings?date_from=0001-01-01", None, "date_from"),
    ("GET", "/api/recordings/100000000000000000000", None, "recording_id"),
    ("GET", "/api/customers?offset=100000000000000000000", None, "offset"),
    ("GET", "/api/service-records?offset=100000000000000000000", None, "offset"),
    ("GET", "/api/shifts/roster/mine?from=9999-12-31", None, "from"),
    ("GET", "/api/shifts/attendance/mine?to=0001-01-01", None, "to"),
    ("GET", "/api/shifts/attendance?day=9999-12-31", None, "day"),
    ("PUT", "/api/shifts/handovers/9999-12-31/1", {"equipment": "ok"}, "day"),
    ("POST", "/api/shifts/holidays", {"day": "9999-12-31", "name": "x"}, "day"),
    ("GET", "/api/seat/episodes?date_to=9999-12-31", None, "date_to"),
    ("GET", "/api/seat/episodes?date_from=0001-01-01", None, "date_from"),
    ("POST", "/api/seat/leave-requests/100000000000000000000/approve", {}, "request_id"),
    ("POST", "/api/seat/leave-requests/100000000000000000000/reject", {"note": "no"}, "request_id"),
    ("POST", "/api/seat/leave-requests/-1/cancel", None, "request_id"),
    ("GET", "/api/qc/reports/weekly?week_start=9999-12-31", None, "week_start"),
    ("GET", "/api/qc/reports/agents?month=0000-01", None, "month"),
    ("GET", "/api/qc/samples?offset=100000000000000000000", None, "offset"),
    ("POST", "/api/qc/draws", {"month": "0000-01"}, "month"),
    ("POST", "/api/qc/draws", {"month": "9999-12"}, "month"),
    ("GET", "/api/shifts/reports/violations?month=0000-01", None, "month"),
    ("GET", "/api/ivr/flows/100000000000000000000", None, "flow_id"),
    ("PUT", "/api/ivr/entry-points/100", {"flow_id": 100000000000000000000}, "flow_id"),
    ("POST", "/api/ivr/voicemails/100000000000000000000/handled", None, "vm_id"),
    ("PATCH", "/api/admin/users/100000000000000000000", {"display_name": "x"}, "user_id"),
    ("POST", "/api/agent/call", {"number": "1001", "customer_id": 100000000000000000000}, "customer_id"),
]


@pytest.mark.parametrize(("method", "url", "body", "field"), EDGE, ids=[f"{m} {u}" for m, u, _, _ in EDGE])
async def test_out_of_range_input_is_a_400_naming_the_field(api: Api, method: str, url: str, body: Any,
                                                            field: str) -> None:
    r = await api.client.request(method, url, json=body)
    assert field in _problem_fields(r), r.text
    assert field in r.json()["message"]


async def test_the_edges_of_the_ranges_are_accepted(api: Api) -> None:
    """The bounds are wide enough for every real date: the first and last day, a zone at the edge."""
    for url in ("/api/calls?from=1900-01-01T00:00:00%2B14:00&to=2999-12-31T23:59:59-12:00",
                "/api/recordings?date_from=1900-01-01&date_to=2999-12-31",
                "/api/seat/episodes?date_from=1900-01-01&date_to=2999-12-31",
                "/api/qc/reports/weekly?week_start=2999-12-25",
                "/api/customers?offset=2147483647",
                "/api/shifts/roster/mine?from=2999-12-01"):
        r = await api.client.get(url)
        assert r.status_code == 200, (url, r.text)
    assert (await api.client.get("/api/calls/2147483647")).status_code == 404
    r = await api.client.post("/api/qc/draws", json={"month": "1900-01"})  # a month long past: nobody to draw
    assert r.status_code == 201, r.text


async def test_overflow_inside_a_service_is_a_400_not_a_500(api: Api) -> None:
    """The safety net under the edge: date arithmetic leaving datetime's range, in any route, is the caller's
    bad value (400, saying so); any other ValueError stays a 500 (a bug)."""
    app = api.client._transport.app  # type: ignore[attr-defined]

    @app.get("/test/overflow")
    async def overflow() -> None:
        date(2999, 12, 31) + timedelta(days=3_000_000)  # past year 9999

    @app.get("/test/day")
    async def day() -> None:
        date(1, 1, 1).replace(year=10000)

    @app.get("/test/bug")
    async def bug() -> None:
        int("not a number")

    for url in ("/test/overflow", "/test/day"):
        r = await api.client.get(url)
        assert r.status_code == 400 and r.json()["error"] == "invalid_input", r.text
        assert "out of range" in r.json()["message"]
    with pytest.raises(ValueError, match="invalid literal"):
        await api.client.get("/test/bug")


@pytest.mark.parametrize("url", ["/api/calls?queue=a%00b", "/api/calls?agent=%00", "/api/customers?q=x%00",
                                 "/api/recordings?agent=%00", "/api/qc/samples?agent=%00",
                                 "/api/seat/episodes?username=%00", "/api/service-records?call=%00",
                                 "/api/shifts/attendance/records?username=%00"])
async def test_a_nul_character_in_a_query_is_a_400_naming_the_parameter(api: Api, url: str) -> None:
    """PostgreSQL refuses NUL in text (it was a 500 on every search field there); refused at the edge on both."""
    r = await api.client.get(url)
    assert _problem_fields(r) == [url.split("?")[1].split("=")[0]], r.text


async def test_a_nul_character_in_a_json_body_is_never_a_500(api: Api) -> None:
    """PostgreSQL refuses it (SQLSTATE 22021): a 400 saying the value does not fit; SQLite stores it."""
    r = await api.client.post("/api/customers", json={"name": "a\u0000b"})
    if api.stack.engine.dialect.name == "postgresql":
        assert r.status_code == 400 and r.json()["error"] == "invalid_input", r.text
        assert "0x00" in r.json()["message"]
    else:
        assert r.status_code == 201, r.text


# ---- Host header ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("header", "name"), [
    ("localhost:8080", "localhost"), ("Example.COM", "example.com"), ("[::1]:8080", "::1"), ("[::1]", "::1"),
    ("127.0.0.1:80", "127.0.0.1"), ("localhost.", "localhost"), ("::1", "::1"),
])
def test_host_name_of_a_host_header(header: str, name: str) -> None:
    assert host_name(header) == name


def test_allowed_hosts_default_to_the_loopback_names_and_the_listening_address() -> None:
    assert load_settings().http.hosts == ["localhost", "127.0.0.1", "::1"]
    assert load_settings(http={"host": "0.0.0.0"}).http.hosts == ["localhost", "127.0.0.1", "::1"]
    assert load_settings(http={"host": "10.1.2.3"}).http.hosts == ["localhost", "127.0.0.1", "::1", "10.1.2.3"]
    s = load_settings(http={"allowed_hosts": "cc.example.com, *.cc.example.com"})
    assert s.http.hosts == ["cc.example.com", "*.cc.example.com"]
    with pytest.raises(SettingsError, match="http.allowed_hosts"):
        load_settings(http={"allowed_hosts": ["https://cc.example.com/"]})


def test_allowed_hosts_and_trusted_proxies_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALLCENTER_HTTP__ALLOWED_HOSTS", "cc.example.com,localhost")
    monkeypatch.setenv("CALLCENTER_HTTP__TRUSTED_PROXIES", "10.0.0.5, 10.1.0.0/16")
    s = load_settings()
    assert s.http.hosts == ["cc.example.com", "localhost"]
    assert s.http.trusted_proxies == ["10.0.0.5", "10.1.0.0/16"]
    monkeypatch.setenv("CALLCENTER_HTTP__TRUSTED_PROXIES", "proxy.example")
    with pytest.raises(SettingsError, match="http.trusted_proxies"):
        load_settings()


async def _host_app(db_url: str, workdir: Path, **http: Any) -> tuple[Stack, Any]:
    stack = Stack(stack_settings(db_url, workdir / "data", http=http), run_migrations=False)
    await stack.load_directory()
    return stack, create_app(stack.settings, stack=stack, manage_stack=False)


async def test_a_request_with_another_host_is_refused(db_url: str, workdir: Path) -> None:
    """DNS rebinding: a page of evil.example whose name now points here reaches the API with Host evil.example."""
    stack, app = await _host_app(db_url, workdir, allowed_hosts=["cc.example.com", "*.branch.example"])
    headers = await bearer(stack, ("supervisor",))
    try:
        transport = httpx.ASGITransport(app=app)
        for base in ("http://evil.example", "http://evil.example:8080", "http://cc.example.com.evil.example",
                     "http://localhost"):
            async with httpx.AsyncClient(transport=transport, base_url=base, headers=headers) as c:
                r = await c.get("/api/calls")
            assert r.status_code == 400, (base, r.text)
            assert r.json()["error"] == "invalid_host" and "http.allowed_hosts" in r.json()["message"]
            assert base.removeprefix("http://") in r.json()["message"]
        for base in ("http://cc.example.com", "http://CC.example.com:8080", "http://a.branch.example"):
            async with httpx.AsyncClient(transport=transport, base_url=base, headers=headers) as c:
                r = await c.get("/api/calls")
            assert r.status_code == 200, (base, r.text)
    finally:
        await stack.pop.close()
        await stack.engine.dispose()


async def test_the_default_hosts_refuse_another_name(db_url: str, workdir: Path) -> None:
    """Settings as shipped (no allowed_hosts): the loopback names and their ports pass, another name does not."""
    stack = Stack(load_settings(paths={"data_dir": str(workdir / "data")}, db={"url": db_url}),
                  run_migrations=False)
    await stack.load_directory()
    app = create_app(stack.settings, stack=stack, manage_stack=False)
    try:
        transport = httpx.ASGITransport(app=app)
        for base, status in (("http://127.0.0.1:8080", 200), ("http://localhost:8080", 200), ("http://[::1]", 200),
                             ("http://testserver", 400), ("http://attacker.example:8080", 400)):
            async with httpx.AsyncClient(transport=transport, base_url=base) as c:
                r = await c.get("/api/health")
            assert (r.status_code == 400) == (status == 400), (base, r.status_code, r.text)
    finally:
        await stack.pop.close()
        await stack.engine.dispose()


async def _ws_handshake(app: Any, host: bytes, path: str = "/ws/agent") -> list[dict[str, Any]]:
    """What the app sends for one websocket handshake (the server's side of the ASGI exchange)."""
    sent: list[dict[str, Any]] = []
    incoming = [{"type": "websocket.connect"}]

    async def receive() -> dict[str, Any]:
        return incoming.pop(0) if incoming else {"type": "websocket.disconnect", "code": 1000}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "websocket", "asgi": {"version": "3.0"}, "http_version": "1.1", "scheme": "ws", "path": path,
             "raw_path": path.encode(), "root_path": "", "query_string": b"", "headers": [(b"host", host)],
             "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8080), "subprotocols": [],
             "extensions": {"websocket.http.response": {}}, "state": {}}
    await app(scope, receive, send)
    return sent


async def test_websocket_handshakes_with_another_host_are_refused(db_url: str, workdir: Path) -> None:
    stack, app = await _host_app(db_url, workdir, allowed_hosts=["localhost"])
    try:
        for path in ("/ws/agent", "/ws/board"):
            sent = await _ws_handshake(app, b"evil.example:8080", path)
            assert sent[0]["type"] == "websocket.http.response.start" and sent[0]["status"] == 400, sent
            assert b"invalid_host" in b"".join(m.get("body", b"") for m in sent[1:])
            # an allowed host reaches the endpoint (accepted, then closed: nobody is logged in)
            sent = await _ws_handshake(app, b"localhost:8080", path)
            assert [m["type"] for m in sent] == ["websocket.accept", "websocket.close"], sent
            assert sent[1]["code"] == 4401
    finally:
        await stack.pop.close()
        await stack.engine.dispose()


async def test_a_real_server_refuses_the_websocket_and_http_of_another_host(db_url: str, workdir: Path) -> None:
    """Through uvicorn as served: only "localhost" allowed, so the same server reached as 127.0.0.1 is refused."""
    stack, _ = await _host_app(db_url, workdir, allowed_hosts=["localhost"])
    try:
        async with Served(stack) as srv:
            with pytest.raises(websockets.InvalidStatus) as e:
                async with websockets.connect(f"{srv.ws_base}/ws/board"):
                    pass
            assert e.value.response.status_code == 400
            async with httpx.AsyncClient() as c:
                r = await c.get(f"{srv.base}/api/health")
                assert r.status_code == 400 and r.json()["error"] == "invalid_host"
                ok = await c.get(f"http://localhost:{srv.port}/api/health")
                assert ok.status_code != 400, ok.text
            async with websockets.connect(f"ws://localhost:{srv.port}/ws/board") as ws:
                with pytest.raises(websockets.ConnectionClosed) as closed:
                    await ws.recv()
                assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401
    finally:
        await stack.pop.close()
        await stack.engine.dispose()


# ---- forwarded headers ----------------------------------------------------------------------------------------
async def _login(c: httpx.AsyncClient, forwarded_for: str, password: str = "test-password-1") -> httpx.Response:
    return await c.post("/api/auth/login", json={"username": "bob", "password": password},
                        headers={"X-Forwarded-For": forwarded_for})


async def _login_clients(stack: Stack) -> list[Any]:
    async with stack.sessions() as s:
        rows = (await s.execute(select(AuditEntry).where(AuditEntry.action == "login"))).scalars().all()
    return [r.detail["client"] for r in rows]


@pytest.mark.parametrize("trusted", [[], ["10.0.0.0/8"]], ids=["no proxy trusted", "proxy trusted"])
async def test_forwarded_for_is_believed_only_from_a_trusted_proxy(db_url: str, workdir: Path,
                                                                  trusted: list[str]) -> None:
    """The login limiter and the audit see the client address: the peer's, unless the peer is a trusted proxy.
    Untrusted, a client cannot dodge the lock (or blame someone else) by making up X-Forwarded-For."""
    stack, app = await _host_app(db_url, workdir, trusted_proxies=trusted)
    await stack.auth.create_user("bob", "test-password-1", ["agent"])
    try:
        transport = httpx.ASGITransport(app=app, client=("10.0.0.9", 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            for _ in range(stack.settings.auth.login_max_failures):
                assert (await _login(c, "203.0.113.7", password="wrong-password")).status_code == 401
            assert (await _login(c, "203.0.113.7")).status_code == 429
            r = await _login(c, "198.51.100.4")  # the same peer claiming another client
            if trusted:
                assert r.status_code == 200, r.text
                assert await _login_clients(stack) == ["198.51.100.4"]
            else:
                assert r.status_code == 429, r.text
                assert await _login_clients(stack) == []
        # a peer outside the trusted networks is never believed
        outside = httpx.ASGITransport(app=app, client=("192.0.2.1", 40000))
        async with httpx.AsyncClient(transport=outside, base_url="http://testserver") as c:
            assert (await _login(c, "203.0.113.7")).status_code == 200
        assert (await _login_clients(stack))[-1] == "192.0.2.1"
    finally:
        await stack.pop.close()
        await stack.engine.dispose()


async def test_callcenter_up_serves_without_believing_forwarded_headers(db_url: str, workdir: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """uvicorn as `callcenter up` configures it: a local client's made-up X-Forwarded-For is not its address
    (uvicorn itself would believe it from 127.0.0.1, or from anyone with FORWARDED_ALLOW_IPS=*)."""
    import asyncio

    import uvicorn

    from callcenter.cli import uvicorn_config
    from tests.helpers import free_tcp_port, wait_for

    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "*")
    stack, app = await _host_app(db_url, workdir)
    await stack.auth.create_user("bob", "test-password-1", ["agent"])
    port = free_tcp_port()
    server = uvicorn.Server(uvicorn_config(app, stack.settings, host="127.0.0.1", port=port, lifespan="off",
                                           log_level="warning"))
    task = asyncio.create_task(server.serve())
    try:
        await wait_for(lambda: server.started, 10, "uvicorn to start")
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as c:
            assert (await _login(c, "203.0.113.7")).status_code == 200
        assert await _login_clients(stack) == ["127.0.0.1"]
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 10)
        await stack.pop.close()
        await stack.engine.dispose()
