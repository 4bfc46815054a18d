"""Notices (issue 16, "3."; callcenter/notices/) through the API on the fake clock, on both databases: the audiences
(everyone, a queue, a shift, named agents) reach exactly their agents, an agent's list has the unread ones first,
acknowledging is once, the lead sees who has not read, validity ends on the clock, withdrawal with a reason, the file's
limits and checksum, the roles (an agent cannot publish; a department head can), bad input answered 4xx naming the
field, the live push on /ws/agent, the shift handover listing the notices since the previous one, the audit rows, and
the migration going down and up."""

from __future__ import annotations

import asyncio
import hashlib
import json
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from sqlalchemy import select

from callcenter.app import Stack, create_app
from callcenter.auth.models import AuditEntry
from callcenter.auth.service import token_hash
from callcenter.clock import FakeClock
from tests.helpers import Served, stack_settings
from tests.unit.wired import FakeAmi

pytestmark = pytest.mark.db

T0 = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
USERS = {"boss": ("admin",), "lead": ("supervisor",), "qc1": ("qc",), "a1": ("agent",), "a2": ("agent",),
         "a3": ("agent",), "a4": ("agent",), "head1": ("agent",), "lead_agent": ("supervisor", "agent")}
AGENTS = {"a1", "a2", "a3", "a4", "head1", "lead_agent"}  # the users with the agent role
URL = "/api/notices"


@dataclass
class Env:
    stack: Stack
    client: httpx.AsyncClient
    clock: FakeClock
    h: dict[str, dict[str, str]]
    tokens: dict[str, str]
    dept: int = 0
    dept2: int = 0
    night: int = 0
    day: int = 0

    async def req(self, who: str, method: str, url: str, **kw: Any) -> httpx.Response:
        return await self.client.request(method, url, headers=self.h[who], **kw)

    async def ok(self, who: str, method: str, url: str, status: int = 200, **kw: Any) -> Any:
        r = await self.req(who, method, url, **kw)
        assert r.status_code == status, r.text
        return r.json()

    async def refused(self, who: str, method: str, url: str, status: int, code: str, **kw: Any) -> Any:
        r = await self.req(who, method, url, **kw)
        assert r.status_code == status, r.text
        body = r.json()
        assert body["code"] == code and body["messages"]["en"] and body["messages"]["zh-CN"], body
        return body

    async def publish(self, who: str = "lead", title: str = "Notice", text: str = "Read me", status: int = 201,
                      **audience: Any) -> Any:
        more = {k: audience.pop(k) for k in ("valid_until", "file_id", "department_id") if k in audience}
        return await self.ok(who, "POST", URL, status, json={"title": title, "text": text, "audience": audience,
                                                              **more})

    async def titles(self, who: str, path: str = "/mine") -> list[str]:
        return [n["title"] for n in (await self.ok(who, "GET", URL + path))["items"]]

    async def audit(self, action: str) -> list[tuple[str, str, Any]]:
        async with self.stack.sessions() as s:
            rows = (await s.execute(select(AuditEntry).where(AuditEntry.action == action)
                                    .order_by(AuditEntry.id))).scalars()
            return [(r.username, r.target, r.detail) for r in rows]


async def _user(stack: Stack, name: str, roles: tuple[str, ...]) -> tuple[int, str]:
    u = await stack.auth.repo.add_user(username=name, display_name=name.upper(), password_hash="-",
                                       roles=list(roles), active=True, created_at=T0 - timedelta(days=1))
    token = f"token-{name}-{secrets.token_hex(8)}"
    await stack.auth.repo.add_session(token_hash(token), u.id, T0 - timedelta(days=1), T0 + timedelta(days=60))
    return u.id, token


@pytest.fixture
async def env(db_url: str, workdir: Path) -> AsyncIterator[Env]:
    clock = FakeClock(T0)
    stack = Stack(stack_settings(db_url, workdir / "data", recording={"enabled": False},
                                 notices={"file_max_bytes": 4096}),
                  clock=clock, run_migrations=False, ami=FakeAmi())  # type: ignore[arg-type]
    await stack.load_directory()
    app = create_app(stack.settings, stack=stack, manage_stack=False)
    ids, tokens = {}, {}
    for name, roles in USERS.items():
        ids[name], tokens[name] = await _user(stack, name, roles)
    # queues: a1 takes complaints, a2 support, a3 both; a4 none
    for user, queue in (("a1", "complaints"), ("a2", "support"), ("a3", "complaints"), ("a3", "support")):
        await stack.directory_repo.set_skill(ids[user], queue, "junior")
    headers = {n: {"Authorization": f"Bearer {t}"} for n, t in tokens.items()}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        e = Env(stack, client, clock, headers, tokens)
        e.dept = (await e.ok("lead", "POST", "/api/departments", 201,
                             json={"name": "After-sales", "head": "head1"}))["id"]
        e.dept2 = (await e.ok("lead", "POST", "/api/departments", 201, json={"name": "Marketing"}))["id"]
        e.night = (await e.ok("boss", "POST", "/api/shifts/templates", 201,
                              json={"name": "night", "start": "20:00", "end": "08:00"}))["id"]
        e.day = (await e.ok("boss", "POST", "/api/shifts/templates", 201,
                            json={"name": "day", "start": "08:00", "end": "20:00"}))["id"]
        # a4 works tonight's night shift (2 December 20:00 local = 12:00 UTC)
        await e.ok("lead", "POST", "/api/shifts/roster", 201,
                   json={"day": "2026-12-02", "template_id": e.night, "username": "a4"})
        yield e
        await stack.pop.close()


async def test_each_audience_reaches_its_agents_only(env: Env) -> None:
    q = await env.publish(title="complaints queue", queues=["complaints"])
    assert q["recipients"] == 2 and q["read"] == 0 and q["state"] == "active"
    assert q["audience"] == {"everyone": False, "queues": ["complaints"], "shifts": [], "agents": []}
    await env.publish(title="named", agents=["a2", "a4"])
    await env.publish(title="night shift", shifts=[env.night], valid_until=(T0 + timedelta(days=3)).isoformat())
    every = await env.publish(title="everyone", everyone=True)
    assert every["recipients"] == len(AGENTS)  # every active agent; the supervisor, admin and qc without it: no
    assert await env.titles("a1") == ["everyone", "complaints queue"]
    assert await env.titles("a2") == ["everyone", "named"]
    assert await env.titles("a3") == ["everyone", "complaints queue"]
    assert await env.titles("a4") == ["everyone", "night shift", "named"]
    assert await env.titles("qc1") == []
    # a notice to a shift nobody works while it holds reaches nobody: refused, naming the audience
    body = await env.refused("lead", "POST", URL, 400, "notices.no_recipients", json={
        "title": "x", "text": "y", "audience": {"shifts": [env.day]},
        "valid_until": (T0 + timedelta(hours=2)).isoformat()})
    assert body["details"]["field"] == "audience"
    # a notice not addressed to an agent is not found for them
    await env.refused("a2", "GET", f"{URL}/{q['id']}", 404, "notices.not_found")
    seen = await env.ok("a1", "GET", f"{URL}/{q['id']}")
    assert seen["addressed_to_me"] and seen["recipients"] is None and seen["audience"]["agents"] == []


async def test_unread_first_acknowledged_once_and_the_lead_sees_who_has_not_read(env: Env) -> None:
    first = await env.publish(title="first", everyone=True)
    env.clock.advance(60)
    await env.publish(title="second", everyone=True)
    env.clock.advance(60)
    await env.publish(title="third", everyone=True)
    assert await env.titles("a1", "/unread") == ["third", "second", "first"]
    env.clock.advance(60)
    ack = await env.ok("a1", "POST", f"{URL}/{first['id']}/acknowledge")
    assert ack["new"] is True and ack["acknowledged_at"].startswith("2026-12-01T01:03:00")
    env.clock.advance(60)
    again = await env.ok("a1", "POST", f"{URL}/{first['id']}/acknowledge")  # a no-op: the first time stays
    assert again["new"] is False and again["acknowledged_at"] == ack["acknowledged_at"]
    assert await env.titles("a1", "/unread") == ["third", "second"]
    mine = (await env.ok("a1", "GET", URL))["items"]  # an agent's list: unread first, then the read ones
    assert [(n["title"], n["acknowledged_at"] is not None) for n in mine] == [
        ("third", False), ("second", False), ("first", True)]
    readers = await env.ok("lead", "GET", f"{URL}/{first['id']}/readers")
    assert readers["recipients"] == len(AGENTS) and readers["read"] == 1
    assert [r["username"] for r in readers["read_by"]] == ["a1"]
    assert {r["username"] for r in readers["unread"]} == AGENTS - {"a1"}
    assert readers["unread"][0]["display_name"] == readers["unread"][0]["username"].upper()
    listed = await env.ok("lead", "GET", URL)
    assert listed["managed"] and [(n["title"], n["read"]) for n in listed["items"]] == [
        ("third", 0), ("second", 0), ("first", 1)]
    assert await env.audit("notices.acknowledge") == [("a1", f"notice:{first['id']}", {"title": "first"})]
    # only its agents acknowledge it; the lead reads who has not, an agent may not
    await env.refused("lead", "POST", f"{URL}/{first['id']}/acknowledge", 403, "notices.not_a_recipient")
    await env.refused("a2", "GET", f"{URL}/{first['id']}/readers", 403, "notices.needs_role")
    # a user who is both lead and agent gets the lead's list and their own unread ones
    assert (await env.ok("lead_agent", "GET", URL))["managed"] is True
    assert await env.titles("lead_agent", "/unread") == ["third", "second", "first"]


async def test_validity_ends_on_the_clock(env: Env) -> None:
    n = await env.publish(title="today only", everyone=True, valid_until=(T0 + timedelta(hours=1)).isoformat())
    # a time without an offset is the centre's (Shanghai, +08:00)
    local = await env.publish(title="local", agents=["a2"], valid_until="2026-12-01T12:00:00")
    assert local["valid_until"].startswith("2026-12-01T04:00:00")
    assert await env.titles("a1", "/unread") == ["today only"]
    env.clock.advance(3599)
    assert await env.titles("a1", "/unread") == ["today only"]
    env.clock.advance(1)
    assert await env.titles("a1", "/unread") == [] and await env.titles("a1") == []
    await env.refused("a1", "POST", f"{URL}/{n['id']}/acknowledge", 409, "notices.not_active")
    expired = await env.ok("lead", "GET", URL, params={"state": "expired"})
    assert [x["title"] for x in expired["items"]] == ["today only"] and expired["items"][0]["state"] == "expired"
    assert [x["title"] for x in (await env.ok("lead", "GET", URL, params={"state": "active"}))["items"]] == ["local"]
    body = await env.refused("lead", "POST", URL, 400, "notices.valid_until_past", json={
        "title": "x", "text": "y", "audience": {"everyone": True}, "valid_until": T0.isoformat()})
    assert body["details"]["field"] == "valid_until"


async def test_withdrawal_needs_a_reason_and_takes_it_off_the_agents_lists(env: Env) -> None:
    n = await env.publish(title="wrong", queues=["support"])
    assert await env.titles("a2") == ["wrong"]
    r = await env.req("lead", "POST", f"{URL}/{n['id']}/withdraw", json={})
    assert r.status_code == 400 and "reason" in r.text
    await env.refused("lead", "POST", f"{URL}/{n['id']}/withdraw", 400, "notices.reason_needed", json={"reason": " "})
    await env.refused("a2", "POST", f"{URL}/{n['id']}/withdraw", 403, "notices.needs_role", json={"reason": "x"})
    env.clock.advance(30)
    w = await env.ok("lead", "POST", f"{URL}/{n['id']}/withdraw", json={"reason": "sent by mistake"})
    assert w["state"] == "withdrawn" and w["withdrawn_by"] == "lead" and w["withdraw_reason"] == "sent by mistake"
    assert await env.titles("a2") == [] and await env.titles("a2", "/unread") == []
    await env.refused("lead", "POST", f"{URL}/{n['id']}/withdraw", 409, "notices.already_withdrawn",
                      json={"reason": "again"})
    await env.refused("a2", "POST", f"{URL}/{n['id']}/acknowledge", 409, "notices.not_active")
    assert (await env.ok("a2", "GET", f"{URL}/{n['id']}"))["state"] == "withdrawn"  # still readable as such
    assert await env.audit("notices.withdraw") == [("lead", f"notice:{n['id']}",
                                                   {"reason": "sent by mistake", "title": "wrong"})]
    published = await env.audit("notices.publish")
    assert published[0][:2] == ("lead", f"notice:{n['id']}") and published[0][2]["recipients"] == 2
    assert published[0][2]["audience"] == {"everyone": False, "queues": ["support"], "shifts": [], "agents": []}


async def test_who_may_publish(env: Env) -> None:
    for who in ("a1", "qc1"):
        body = await env.refused(who, "POST", URL, 403, "notices.needs_role",
                                 json={"title": "x", "text": "y", "audience": {"everyone": True}})
        assert body["details"]["needed"] == ["admin", "supervisor"]
        await env.refused(who, "GET", f"{URL}/audience", 403, "notices.needs_role")
    assert (await env.ok("a1", "GET", URL))["managed"] is False
    # the head of a department (here an agent by role) publishes for their department
    n = await env.publish("head1", title="after-sales rule", queues=["complaints"])
    assert n["department_id"] == env.dept and n["published_by"] == "head1"
    await env.refused("head1", "POST", URL, 403, "notices.not_department_head", json={
        "title": "x", "text": "y", "audience": {"everyone": True}, "department_id": env.dept2})
    # they manage their department's notices, not the others'
    other = await env.publish("lead", title="lead's", everyone=True)
    assert [x["title"] for x in (await env.ok("head1", "GET", URL))["items"]] == ["after-sales rule"]
    await env.refused("head1", "GET", f"{URL}/{other['id']}/readers", 404, "notices.not_found")
    assert (await env.ok("head1", "GET", f"{URL}/{n['id']}/readers"))["recipients"] == 2
    opts = await env.ok("head1", "GET", f"{URL}/audience")
    assert opts["departments"] == [{"id": env.dept, "name": "After-sales"}] and opts["any_department"] is False
    assert {"complaints", "support"} <= set(opts["queues"])
    assert {"id": env.night, "name": "night"} in opts["shifts"]
    assert {a["username"] for a in opts["agents"]} == AGENTS
    await env.ok("boss", "POST", f"{URL}/{n['id']}/withdraw", json={"reason": "superseded"})


async def test_bad_input_names_the_field(env: Env) -> None:
    base = {"title": "t", "text": "x"}
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"audience": {}}, "notices.audience_empty", "audience"),
        ({"audience": {"queues": ["nope"]}}, "notices.unknown_queues", "audience.queues"),
        ({"audience": {"shifts": [9999]}}, "notices.unknown_shifts", "audience.shifts"),
        ({"audience": {"agents": ["ghost", "lead"]}}, "notices.unknown_agents", "audience.agents"),
        ({"audience": {"everyone": True}, "file_id": 77}, "notices.no_such_file", "file_id"),
        ({"audience": {"everyone": True}, "department_id": 999}, "notices.department_not_found", "department_id"),
    ]
    for extra, code, field in cases:
        body = await env.refused("lead", "POST", URL, 400, code, json={**base, **extra})
        assert body["details"]["field"] == field, body
    body = await env.refused("lead", "POST", URL, 400, "notices.text_empty",
                             json={"title": "  ", "text": "x", "audience": {"everyone": True}})
    assert body["details"]["field"] == "title"
    for bad in ({"title": "t", "audience": {"everyone": True}}, {**base, "audience": {"everyone": "maybe"}},
                {**base, "audience": {"shifts": [0]}}, {**base, "audience": {"everyone": True}, "valid_until": "soon"},
                {**base, "audience": {"everyone": True}, "extra": 1}):
        r = await env.req("lead", "POST", URL, json=bad)
        assert r.status_code == 400, (bad, r.text)
    for path in ("/0", "/abc", "/99999999999", "/5/acknowledge", "/5/file"):
        r = await env.req("a1", "GET" if "ack" not in path else "POST", URL + path)
        assert r.status_code in (400, 404), (path, r.text)
    assert await env.audit("notices.publish") == []


async def test_the_file_is_kept_unchanged_with_its_checksum_and_limits(env: Env) -> None:
    data = b"%PDF-1.4 \x00\x01 notice \xff" * 20
    f = await env.ok("lead", "POST", f"{URL}/files", 201, files={"file": ("../通告 2026.pdf", data, "text/html")})
    assert f["sha256"] == hashlib.sha256(data).hexdigest() and f["size"] == len(data) and f["name"] == "通告 2026.pdf"
    n = await env.publish(title="with file", agents=["a1"], file_id=f["id"])
    assert n["file"]["sha256"] == f["sha256"]
    r = await env.req("a1", "GET", f"{URL}/{n['id']}/file")
    assert r.status_code == 200 and r.content == data
    assert r.headers["content-type"] == "application/octet-stream"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["content-disposition"].startswith("attachment")
    await env.refused("a2", "GET", f"{URL}/{n['id']}/file", 404, "notices.not_found")  # not addressed to a2
    plain = await env.publish(title="no file", agents=["a1"])
    await env.refused("a1", "GET", f"{URL}/{plain['id']}/file", 404, "notices.file_not_found")
    await env.refused("lead", "POST", f"{URL}/files", 400, "notices.file_type",
                      files={"file": ("page.html", b"<script>alert(1)</script>", "text/html")})
    await env.refused("lead", "POST", f"{URL}/files", 400, "notices.file_type",
                      files={"file": ("noext", b"abc", "application/octet-stream")})
    await env.refused("lead", "POST", f"{URL}/files", 400, "notices.file_too_large",
                      files={"file": ("big.pdf", b"x" * 4097, "application/pdf")})
    await env.refused("lead", "POST", f"{URL}/files", 400, "notices.file_empty",
                      files={"file": ("empty.pdf", b"", "application/pdf")})
    await env.refused("a1", "POST", f"{URL}/files", 403, "notices.needs_role",
                      files={"file": ("x.pdf", b"abc", "application/pdf")})
    r = await env.req("lead", "POST", f"{URL}/files", files={"file": ("big.pdf", b"x" * 200_000, "application/pdf")})
    assert r.status_code == 413, r.text  # over the route's body limit: refused before it is read
    stored = list((env.stack.settings.data_dir / "notices").iterdir())
    assert [p.name for p in stored] == [str(f["id"])] and stored[0].read_bytes() == data
    uploads = await env.audit("notices.file_upload")
    assert uploads == [("lead", f"notice_file:{f['id']}", {"name": "通告 2026.pdf", "size": len(data),
                                                            "sha256": f["sha256"]})]


async def test_a_connected_agent_gets_the_notice_pushed_live(env: Env) -> None:
    async def next_of(ws: Any, kind: str) -> dict[str, Any]:
        while True:
            m = json.loads(await asyncio.wait_for(ws.recv(), 5))
            if m["type"] == kind:
                return m  # type: ignore[no-any-return]

    async with Served(env.stack) as srv:
        def connect(who: str) -> Any:
            return websockets.connect(f"{srv.ws_base}/ws/agent",
                                      additional_headers={"Authorization": f"Bearer {env.tokens[who]}"})

        async with connect("a1") as ws1, connect("a2") as ws2:
            assert json.loads(await asyncio.wait_for(ws1.recv(), 5))["type"] == "hello"
            assert json.loads(await asyncio.wait_for(ws2.recv(), 5))["type"] == "hello"
            n = await env.publish(title="live", text="<b>not html</b>", queues=["complaints"])
            m = await next_of(ws1, "notice_published")
            assert m["notice"]["id"] == n["id"] and m["notice"]["text"] == "<b>not html</b>"
            assert m["notice"]["addressed_to_me"] is True and m["notice"]["recipients"] is None
            other = await env.publish(title="for a2", agents=["a2"])
            m2 = await next_of(ws2, "notice_published")  # a2 was not told of the complaints queue's notice
            assert m2["notice"]["id"] == other["id"]
            await env.ok("lead", "POST", f"{URL}/{n['id']}/withdraw", json={"reason": "outdated"})
            w = await next_of(ws1, "notice_withdrawn")
            assert w["notice_id"] == n["id"] and w["by"] == "lead" and w["reason"] == "outdated"
            await ws2.send("ping")
            assert json.loads(await asyncio.wait_for(ws2.recv(), 5))["type"] == "pong"  # nothing else queued


async def test_the_handover_lists_the_notices_since_the_previous_one(env: Env) -> None:
    n1 = await env.publish(title="before the first handover", everyone=True)
    env.clock.advance(600)
    h1 = await env.ok("lead", "PUT", f"/api/shifts/handovers/2026-11-30/{env.night}", json={"equipment": "ok"})
    assert [n["title"] for n in h1["published_notices"]] == ["before the first handover"]
    env.clock.advance(600)
    await env.publish(title="for a2 only", agents=["a2"])
    env.clock.advance(600)
    n3 = await env.publish(title="for all", everyone=True)
    env.clock.advance(600)
    h2 = await env.ok("lead", "PUT", f"/api/shifts/handovers/2026-12-01/{env.day}", json={"staffing": "full"})
    assert [n["title"] for n in h2["published_notices"]] == ["for a2 only", "for all"]
    env.clock.advance(60)
    await env.publish(title="after the handover", everyone=True)  # belongs to the next handover
    # an incoming agent reads the latest handover read-only: the notices to them of its span
    latest = await env.ok("a1", "GET", "/api/shifts/handovers/latest")
    assert [(n["title"], n["state"], n["acknowledged_at"]) for n in latest["published_notices"]] == [
        ("for all", "active", None)]
    ours = await env.ok("a1", "GET", f"{URL}/handover")
    assert ours["handover"]["id"] == h2["id"] and ours["handover"]["since"].startswith("2026-12-01T01:10:00")
    assert [(n["id"], n["text"]) for n in ours["items"]] == [(n3["id"], "Read me")]
    await env.ok("a1", "POST", f"{URL}/{n3['id']}/acknowledge")
    latest = await env.ok("a1", "GET", "/api/shifts/handovers/latest")
    assert latest["published_notices"][0]["acknowledged_at"] is not None
    lead = await env.ok("lead", "GET", f"{URL}/handover")
    assert [(n["title"], n["read"]) for n in lead["items"]] == [("for a2 only", 0), ("for all", 1)]
    log = await env.ok("lead", "GET", "/api/shifts/handovers", params={"from": "2026-11-29", "to": "2026-12-01"})
    assert {h["id"]: [n["id"] for n in h["published_notices"]] for h in log}[h1["id"]] == [n1["id"]]
    first = await env.ok("lead", "GET", f"{URL}/handover/{h1['id']}")
    assert first["handover"]["since"] is None and [n["id"] for n in first["items"]] == [n1["id"]]
    await env.refused("a1", "GET", f"{URL}/handover/{h1['id']}", 403, "notices.needs_role")
    await env.refused("lead", "GET", f"{URL}/handover/99999", 404, "notices.handover_not_found")


async def test_no_handover_yet(env: Env) -> None:
    assert await env.ok("a1", "GET", f"{URL}/handover") == {"handover": None, "items": []}


async def test_the_migration_goes_down_and_up(workdir: Path) -> None:
    from alembic import command
    from sqlalchemy import inspect

    from callcenter.db import make_engine
    from callcenter.migrate import alembic_config, upgrade
    from callcenter.notices.models import Notice

    url = f"sqlite+aiosqlite:///{workdir / 'm.db'}"
    await asyncio.to_thread(upgrade, url)
    engine = make_engine(url)

    async def shape() -> tuple[set[str], set[str]] | None:
        async with engine.connect() as c:
            def read(sync: Any) -> tuple[set[str], set[str]] | None:
                i = inspect(sync)
                names = set(i.get_table_names())
                if "notices" not in names:
                    assert not {n for n in names if n.startswith("notice")}, names
                    return None
                return {col["name"] for col in i.get_columns("notices")}, {n for n in names if n.startswith("notice")}
            return await c.run_sync(read)

    got = await shape()
    assert got is not None
    assert got[0] == {c.name for c in Notice.__table__.columns}
    assert got[1] == {"notices", "notice_files", "notice_recipients", "notice_acks"}
    await asyncio.to_thread(command.downgrade, alembic_config(url), "0023_knowledge")
    assert await shape() is None
    await asyncio.to_thread(upgrade, url)
    assert await shape() == got
    await engine.dispose()
