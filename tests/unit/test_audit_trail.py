"""The audit trail, readable (issue 17 part 6; callcenter/audit/, docs/audit.md) through the HTTP API on a wired
stack (fake AMI, fake clock), on both databases: the search by person, customer, recording, any target, action
(exactly or by prefix) and the centre's days, newest first, page by page with a cursor; the export as CSV,
streamed; a customer's views (who opened the record and who was refused, from the real customer routes); who may
read it (admins, and the roles of ``audit.readers``); reading it is audited itself; bad input is a 400 naming
the field."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import delete, select

from callcenter.app import Stack, create_app
from callcenter.auth.actor import Actor
from callcenter.auth.models import AuditEntry
from callcenter.clock import FakeClock
from tests.helpers import bearer
from tests.unit.wired import close_wired, wired_stack

pytestmark = pytest.mark.db
T0 = datetime(2026, 12, 4, 2, 0, tzinfo=UTC)  # 10:00 in the centre (Asia/Shanghai)
HOSTILE = "<img src=x onerror=alert(1)>"


@dataclass
class Env:
    stack: Stack
    clock: FakeClock
    client: httpx.AsyncClient
    h: dict[str, dict[str, str]]

    async def req(self, who: str, url: str, status: int, **params: Any) -> Any:
        r = await self.client.get(url, params=params, headers=self.h[who])
        assert r.status_code == status, r.text
        if r.headers["content-type"].startswith("text/csv"):
            return r
        body = r.json()
        if status >= 400:
            assert body["messages"]["en"] and body["messages"]["zh-CN"], body
        return body

    async def search(self, who: str = "admin", **params: Any) -> list[dict[str, Any]]:
        return list((await self.req(who, "/api/audit", 200, **params))["items"])

    async def write(self, username: str, action: str, target: str, detail: dict[str, Any] | None = None,
                    minutes: float = 1) -> None:
        await self.stack.auth.audit(username, action, target, detail)
        self.clock.advance(minutes * 60)

    async def reads(self, action: str) -> list[AuditEntry]:
        async with self.stack.sessions() as s:
            return list((await s.execute(select(AuditEntry).where(AuditEntry.action == action)
                                         .order_by(AuditEntry.id))).scalars())


async def _env(db_url: str, workdir: Path, **overrides: Any) -> AsyncIterator[Env]:
    clock = FakeClock(T0)
    stack, _ = await wired_stack(db_url, workdir, clock, **overrides)
    app = create_app(stack.settings, stack=stack, manage_stack=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        h = {"admin": await bearer(stack, ("admin",), "boss"), "sup": await bearer(stack, ("supervisor",), "lead"),
             "qc": await bearer(stack, ("qc",), "qc1"), "agent": await bearer(stack, ("agent",), "li"),
             "nobody": {}}
        async with stack.sessions() as s:  # the tests' logins: the log starts empty
            await s.execute(delete(AuditEntry))
            await s.commit()
        try:
            yield Env(stack, clock, client, h)
        finally:
            await close_wired(stack)
            await stack.engine.dispose()


@pytest.fixture
async def env(db_url: str, workdir: Path) -> AsyncIterator[Env]:
    async for e in _env(db_url, workdir):
        yield e


@pytest.fixture
async def qc_reads(db_url: str, workdir: Path) -> AsyncIterator[Env]:
    async for e in _env(db_url, workdir, audit={"readers": ["qc"]}):
        yield e


async def _history(env: Env) -> None:
    """A day of the log: views of customers 5 and 6, a recording played and downloaded, a case, an edit."""
    await env.write("li", "customer.view", "customer:5", {"why": "pop"})
    await env.write("lead", "customer.view", "customer:5", {"why": "view"})
    await env.write("li", "recording.play", "recording:9", {"call_uniqueid": "100.1", "range": None})
    await env.write("lead", "customer.edit", "customer:6", {"fields": ["name"]})
    await env.write("lead", "recording.download", "recording:9", {"call_uniqueid": "100.1"})
    await env.write("li", "case.view", "case:C-1", {"note": HOSTILE})
    await env.write("li", "caseXview", "case:C-2", None)  # an action a LIKE '_' would wrongly match


async def test_the_search_by_person_customer_recording_target_action_and_day(env: Env) -> None:
    await _history(env)
    rows = await env.search()
    assert [r["action"] for r in rows] == ["caseXview", "case.view", "recording.download", "customer.edit",
                                           "recording.play", "customer.view", "customer.view"]  # newest first
    hostile = next(r for r in rows if r["action"] == "case.view")
    assert hostile["detail"] == {"note": HOSTILE}
    assert hostile["detail_text"] == '{"note": "<img src=x onerror=alert(1)>"}'
    assert hostile["at_local"] == "2026-12-04 10:05:00" and hostile["at"].startswith("2026-12-04T02:05:00")
    assert [r["action"] for r in await env.search(person="li")] == ["caseXview", "case.view", "recording.play",
                                                                     "customer.view"]
    assert [(r["username"], r["detail"]) for r in await env.search(customer=5)] == [
        ("lead", {"why": "view"}), ("li", {"why": "pop"})]
    assert [(r["username"], r["action"]) for r in await env.search(recording=9)] == [
        ("lead", "recording.download"), ("li", "recording.play")]
    assert [r["action"] for r in await env.search(target="case:C-1")] == ["case.view"]
    assert [r["target"] for r in await env.search(action="customer.edit")] == ["customer:6"]
    for prefix in ("customer.", "customer*"):
        assert [r["action"] for r in await env.search(action=prefix)] == ["customer.edit", "customer.view",
                                                                          "customer.view"]
    assert [r["action"] for r in await env.search(action="case.")] == ["case.view"]  # not caseXview
    assert [r["action"] for r in await env.search(action="case_*")] == []  # '_' is itself, no wildcard
    assert [r["action"] for r in await env.search(person="lead", action="recording.")] == ["recording.download"]
    # days are the centre's: 2026-12-04 10:00 there; nothing the day before
    assert await env.search(**{"from": "2026-12-03", "to": "2026-12-03"}) == []
    assert len(await env.search(person="li", **{"from": "2026-12-04", "to": "2026-12-04"})) == 4
    assert len(await env.search(person="li", **{"from": "2026-12-04"})) == 4
    assert await env.search(person="li", to="2026-12-03") == []


async def test_pages_newest_first_with_a_cursor(env: Env) -> None:
    for i in range(7):
        await env.write("li", "customer.view", f"customer:{i}", None, minutes=0 if i in (2, 3, 4) else 1)
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, Any] = {"person": "li", "limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = await env.req("admin", "/api/audit", 200, **params)
        seen += [r["target"] for r in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"customer:{i}" for i in reversed(range(7))] and pages == 4  # same-time entries by id
    body = await env.req("admin", "/api/audit", 400, cursor="not-a-cursor")
    assert body["code"] == "audit.bad_cursor" and body["details"]["field"] == "cursor"
    body = await env.req("admin", "/api/audit", 400, limit=201)
    assert body["code"] == "request.invalid" and "limit" in body["message"]


async def test_bad_input_is_a_400_naming_the_field(env: Env) -> None:
    body = await env.req("admin", "/api/audit", 400, **{"from": "2026-12-05", "to": "2026-12-04"})
    assert body["code"] == "audit.range_reversed" and body["details"]["field"] == "to"
    body = await env.req("admin", "/api/audit", 400, customer=5, recording=9)
    assert body["code"] == "audit.one_target" and body["details"]["field"] == "recording"
    body = await env.req("admin", "/api/audit", 400, action="customer%")
    assert body["code"] == "audit.bad_action" and body["details"]["field"] == "action"
    for params, field in (({"customer": 0}, "customer"), ({"customer": 2**31}, "customer"),
                          ({"from": "2026-02-30"}, "from"), ({"to": "9999-01-01"}, "to"),
                          ({"person": "x" * 65}, "person"), ({"recording": "abc"}, "recording")):
        body = await env.req("admin", "/api/audit", 400, **params)
        assert field in [p["field"] for p in body["details"]["problems"]], body
    body = await env.req("admin", "/api/audit/export.csv", 400, to="2026-12-04")
    assert body["code"] == "audit.range_needed" and body["details"]["field"] == "from"
    body = await env.req("admin", "/api/audit/export.csv", 400, **{"from": "2025-01-01", "to": "2026-12-04"})
    assert body["code"] == "audit.range_too_long" and "366" in body["messages"]["en"]
    await env.req("admin", "/api/customers/0/views", 400)


async def test_who_reads_it_admins_and_the_roles_the_centre_grants(env: Env, qc_reads: Env) -> None:
    for who in ("sup", "qc", "agent"):
        body = await env.req(who, "/api/audit", 403)
        assert body["code"] == "auth.needs_role" and body["details"]["needed"] == ["admin"]
        await env.req(who, "/api/audit/export.csv", 403, **{"from": "2026-12-04", "to": "2026-12-04"})
        await env.req(who, "/api/customers/5/views", 403)
    await env.req("nobody", "/api/audit", 401)
    assert (await env.req("sup", "/api/audit/policy", 200)) == {
        "readers": ["admin"], "may_read": False, "timezone": "Asia/Shanghai", "page_max": 200,
        "export_max_days": 366}
    assert (await env.req("admin", "/api/audit/policy", 200))["may_read"] is True
    # a centre that lets QC read it
    assert (await qc_reads.req("qc", "/api/audit/policy", 200))["readers"] == ["admin", "qc"]
    await qc_reads.req("qc", "/api/audit", 200)
    await qc_reads.req("admin", "/api/audit", 200)
    await qc_reads.req("sup", "/api/audit", 403)


async def test_a_customers_views_and_reading_the_log_is_audited(env: Env) -> None:
    made = (await env.client.post("/api/customers", json={"name": "王五", "numbers": ["13800138000"]},
                                  headers=env.h["admin"]))
    assert made.status_code == 201, made.text
    cid = made.json()["id"]
    env.clock.advance(60)
    await env.req("sup", f"/api/customers/{cid}", 200)  # opened by the lead
    env.clock.advance(60)
    await env.req("agent", f"/api/customers/{cid}", 403)  # the agent is not handling the customer: refused
    env.clock.advance(60)
    await env.req("qc", f"/api/customers/{cid}/history", 200)  # the history opens it too
    env.clock.advance(60)
    await env.search(customer=cid)  # reading the log about it is not a view of it
    views = await env.req("admin", f"/api/customers/{cid}/views", 200)
    assert views["customer_id"] == cid and views["total"] == 3 and views["next_cursor"] is None
    assert [(v["username"], v["action"], v["detail"]["why"], v["at_local"]) for v in views["items"]] == [
        ("qc1", "customer.view", "view", "2026-12-04 10:03:00"),
        ("li", "customer.view_denied", "view", "2026-12-04 10:02:00"),
        ("lead", "customer.view", "view", "2026-12-04 10:01:00")]
    page = await env.req("admin", f"/api/customers/{cid}/views", 200, limit=2)
    assert len(page["items"]) == 2 and page["total"] == 3
    rest = await env.req("admin", f"/api/customers/{cid}/views", 200, limit=2, cursor=page["next_cursor"])
    assert [v["username"] for v in rest["items"]] == ["lead"]
    await env.req("admin", "/api/customers/999/views", 200)  # a customer never opened (or deleted): no views
    # every reading is in the log, by whom and what was asked, against the log itself
    [search] = await env.reads("audit.search")
    assert (search.username, search.target) == ("boss", "audit_log")
    assert search.detail == {"customer": cid, "cursor": None, "shown": 4}  # created, 2 views, 1 refusal
    views_read = await env.reads("audit.customer_views")
    assert [(e.username, e.detail and e.detail["customer"]) for e in views_read] == [
        ("boss", cid), ("boss", cid), ("boss", cid), ("boss", 999)]
    resp = await env.req("admin", "/api/audit/export.csv", 200, person="lead", **{"from": "2026-12-04",
                                                                                  "to": "2026-12-04"})
    [export] = await env.reads("audit.export")
    assert export.detail == {"person": "lead", "from": "2026-12-04", "to": "2026-12-04", "rows": 1,
                             "timezone": "Asia/Shanghai"}
    assert resp.headers["x-row-count"] == "1"
    # the audit readings are found like any other entry
    assert {r["action"] for r in await env.search(action="audit.")} == {"audit.search", "audit.customer_views",
                                                                        "audit.export"}


async def test_the_export_is_csv_oldest_first_streamed_and_safe(env: Env) -> None:
    await _history(env)
    await env.write("=cmd", "customer.view", "@customer:1", {"x": 1})
    resp = await env.req("admin", "/api/audit/export.csv", 200, **{"from": "2026-12-04", "to": "2026-12-04"})
    assert resp.content.startswith("\ufeff".encode()) and resp.headers["content-type"].startswith("text/csv")
    assert resp.headers["content-disposition"] == 'attachment; filename="audit-2026-12-04-2026-12-04.csv"'
    rows = list(csv.reader(io.StringIO(resp.content.decode("utf-8-sig"))))
    assert rows[0] == ["id", "at", "username", "action", "target", "detail"]
    body = rows[1:]
    assert [r[3] for r in body] == ["customer.view", "customer.view", "recording.play", "customer.edit",
                                    "recording.download", "case.view", "caseXview", "customer.view"]  # oldest first
    assert body[0][1:] == ["2026-12-04 10:00:00", "li", "customer.view", "customer:5", '{"why": "pop"}']
    assert body[5][5] == '{"note": "<img src=x onerror=alert(1)>"}' and body[6][5] == ""
    assert body[7][2:5] == ["'=cmd", "customer.view", "'@customer:1"]  # neutralised
    # in chunks: a few thousand entries, read 500 at a time
    for i in range(2100):
        await env.stack.auth.audit("bulk", "customer.view", f"customer:{i}", None)
    env.stack.audit_reader.chunk_rows = 500
    q = env.stack.audit_reader.search(person="bulk", first=T0.date(), last=T0.date())
    count, stream = await env.stack.audit_reader.export(Actor("boss", frozenset({"admin"})), q)
    pieces = [p async for p in stream]
    assert count == 2100 and len(pieces) == 1 + 5  # the header, then 500, 500, 500, 500, 100
    assert sum(p.count(b"\r\n") for p in pieces) == 2101


async def test_the_audit_logs_search_indexes_come_and_go_with_their_migration(db_url: str) -> None:
    """Migration 0027: the audit trail's searches by person, action and target over time have their indexes."""
    import asyncio

    from alembic import command
    from sqlalchemy import inspect

    from callcenter.db import make_engine
    from callcenter.migrate import alembic_config, upgrade

    async def indexes() -> set[str]:
        engine = make_engine(db_url)
        try:
            async with engine.connect() as c:
                return await c.run_sync(lambda sync: {str(x["name"]) for x in inspect(sync).get_indexes("audit_log")})
        finally:
            await engine.dispose()

    searches = {"ix_audit_log_username_at", "ix_audit_log_action_at", "ix_audit_log_target_at"}
    assert searches <= await indexes() and "ix_audit_log_username" not in await indexes()
    await asyncio.to_thread(command.downgrade, alembic_config(db_url), "0026_report_rollups")
    got = await indexes()
    assert not searches & got and "ix_audit_log_username" in got
    await asyncio.to_thread(upgrade, db_url)
    assert searches <= await indexes()


async def test_the_surveys_taken_at_index_comes_and_goes_with_its_migration(db_url: str) -> None:
    """Migration 0028: the weekly satisfaction analysis reads the surveys by when they were taken."""
    import asyncio

    from alembic import command
    from sqlalchemy import inspect

    from callcenter.db import make_engine
    from callcenter.migrate import alembic_config, upgrade

    async def indexes() -> set[str]:
        engine = make_engine(db_url)
        try:
            async with engine.connect() as c:
                return await c.run_sync(lambda sync: {str(x["name"]) for x in inspect(sync).get_indexes("surveys")})
        finally:
            await engine.dispose()

    assert "ix_surveys_taken_at" in await indexes()
    await asyncio.to_thread(command.downgrade, alembic_config(db_url), "0027_audit_log_indexes")
    assert "ix_surveys_taken_at" not in await indexes()
    await asyncio.to_thread(upgrade, db_url)
    assert "ix_surveys_taken_at" in await indexes()
