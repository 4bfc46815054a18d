"""The CDR export (issue 17 part 3; callcenter/calls/export.py, docs/calls.md "CDR export") through the HTTP API
on a wired stack (fake AMI, fake clock), on both databases: every call of the days asked for in the centre's
timezone, inbound and outbound (a transfer's leg, a queued caller's call-back), as CSV with a BOM, cells that a
spreadsheet would run neutralised; bad input is a 400 naming the field or the limit; agents are refused; every
export is audited with its row count; the file is streamed in chunks read by keyset, and the memory it takes does
not grow with the rows."""

from __future__ import annotations

import asyncio
import csv
import io
import tracemalloc
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from callcenter.app import Stack, create_app
from callcenter.auth.models import AuditEntry
from callcenter.calls.export import COLUMNS, MAX_EXPORT_DAYS, CdrExport
from callcenter.clock import FakeClock
from tests.helpers import bearer
from tests.unit.wired import close_wired, wired_stack

pytestmark = pytest.mark.db
T0 = datetime(2026, 12, 4, 2, 0, tzinfo=UTC)  # 10:00 in the centre (Asia/Shanghai)
URL = "/api/calls/export.csv"


def call_row(uid: str, at: datetime, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {"uniqueid": uid, "linkedid": uid, "arrived_at": at, "ended_at": at + timedelta(minutes=3),
                           "direction": "inbound", "outcome": "answered", "end_reason": "completed"}
    row.update(values)
    return row


@dataclass
class Env:
    stack: Stack
    app: Any
    client: httpx.AsyncClient
    h: dict[str, dict[str, str]]

    async def get(self, who: str, status: int, **params: Any) -> httpx.Response:
        r = await self.client.get(URL, params=params, headers=self.h[who])
        assert r.status_code == status, r.text
        if status >= 400:
            body = r.json()
            assert body["messages"]["en"] and body["messages"]["zh-CN"], body
        return r

    async def rows(self, who: str = "sup", **params: Any) -> list[dict[str, str]]:
        r = await self.get(who, 200, **params)
        assert r.headers["content-type"].startswith("text/csv")
        assert r.content.startswith("\ufeff".encode())
        text = r.content.decode("utf-8-sig")
        reader = csv.reader(io.StringIO(text))
        header = next(reader)
        assert tuple(header) == COLUMNS
        out = [dict(zip(header, r, strict=True)) for r in reader]
        assert r.headers["x-row-count"] == str(len(out))
        return out

    @property
    def export(self) -> CdrExport:
        return self.stack.cdr_export


@pytest.fixture
async def env(db_url: str, workdir: Path) -> AsyncIterator[Env]:
    clock = FakeClock(T0)
    stack, _ = await wired_stack(db_url, workdir, clock)
    app = create_app(stack.settings, stack=stack, manage_stack=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        h = {"sup": await bearer(stack, ("supervisor",), "lead"), "admin": await bearer(stack, ("admin",), "boss"),
             "qc": await bearer(stack, ("qc",), "qc1"), "agent": await bearer(stack, ("agent",), "li"),
             "nobody": {}}
        try:
            yield Env(stack, app, client, h)
        finally:
            await close_wired(stack)
            await stack.engine.dispose()


async def test_every_call_of_the_days_inbound_outbound_and_legs_with_their_fields(env: Env) -> None:
    inbound = call_row("100.1", T0, channel="PJSIP/trunk-01", caller_number="13800138000", caller_name="张三",
                       dialled_number="4000", queue="support", queued_at=T0 + timedelta(seconds=20),
                       ringing_at=T0 + timedelta(seconds=25), answered_at=T0 + timedelta(seconds=32),
                       agent_extension="1001", agent_name="Li", agent_interface="PJSIP/1001", agent_username="li",
                       wait_seconds=12.0, talk_seconds=148.25, customer_id=7, hangup_cause="16",
                       ivr_entered_at=T0 + timedelta(seconds=1), ivr_exited_at=T0 + timedelta(seconds=19))
    # the caller transferred to an outside number: a leg of the inbound call
    leg = call_row("100.2", T0 + timedelta(minutes=2), linkedid="100.1", direction="outbound",
                   caller_number="02188886666", dialled_number="02188886666", agent_username="li",
                   agent_extension="1001", customer_id=7)
    # a queued caller's call-back, not answered
    back = call_row("1764800000.900000001", T0 + timedelta(hours=1), direction="outbound", outcome="no_answer",
                    end_reason="customer_no_answer", callback_of="100.0", queue="support",
                    queued_at=T0 + timedelta(minutes=50), caller_number="13900139000", answered_at=None)
    abandoned = call_row("100.3", T0 + timedelta(minutes=30), outcome="abandoned",
                         end_reason="caller_hangup_in_queue", queue="sales", caller_number="13700137000")
    await env.stack.calls_repo.upsert_many([back, abandoned, leg, inbound])
    rows = await env.rows(**{"from": "2026-12-04", "to": "2026-12-04"})
    assert [r["uniqueid"] for r in rows] == ["100.1", "100.2", "100.3", "1764800000.900000001"]  # by arrival
    first = rows[0]
    assert first["arrived_at"] == "2026-12-04 10:00:00"  # the centre's time, not UTC
    assert first["answered_at"] == "2026-12-04 10:00:32" and first["ended_at"] == "2026-12-04 10:03:00"
    assert (first["direction"], first["outcome"], first["end_reason"], first["queue"], first["agent_username"],
            first["agent_extension"], first["agent_name"], first["customer_id"], first["wait_seconds"],
            first["talk_seconds"], first["caller_name"], first["linkedid"], first["callback_of"]) == (
        "inbound", "answered", "completed", "support", "li", "1001", "Li", "7", "12.0", "148.25", "张三", "100.1", "")
    assert rows[1]["direction"] == "outbound" and rows[1]["linkedid"] == "100.1"  # the leg names its call
    assert rows[3]["callback_of"] == "100.0" and rows[3]["outcome"] == "no_answer"
    assert rows[3]["answered_at"] == "" and rows[2]["agent_username"] == ""
    # the filters
    assert [r["uniqueid"] for r in await env.rows(**{"from": "2026-12-04", "to": "2026-12-04",
                                                     "direction": "outbound"})] == ["100.2", "1764800000.900000001"]
    assert [r["uniqueid"] for r in await env.rows(**{"from": "2026-12-04", "to": "2026-12-04",
                                                     "queue": "sales"})] == ["100.3"]
    assert [r["uniqueid"] for r in await env.rows(**{"from": "2026-12-04", "to": "2026-12-04",
                                                     "agent": "1001"})] == ["100.1", "100.2"]
    assert [r["uniqueid"] for r in await env.rows(**{"from": "2026-12-04", "to": "2026-12-04",
                                                     "agent": "li"})] == ["100.1", "100.2"]
    # an empty period: the header only
    assert await env.rows(**{"from": "2026-11-01", "to": "2026-11-30"}) == []


async def test_the_days_are_the_centres(env: Env) -> None:
    local_midnight = datetime(2026, 12, 3, 16, 0, tzinfo=UTC)  # 2026-12-04 00:00 in Asia/Shanghai
    await env.stack.calls_repo.upsert_many([
        call_row("a", local_midnight - timedelta(seconds=1)),  # 12-03 23:59:59 there
        call_row("b", local_midnight),
        call_row("c", local_midnight + timedelta(hours=23, minutes=59, seconds=59)),  # 12-04 23:59:59
        call_row("d", local_midnight + timedelta(days=1)),  # 12-05 00:00
    ])
    rows = await env.rows(**{"from": "2026-12-04", "to": "2026-12-04"})
    assert [(r["uniqueid"], r["arrived_at"]) for r in rows] == [("b", "2026-12-04 00:00:00"),
                                                                ("c", "2026-12-04 23:59:59")]
    assert [r["uniqueid"] for r in await env.rows(**{"from": "2026-12-03", "to": "2026-12-05"})] == list("abcd")


async def test_bad_input_is_a_400_naming_the_field_or_the_limit(env: Env) -> None:
    body = (await env.get("sup", 400, **{"from": "2026-12-05", "to": "2026-12-04"})).json()
    assert body["code"] == "calls.export_range_reversed" and body["details"]["field"] == "to"
    assert "2026-12-04" in body["messages"]["en"] and "结束日期" in body["messages"]["zh-CN"]
    await env.get("sup", 200, **{"from": "2026-01-01", "to": "2026-04-03"})  # 93 days: the limit
    await env.get("sup", 200, **{"from": "2026-01-01", "to": "2026-01-01"})  # one day
    body = (await env.get("sup", 400, **{"from": "2026-01-01", "to": "2026-04-04"})).json()  # 94 days
    assert body["code"] == "calls.export_range_too_long"
    assert f"at most {MAX_EXPORT_DAYS} days" in body["messages"]["en"] and "94" in body["messages"]["zh-CN"]
    ok_quarter = datetime(2026, 1, 1) + timedelta(days=MAX_EXPORT_DAYS - 1)
    await env.get("sup", 200, **{"from": "2026-01-01", "to": ok_quarter.date().isoformat()})
    over = datetime(2026, 1, 1) + timedelta(days=MAX_EXPORT_DAYS)
    body = (await env.get("sup", 400, **{"from": "2026-01-01", "to": over.date().isoformat()})).json()
    assert body["details"] == {"limit": MAX_EXPORT_DAYS, "days": MAX_EXPORT_DAYS + 1, "field": "to"}
    for params, field in (({"to": "2026-12-04"}, "from"), ({"from": "2026-12-04"}, "to"),
                          ({"from": "2026-13-01", "to": "2026-12-04"}, "from"),
                          ({"from": "9999-12-31", "to": "9999-12-31"}, "from"),
                          ({"from": "2026-12-04", "to": "2026-12-04", "direction": "sideways"}, "direction"),
                          ({"from": "2026-12-04", "to": "2026-12-04", "queue": "q" * 65}, "queue")):
        body = (await env.get("sup", 400, **params)).json()
        assert body["code"] == "request.invalid" and field in [p["field"] for p in body["details"]["problems"]], body


async def test_supervisors_qc_and_admins_export_agents_are_refused_and_every_export_is_audited(env: Env) -> None:
    await env.stack.calls_repo.upsert_many([call_row(f"r{i}", T0 + timedelta(minutes=i)) for i in range(3)])
    days = {"from": "2026-12-04", "to": "2026-12-04"}
    for who in ("sup", "qc", "admin"):
        assert len(await env.rows(who, **days)) == 3
    body = (await env.get("agent", 403, **days)).json()
    assert body["code"] == "auth.needs_role"
    await env.get("nobody", 401, **days)
    await env.rows("sup", **days, queue="support")
    async with env.stack.sessions() as s:
        got = list((await s.execute(select(AuditEntry).where(AuditEntry.action == "calls.export")
                                    .order_by(AuditEntry.id))).scalars())
    assert [(e.username, e.target) for e in got] == [("lead", "calls"), ("qc1", "calls"), ("boss", "calls"),
                                                     ("lead", "calls")]
    assert got[0].detail == {"from": "2026-12-04", "to": "2026-12-04", "direction": None, "queue": None,
                             "agent": None, "rows": 3, "timezone": "Asia/Shanghai"}
    assert got[3].detail is not None and got[3].detail["queue"] == "support" and got[3].detail["rows"] == 0


async def test_cells_a_spreadsheet_would_run_are_neutralised(env: Env) -> None:
    await env.stack.calls_repo.upsert_many([
        call_row("x1", T0, caller_name="=HYPERLINK(\"http://evil\",\"x\")", caller_number="+8613800138000",
                 agent_name="@SUM(A1:A9)", queue="-2+3", dialled_number="\tcmd"),
    ])
    [row] = await env.rows(**{"from": "2026-12-04", "to": "2026-12-04"})
    assert row["caller_name"] == "'=HYPERLINK(\"http://evil\",\"x\")"
    assert row["caller_number"] == "'+8613800138000"
    assert row["agent_name"] == "'@SUM(A1:A9)" and row["queue"] == "'-2+3" and row["dialled_number"] == "'\tcmd"
    assert row["uniqueid"] == "x1"


async def _asgi_chunks(env: Env, path: str) -> list[bytes]:
    """The body messages the app sends for ``path``, one by one (httpx's transport joins them)."""
    import json

    headers = [(b"host", b"t"), *((k.lower().encode(), v.encode()) for k, v in env.h["sup"].items())]
    path_only, _, query = path.partition("?")
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
             "path": path_only, "raw_path": path_only.encode(), "query_string": query.encode(), "headers": headers,
             "client": ("127.0.0.1", 1), "server": ("t", 80), "root_path": ""}
    sent: list[dict[str, Any]] = []

    asked = asyncio.Event()

    async def receive() -> dict[str, Any]:
        if asked.is_set():  # the client stays connected: the response ends the exchange
            await asyncio.Event().wait()
        asked.set()
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await env.app(scope, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    assert start["status"] == 200, json.dumps([str(m) for m in sent])[:500]
    return [m.get("body", b"") for m in sent if m["type"] == "http.response.body" and m.get("body")]


async def test_the_file_is_streamed_in_chunks_and_its_memory_does_not_grow_with_the_rows(env: Env) -> None:
    n = 3000
    base = datetime(2026, 12, 4, 0, 0, tzinfo=UTC)
    # many calls in the same second too: the keyset (arrived_at, id) must neither skip nor repeat them
    rows = [call_row(f"s{i:06d}", base + timedelta(seconds=i // 7), caller_name=f"caller {i}") for i in range(n)]
    await env.stack.calls_repo.upsert_many(rows)
    env.export.chunk_rows = 250
    chunks = await _asgi_chunks(env, URL + "?from=2026-12-04&to=2026-12-04")
    assert len(chunks) == 1 + n // 250  # the header, then one per chunk read
    lines = b"".join(chunks).decode("utf-8-sig").splitlines()
    assert len(lines) == n + 1
    assert sorted(line.split(",")[1] for line in lines[1:]) == sorted(r["uniqueid"] for r in rows)
    assert len({line.split(",")[1] for line in lines[1:]}) == n

    async def peak(rows_wanted: int) -> int:
        q = env.export.query(base.date(), base.date())
        plan = await env.export.plan("bench", q)
        plan = type(plan)(plan.query, rows_wanted, plan.max_id) if rows_wanted < plan.count else plan
        tracemalloc.start()
        stream = env.export.csv(plan)
        try:
            got = 0
            async for piece in stream:
                got += piece.count(b"\r\n")
                if got > rows_wanted:
                    break
            return tracemalloc.get_traced_memory()[1]
        finally:
            await stream.aclose()  # type: ignore[attr-defined]
            tracemalloc.stop()

    more = [call_row(f"m{i:06d}", base + timedelta(minutes=10, seconds=i // 3)) for i in range(n, 7 * n)]
    await env.stack.calls_repo.upsert_many(more)  # 21,000 rows in all
    small = await peak(1000)
    large = await peak(7 * n)
    # the peak is one chunk's worth, whatever the rows: 21x the rows may not cost even twice the memory
    assert large < 2 * small + 256 * 1024, (small, large)
    assert large < 8 * 1024 * 1024, large
