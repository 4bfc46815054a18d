"""/api/customers and /api/service-records: roles, access rules, errors, audit log rows, CSV import/export."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from callcenter.app import Stack, create_app
from callcenter.auth.models import AuditEntry
from callcenter.clock import FakeClock
from tests.helpers import bearer, stack_settings

pytestmark = pytest.mark.db

T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


@dataclass
class Api:
    stack: Stack
    client: httpx.AsyncClient
    h: dict[str, dict[str, str]]  # role name → Authorization header
    handling: dict[str, set[str]] = field(default_factory=dict)
    handling_calls: dict[str, set[str]] = field(default_factory=dict)
    answered: set[tuple[str, str]] = field(default_factory=set)

    async def req(self, who: str, method: str, url: str, **kw: Any) -> httpx.Response:
        return await self.client.request(method, url, headers=self.h[who], **kw)

    async def audit(self, action: str | None = None) -> list[tuple[str, str, str, Any]]:
        async with self.stack.sessions() as s:
            rows = (await s.execute(select(AuditEntry).order_by(AuditEntry.id))).scalars()
            return [(a.username, a.action, a.target, a.detail) for a in rows
                    if action is None or a.action == action]

    async def create(self, who: str = "supervisor", **body: Any) -> dict[str, Any]:
        r = await self.req(who, "POST", "/api/customers", json=body)
        assert r.status_code == 201, r.text
        return r.json()  # type: ignore[no-any-return]


@pytest.fixture
async def api(db_url: str, workdir: Path) -> AsyncIterator[Api]:
    stack = Stack(stack_settings(db_url, workdir / "data"), clock=FakeClock(T0), run_migrations=False)
    app = create_app(stack.settings, stack=stack, manage_stack=False)
    headers = {
        "admin": await bearer(stack, ("admin",), "boss"),
        "supervisor": await bearer(stack, ("supervisor",), "lead"),
        "qc": await bearer(stack, ("qc",), "qc1"),
        "agent": await bearer(stack, ("agent",), "a1"),
        "agent2": await bearer(stack, ("agent",), "a2"),
    }
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        a = Api(stack, client, headers)

        async def handling(user: str) -> set[str]:
            return a.handling.get(user, set())

        async def handling_calls(user: str) -> set[str]:
            return a.handling_calls.get(user, set())

        async def answered_by(user: str, uid: str) -> bool:
            return (user, uid) in a.answered

        stack.customer_access.set_access(handling, handling_calls, answered_by)
        yield a
    await stack.engine.dispose()


def _err(r: httpx.Response, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"error", "code", "message", "messages", "details"}
    return body  # type: ignore[no-any-return]


async def test_crud_with_audit(api: Api) -> None:
    c = await api.create("agent", name="张伟", company="华为", numbers=["+86 138-0013-8000"], tags=["大客户"],
                         notes="prefers mornings", address="深圳")
    cid = c["id"]
    assert c == {"id": cid, "name": "张伟", "company": "华为", "address": "深圳", "vip": False,
                 "notes": "prefers mornings", "tags": ["大客户"], "numbers": ["13800138000"],
                 "created_at": "2026-11-20T08:00:00Z", "updated_at": None}
    r = await api.req("supervisor", "GET", f"/api/customers/{cid}", params={"why": "edit"})
    assert r.status_code == 200 and r.json() == c
    api.stack.clock.advance(90)  # type: ignore[attr-defined]
    r = await api.req("supervisor", "PATCH", f"/api/customers/{cid}", json={"vip": True, "notes": ""})
    assert r.status_code == 200
    assert (r.json()["vip"], r.json()["notes"], r.json()["name"], r.json()["updated_at"]) == (
        True, "", "张伟", "2026-11-20T08:01:30Z")
    _err(await api.req("supervisor", "DELETE", f"/api/customers/{cid}"), 403)
    r = await api.req("admin", "DELETE", f"/api/customers/{cid}")
    assert r.status_code == 200 and r.json() == {"deleted": cid, "service_records_kept": 0}
    _err(await api.req("admin", "GET", f"/api/customers/{cid}"), 404)
    log = [(u, a, t, d) for u, a, t, d in await api.audit() if a.startswith("customer.")]
    assert log[:3] == [
        ("a1", "customer.create", f"customer:{cid}", {"numbers": ["13800138000"]}),
        ("lead", "customer.view", f"customer:{cid}", {"why": "edit"}),
        ("lead", "customer.edit", f"customer:{cid}", {"fields": ["notes", "vip"]}),
    ]
    assert log[3][:3] == ("boss", "customer.delete", f"customer:{cid}")
    assert log[3][3]["record"]["name"] == "张伟" and log[3][3]["record"]["numbers"] == ["13800138000"]


async def test_input_errors_name_the_field(api: Api) -> None:
    c = await api.create(name="A", numbers=["13800138000"])
    cases: list[tuple[str, str, dict[str, Any], int, str]] = [
        ("POST", "/api/customers", {"json": {"name": " "}}, 400, "name"),
        ("POST", "/api/customers", {"json": {"name": "B", "numbers": ["12"]}}, 400, "numbers"),
        ("POST", "/api/customers", {"json": {"name": "B", "tags": [1]}}, 400, "tags.0"),
        ("POST", "/api/customers", {"json": {"name": "B", "colour": "red"}}, 400, "colour"),
        ("POST", "/api/customers", {"json": {"name": "B", "notes": "x" * 10_001}}, 400, "notes"),
        ("PATCH", f"/api/customers/{c['id']}", {"json": {}}, 400, "body"),
        ("PATCH", f"/api/customers/{c['id']}", {"json": {"name": None}}, 400, "name"),
        ("GET", "/api/customers", {"params": {"sort": "colour"}}, 400, "sort"),
        ("GET", "/api/customers", {"params": {"number": "12"}}, 400, "number"),
        ("GET", "/api/customers", {"params": {"limit": "0"}}, 400, "limit"),
        ("GET", "/api/customers/abc", {}, 400, "customer_id"),
        ("GET", f"/api/customers/{c['id']}", {"params": {"why": "curious"}}, 400, "why"),
        ("POST", "/api/service-records", {"json": {"category": "chat", "text": "x", "caller_number": "13800138000"}},
         400, "category"),
        ("POST", "/api/service-records", {"json": {"category": "query", "text": "x" * 10_001}}, 400, "text"),
        ("POST", "/api/service-records", {"json": {"category": "query", "text": " ", "caller_number": "138001"}},
         400, "text"),
        ("POST", "/api/service-records", {"json": {"category": "query", "text": "x", "follow_up_due": "soon"}},
         400, "follow_up_due"),
    ]
    for method, url, kw, status, fld in cases:
        body = _err(await api.req("supervisor", method, url, **kw), status)
        fields = [body["details"].get("field")] + [p["field"] for p in body["details"].get("problems", [])]
        assert fld in fields, (url, kw, body)
        assert fld.split(".")[0] in body["message"] or fld == "body", body
    _err(await api.req("supervisor", "GET", "/api/customers/999"), 404)
    _err(await api.req("supervisor", "PATCH", "/api/customers/999", json={"name": "x"}), 404)
    _err(await api.req("supervisor", "PATCH", "/api/service-records/999", json={"text": "x"}), 404)
    body = _err(await api.req("supervisor", "POST", "/api/customers",
                              json={"name": "C", "numbers": ["008613800138000"]}), 409)
    assert body["details"]["number"] == "13800138000" and body["details"]["customer_id"] == c["id"]
    assert "13800138000" in body["message"] and f"customer {c['id']}" in body["message"]
    _err(await api.client.get("/api/customers"), 401)
    _err(await api.client.get("/api/service-records"), 401)


async def test_agent_may_open_only_the_customer_of_their_call(api: Api) -> None:
    c = await api.create(name="张伟", numbers=["13800138000"], notes="secret", address="深圳")
    cid = c["id"]
    body = _err(await api.req("agent", "GET", f"/api/customers/{cid}", params={"why": "pop"}), 403)
    assert "only open the customer of the call they are handling" in body["message"]
    _err(await api.req("agent", "GET", f"/api/customers/{cid}/history"), 403)
    _err(await api.req("agent", "PATCH", f"/api/customers/{cid}", json={"company": "x"}), 403)
    _err(await api.req("agent", "POST", f"/api/customers/{cid}/numbers", json={"number": "13900139000"}), 403)
    assert [(u, a, t, d) for u, a, t, d in await api.audit() if a.endswith("_denied")] == [
        ("a1", "customer.view_denied", f"customer:{cid}", {"why": "pop"}),
        ("a1", "customer.view_denied", f"customer:{cid}", {"why": "view"}),
        ("a1", "customer.edit_denied", f"customer:{cid}", None),
        ("a1", "customer.edit_denied", f"customer:{cid}", None),
    ]
    # searching is allowed, without notes or address
    r = await api.req("agent", "GET", "/api/customers", params={"number": "138"})
    assert r.status_code == 200 and r.json()["items"] == [
        {"id": cid, "name": "张伟", "company": "", "vip": False, "tags": [], "numbers": ["13800138000"]}]
    r = await api.req("qc", "GET", "/api/customers", params={"number": "138"})
    assert r.json()["items"][0]["notes"] == "secret" and r.json()["items"][0]["address"] == "深圳"

    api.handling["a1"] = {"13800138000"}  # now ringing at a1
    r = await api.req("agent", "GET", f"/api/customers/{cid}", params={"why": "pop"})
    assert r.status_code == 200 and r.json()["notes"] == "secret"
    r = await api.req("agent", "PATCH", f"/api/customers/{cid}", json={"company": "华为"})
    assert r.status_code == 200 and r.json()["company"] == "华为"
    assert (await api.req("agent", "GET", f"/api/customers/{cid}/history")).status_code == 200
    _err(await api.req("agent2", "GET", f"/api/customers/{cid}"), 403)
    _err(await api.req("agent", "DELETE", f"/api/customers/{cid}"), 403)
    _err(await api.req("qc", "PATCH", f"/api/customers/{cid}", json={"company": "x"}), 403)
    _err(await api.req("qc", "POST", "/api/customers", json={"name": "x"}), 403)
    views = await api.audit("customer.view")
    assert [(u, t, d) for u, _, t, d in views] == [("a1", f"customer:{cid}", {"why": "pop"}),
                                                    ("a1", f"customer:{cid}", {"why": "view"})]


async def test_search_filters_sort_page(api: Api) -> None:
    for i, (name, vip, tags, number) in enumerate([("Zhang Wei", True, ["大客户"], "13800138000"),
                                                   ("Li Na", False, [], "13900139000"),
                                                   ("王芳", True, ["大客户"], "075512345678")]):
        api.stack.clock.set(T0 + timedelta(hours=i))  # type: ignore[attr-defined]
        await api.create(name=name, vip=vip, tags=tags, numbers=[number], company="Huawei" if i else "")

    async def names(**params: Any) -> list[str]:
        r = await api.req("supervisor", "GET", "/api/customers", params=params)
        assert r.status_code == 200, r.text
        return [i["name"] for i in r.json()["items"]]

    assert await names() == ["Li Na", "Zhang Wei", "王芳"]
    assert await names(q="HUAWEI") == ["Li Na", "王芳"]
    assert await names(number="+86 139") == ["Li Na"]
    assert await names(number="0755") == ["王芳"]
    assert await names(vip="true") == ["Zhang Wei", "王芳"]
    assert await names(tag="大客户", sort="-created_at") == ["王芳", "Zhang Wei"]
    assert await names(sort="-name") == ["王芳", "Zhang Wei", "Li Na"]
    r = await api.req("supervisor", "GET", "/api/customers", params={"sort": "created_at", "limit": 1, "offset": 1})
    assert (r.json()["total"], r.json()["limit"], r.json()["offset"]) == (3, 1, 1)
    item = r.json()["items"][0]
    assert item["name"] == "Li Na" and item["created_at"] == "2026-11-20T09:00:00Z" and item["updated_at"] is None
    entry = (await api.audit("customer.search"))[-1]
    assert entry[0] == "lead" and entry[3]["ids"] == [item["id"]] and entry[3]["query"]["limit"] == 1


async def test_numbers_endpoints(api: Api) -> None:
    a = await api.create(name="A", numbers=["13800138000"])
    b = await api.create(name="B", numbers=["13900139000"])
    r = await api.req("supervisor", "POST", f"/api/customers/{a['id']}/numbers", json={"number": "+86 (755) 8888 9999"})
    assert r.status_code == 200 and r.json()["numbers"] == ["13800138000", "75588889999"]
    body = _err(await api.req("supervisor", "POST", f"/api/customers/{a['id']}/numbers",
                              json={"number": "13900139000"}), 409)
    assert body["details"]["customer_id"] == b["id"] and body["details"]["number"] == "13900139000"
    r = await api.req("supervisor", "DELETE", f"/api/customers/{a['id']}/numbers/%2B86%20138%200013%208000")
    assert r.status_code == 200 and r.json()["numbers"] == ["75588889999"]
    _err(await api.req("supervisor", "DELETE", f"/api/customers/{a['id']}/numbers/13800138000"), 404)
    _err(await api.req("supervisor", "POST", f"/api/customers/{a['id']}/numbers", json={"number": "1"}), 400)


async def _call(api: Api, uid: str, number: str | None, at: datetime, **extra: Any) -> None:
    await api.stack.calls_repo.upsert({"uniqueid": uid, "caller_number": number, "arrived_at": at,
                                       "ended_at": at + timedelta(minutes=3), "outcome": "answered",
                                       "queue": "support", **extra})


async def test_history_and_service_records(api: Api) -> None:
    c = await api.create(name="张伟", numbers=["13800138000", "01012345678"])
    cid = c["id"]
    forms = ["+8613800138000", "013800138000", "8613800138000", "13800138000", "01012345678", "+861012345678"]
    for i, raw in enumerate(forms):
        await _call(api, f"h.{i}", raw, T0 + timedelta(minutes=i), agent_extension="1001", wait_seconds=2.0,
                    talk_seconds=30.0, direction="outbound" if i == 3 else "inbound")  # h.3: an agent called them
    await _call(api, "x.1", "13900139000", T0 + timedelta(hours=1))

    # an agent writes records for a call they handle or answered, not for others
    body = {"call_uniqueid": "h.5", "category": "complaint", "text": "line noisy", "follow_up_needed": True,
            "follow_up_due": "2026-11-21T09:00:00+08:00"}
    _err(await api.req("agent", "POST", "/api/service-records", json=body), 403)
    api.handling_calls["a1"] = {"h.5"}
    r = await api.req("agent", "POST", "/api/service-records", json=body)
    assert r.status_code == 201, r.text
    rec = r.json()
    assert (rec["customer_id"], rec["caller_number"], rec["agent_username"], rec["follow_up_due"],
            rec["created_at"]) == (cid, "1012345678", "a1", "2026-11-21T01:00:00Z", "2026-11-20T08:00:00Z")
    api.answered.add(("a1", "h.4"))
    for i in range(5):
        api.stack.clock.advance(60)  # type: ignore[attr-defined]
        r = await api.req("agent", "POST", "/api/service-records",
                          json={"call_uniqueid": "h.4", "category": "query", "text": f"q{i}"})
        assert r.status_code == 201, r.text
    _err(await api.req("agent2", "POST", "/api/service-records",
                       json={"call_uniqueid": "h.4", "category": "query", "text": "x"}), 403)
    _err(await api.req("qc", "POST", "/api/service-records",
                       json={"call_uniqueid": "h.4", "category": "query", "text": "x"}), 403)

    r = await api.req("supervisor", "GET", f"/api/customers/{cid}/history")
    assert r.status_code == 200, r.text
    h = r.json()
    assert [x["uniqueid"] for x in h["recent_calls"]] == ["h.5", "h.4", "h.3", "h.2", "h.1"]
    assert h["recent_calls"][0]["arrived_at"] == "2026-11-20T08:05:00Z" and h["recent_calls"][0]["talk_seconds"] == 30
    assert [x["direction"] for x in h["recent_calls"]] == ["inbound", "inbound", "outbound", "inbound", "inbound"]
    assert [x["text"] for x in h["service_records"]] == ["q4", "q3", "q2", "q1", "q0"]
    assert [x["id"] for x in h["open_follow_ups"]] == [rec["id"]]

    # listing
    async def ids(who: str, **params: Any) -> list[int]:
        r = await api.req(who, "GET", "/api/service-records", params=params)
        assert r.status_code == 200, r.text
        return [x["id"] for x in r.json()["items"]]

    assert len(await ids("supervisor", customer_id=cid)) == 6
    assert await ids("qc", follow_up_open="true") == [rec["id"]]
    assert await ids("agent", call="h.5") == [rec["id"]]
    _err(await api.req("agent2", "GET", "/api/service-records", params={"call": "h.5"}), 403)
    _err(await api.req("agent2", "GET", "/api/service-records", params={"customer_id": cid}), 403)
    assert await ids("agent2") == []  # own records only
    assert len(await ids("agent")) == 6

    # edits and follow-up
    _err(await api.req("agent2", "PATCH", f"/api/service-records/{rec['id']}", json={"outcome": "x"}), 403)
    r = await api.req("agent", "PATCH", f"/api/service-records/{rec['id']}", json={"outcome": "ticket 7"})
    assert r.status_code == 200 and r.json()["outcome"] == "ticket 7" and r.json()["text"] == "line noisy"
    r = await api.req("supervisor", "PATCH", f"/api/service-records/{rec['id']}", json={"category": "business"})
    assert r.status_code == 200 and r.json()["category"] == "business"
    _err(await api.req("agent2", "POST", f"/api/service-records/{rec['id']}/follow-up-done"), 403)
    r = await api.req("agent", "POST", f"/api/service-records/{rec['id']}/follow-up-done")
    assert r.status_code == 200 and r.json()["follow_up_done_at"] == "2026-11-20T08:05:00Z"
    _err(await api.req("agent", "POST", f"/api/service-records/{rec['id']}/follow-up-done"), 409)
    assert await ids("qc", follow_up_open="true") == []
    assert [a[:3] for a in await api.audit("service_record.follow_up_done")] == [
        ("a1", "service_record.follow_up_done", f"service_record:{rec['id']}")]

    # deleting the customer keeps its records
    r = await api.req("admin", "DELETE", f"/api/customers/{cid}")
    assert r.json()["service_records_kept"] == 6
    r = await api.req("supervisor", "GET", "/api/service-records", params={"call": "h.5"})
    assert r.json()["items"][0]["customer_id"] is None and r.json()["items"][0]["text"] == "line noisy"


async def test_pop_view_is_wired_and_audited(api: Api) -> None:
    c = await api.create(name="张伟", numbers=["13800138000"])
    pop = await api.stack.crm.pop_view("+8613800138000", "a1")
    assert pop["customer"]["id"] == c["id"]
    assert (await api.audit("customer.view"))[-1] == ("a1", "customer.view", f"customer:{c['id']}", {"why": "pop"})


def _rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def _csv_bytes(rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    return buf.getvalue().encode("utf-8-sig")


async def _import(api: Api, who: str, data: bytes, name: str = "customers.csv") -> httpx.Response:
    return await api.req(who, "POST", "/api/customers/import", files={"file": (name, data, "text/csv")})


async def test_csv_export_import_round_trip(api: Api) -> None:
    a = await api.create(name="张伟", company="华为技术有限公司", address="广东省深圳市", vip=True,
                         notes="第一行\n第二行，含逗号, \"引号\"", tags=["大客户", "投诉"],
                         numbers=["13800138000", "075512345678"])
    b = await api.create(name="李娜", numbers=["13900139000"])
    for who in ("agent", "supervisor", "qc"):
        _err(await api.req(who, "GET", "/api/customers/export.csv"), 403)
        _err(await _import(api, who, b"name\nx\n"), 403)
    r = await api.req("admin", "GET", "/api/customers/export.csv")
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    assert r.headers["content-disposition"].startswith('attachment; filename="customers-')
    exported = r.content
    assert exported.startswith(b"\xef\xbb\xbf")
    rows = _rows(exported)
    assert rows[0] == ["id", "name", "company", "address", "vip", "tags", "numbers", "notes", "created_at"]
    assert rows[1] == [str(a["id"]), "张伟", "华为技术有限公司", "广东省深圳市", "true", "大客户;投诉",
                       "13800138000;75512345678", "第一行\n第二行，含逗号, \"引号\"", "2026-11-20T08:00:00Z"]
    assert (await api.audit("customer.export"))[-1] == ("boss", "customer.export", "customers", {"count": 2})

    # change things, then import the export: the data is back as it was
    await api.req("admin", "PATCH", f"/api/customers/{a['id']}",
                  json={"name": "x", "tags": [], "numbers": ["13700137000"], "notes": ""})
    await api.req("admin", "PATCH", f"/api/customers/{b['id']}", json={"vip": True})
    r = await _import(api, "admin", exported)
    assert r.status_code == 200 and r.json() == {"created": 0, "updated": 2}, r.text
    for before in (a, b):
        now = (await api.req("admin", "GET", f"/api/customers/{before['id']}")).json()
        assert {k: v for k, v in now.items() if k != "updated_at"} == {
            k: v for k, v in before.items() if k != "updated_at"}
    assert (await api.audit("customer.import"))[-1] == (
        "boss", "customer.import", "customers", {"filename": "customers.csv", "created": 0, "updated": 2})
    # and a second export is the same file
    assert (await api.req("admin", "GET", "/api/customers/export.csv")).content == exported


async def test_csv_import_bad_rows_store_nothing(api: Api) -> None:
    a = await api.create(name="A", numbers=["13800138000"])
    data = _csv_bytes([["name", "numbers", "vip"], ["好客户", "13900139000", "是"], ["", "", ""],
                       ["B", "13800138000", "no"], ["C", "abc", "maybe"]])
    # row 3 is blank (skipped); row 4 conflicts with A; row 5 has a bad number and a bad vip
    body = _err(await _import(api, "admin", data), 400)
    assert [r["row"] for r in body["details"]["rows"]] == [4, 5]
    assert body["details"]["rows"][0]["problems"] == [f"conflict: number 13800138000 belongs to customer {a['id']}"]
    assert "row 4" in body["message"] and "row 5" in body["message"] and "nothing was imported" in body["message"]
    r = await api.req("admin", "GET", "/api/customers")
    assert r.json()["total"] == 1
    assert not await api.audit("customer.import")
    # the good rows alone import
    r = await _import(api, "admin", _csv_bytes([["name", "numbers", "vip"], ["好客户", "13900139000", "是"]]))
    assert r.status_code == 200 and r.json() == {"created": 1, "updated": 0}
    r = await api.req("admin", "GET", "/api/customers", params={"number": "139"})
    assert r.json()["items"][0]["name"] == "好客户" and r.json()["items"][0]["vip"] is True
    # limits and format
    body = _err(await _import(api, "admin", b"name\n" + b"x" * (5 * 1024 * 1024)), 400)
    assert "5 MB" in body["message"] and body["details"]["field"] == "file"
    body = _err(await _import(api, "admin", "name\n张伟\n".encode("gbk")), 400)
    assert "UTF-8" in body["message"]
    _err(await api.req("admin", "POST", "/api/customers/import"), 400)  # no file


async def test_ids_out_of_range_are_bad_input(api: Api) -> None:
    for method, url, kw in [("GET", "/api/customers/0", {}), ("GET", "/api/customers/99999999999", {}),
                            ("GET", "/api/service-records", {"params": {"customer_id": "99999999999"}}),
                            ("POST", "/api/service-records",
                             {"json": {"customer_id": 99999999999, "category": "query", "text": "x"}}),
                            ("PATCH", "/api/service-records/99999999999", {"json": {"text": "x"}})]:
        _err(await api.req("supervisor", method, url, **kw), 400)
