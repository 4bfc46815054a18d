"""GET /api/calls filters and input errors, GET /api/calls/{id}, and /api/health when parts are down."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from callcenter.app import Stack, create_app
from tests.helpers import bearer, stack_settings

pytestmark = pytest.mark.db

T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


@pytest.fixture
async def api(db_url: str, workdir: Path) -> AsyncIterator[tuple[Stack, httpx.AsyncClient]]:
    stack = Stack(stack_settings(db_url, workdir / "data"), run_migrations=False)
    rows = [
        ("1.1", "support", "1001", "answered", T0),
        ("1.2", "support", "1002", "abandoned", T0 + timedelta(hours=1)),
        ("1.3", "sales", "1001", "answered", T0 + timedelta(days=1)),
        ("1.4", "sales", None, "failed", T0 + timedelta(days=2)),
    ]
    for uid, queue, agent, outcome, at in rows:
        await stack.calls_repo.upsert({
            "uniqueid": uid, "queue": queue, "agent_extension": agent, "outcome": outcome, "arrived_at": at,
            "ended_at": at + timedelta(minutes=3), "caller_number": "13800000000",
        })
    await stack.calls_repo.upsert({"uniqueid": "1.5", "queue": "support", "arrived_at": T0 + timedelta(days=3)})
    app = create_app(stack.settings, stack=stack, manage_stack=False)
    headers = await bearer(stack, ("supervisor",))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t",
                                 headers=headers) as client:
        yield stack, client
    await stack.engine.dispose()


def _uids(r: httpx.Response) -> list[str]:
    assert r.status_code == 200, r.text
    return [c["uniqueid"] for c in r.json()["items"]]


async def test_filters(api: tuple[Stack, httpx.AsyncClient]) -> None:
    _, c = api
    assert _uids(await c.get("/api/calls")) == ["1.5", "1.4", "1.3", "1.2", "1.1"]  # newest first
    assert _uids(await c.get("/api/calls", params={"queue": "sales"})) == ["1.4", "1.3"]
    assert _uids(await c.get("/api/calls", params={"agent": "1001"})) == ["1.3", "1.1"]
    assert _uids(await c.get("/api/calls", params={"outcome": "abandoned"})) == ["1.2"]
    r = await c.get("/api/calls", params={"from": "2026-11-20T08:30:00Z", "to": "2026-11-22T08:00:00+00:00"})
    assert _uids(r) == ["1.3", "1.2"]
    # a time without a zone is UTC; Beijing time is converted
    assert _uids(await c.get("/api/calls", params={"from": "2026-11-23T00:00:00"})) == ["1.5"]
    assert _uids(await c.get("/api/calls", params={"to": "2026-11-20T16:00:01+08:00"})) == ["1.1"]
    page = (await c.get("/api/calls", params={"limit": 2, "offset": 1})).json()
    assert page["total"] == 5 and [i["uniqueid"] for i in page["items"]] == ["1.4", "1.3"]
    items = (await c.get("/api/calls", params={"queue": "support"})).json()["items"]
    assert {i["uniqueid"]: i["in_progress"] for i in items} == {"1.5": True, "1.2": False, "1.1": False}


async def test_one_call_and_unknown_id(api: tuple[Stack, httpx.AsyncClient]) -> None:
    _, c = api
    first = (await c.get("/api/calls", params={"outcome": "failed"})).json()["items"][0]
    r = await c.get(f"/api/calls/{first['id']}")
    assert r.status_code == 200 and r.json() == first
    assert r.json()["arrived_at"] == "2026-11-22T08:00:00Z"
    r = await c.get("/api/calls/999999")
    assert r.status_code == 404 and r.json()["error"] == "not_found"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "yesterday"}, "from"),
        ({"outcome": "lost"}, "outcome"),
        ({"limit": "0"}, "limit"),
        ({"limit": "5000"}, "limit"),
        ({"offset": "-1"}, "offset"),
        ({"from": "2026-11-22T00:00:00Z", "to": "2026-11-21T00:00:00Z"}, "to"),
    ],
)
async def test_bad_input_is_400_naming_the_field(
    api: tuple[Stack, httpx.AsyncClient], params: dict[str, str], field: str
) -> None:
    _, c = api
    r = await c.get("/api/calls", params=params)
    assert r.status_code == 400, r.text
    body = r.json()
    assert body["error"] == "invalid_input"
    assert field in body["message"]
    r = await c.get("/api/calls/abc")
    assert r.status_code == 400 and "call_id" in r.json()["message"]


async def test_health_is_503_when_ami_and_fastagi_are_down(api: tuple[Stack, httpx.AsyncClient]) -> None:
    _, c = api  # the stack was never started: no AMI session, no FastAGI listener
    r = await c.get("/api/health")
    assert r.status_code == 503
    body = r.json()
    assert body["status"] == "degraded"
    assert body["ami"]["connected"] is False and body["fastagi"]["listening"] is False
    assert body["db"]["ok"] is True


async def test_health_reports_db_down(api: tuple[Stack, httpx.AsyncClient], workdir: Path) -> None:
    stack, c = api
    from callcenter.db import make_engine

    broken = make_engine("postgresql+asyncpg://nobody@127.0.0.1:1/nothing")
    real = stack.engine
    stack.engine = broken
    try:
        r = await c.get("/api/health")
    finally:
        stack.engine = real
        await broken.dispose()
    assert r.status_code == 503
    assert r.json()["db"]["ok"] is False and r.json()["db"]["error"]


async def test_calls_need_a_login_and_a_role(api: tuple[Stack, httpx.AsyncClient]) -> None:
    stack, c = api
    r = await c.get("/api/calls", headers={"Authorization": ""})
    assert r.status_code == 401 and r.json()["error"] == "unauthorized"
    r = await c.get("/api/calls", headers={"Authorization": "Bearer not-a-token"})
    assert r.status_code == 401
    agent = await bearer(stack, ("agent",))
    r = await c.get("/api/calls", headers=agent)
    assert r.status_code == 403 and "supervisor" in r.json()["message"]
    for role in ("qc", "admin"):
        assert (await c.get("/api/calls", headers=await bearer(stack, (role,)))).status_code == 200
