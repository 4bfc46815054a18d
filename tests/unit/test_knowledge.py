"""The knowledge base (issue 16, "2."; callcenter/knowledge/) through the API on the fake clock, on both databases:
the workflow draft → reviewed → published → confirmed with its roles, every version kept (the published one stays
until its successor is published), optimistic versions, validity appearing and disappearing on the clock, Chinese
search of 1, 2 and 3+ characters with ranking and highlights, hostile queries, the source documents' limits and
checksum, uses on calls counted per month, the audit rows, and the migration going down and up."""

from __future__ import annotations

import hashlib
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
from tests.helpers import session_headers, stack_settings
from tests.unit.wired import FakeAmi

pytestmark = pytest.mark.db

T0 = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
USERS = {"boss": ("admin",), "lead": ("supervisor",), "lead2": ("supervisor",), "qc1": ("qc",), "a1": ("agent",),
         "a2": ("agent",), "head1": ("agent",)}
URL = "/api/knowledge"


@dataclass
class Kb:
    stack: Stack
    client: httpx.AsyncClient
    clock: FakeClock
    h: dict[str, dict[str, str]]
    dept: int = 0
    handling: dict[str, set[str]] = field(default_factory=dict)
    answered: set[tuple[str, str]] = field(default_factory=set)

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

    async def draft(self, title: str, body: str, **more: Any) -> dict[str, Any]:
        values = {"title": title, "body": body, "category": "business", "department_id": self.dept, **more}
        return await self.ok("lead", "POST", f"{URL}/entries", 201, json=values)  # type: ignore[no-any-return]

    async def step(self, who: str, e: dict[str, Any], step: str, status: int = 200, **body: Any) -> dict[str, Any]:
        return await self.ok(who, "POST", f"{URL}/entries/{e['id']}/{step}", status,  # type: ignore[no-any-return]
                             json={"version": e["version"], **body})

    async def published(self, title: str, body: str, **more: Any) -> dict[str, Any]:
        e = await self.draft(title, body, **more)
        e = await self.step("lead2", e, "review")
        return await self.step("lead", e, "publish")

    async def search(self, who: str, q: str, **params: Any) -> dict[str, Any]:
        return await self.ok(who, "GET", f"{URL}/search", params={"q": q, **params})  # type: ignore[no-any-return]

    async def titles(self, who: str, q: str) -> list[str]:
        return [i["revision"]["title"] for i in (await self.search(who, q))["items"]]

    async def audit(self, action: str) -> list[tuple[str, str, Any]]:
        async with self.stack.sessions() as s:
            rows = (await s.execute(select(AuditEntry).where(AuditEntry.action == action)
                                    .order_by(AuditEntry.id))).scalars()
            return [(r.username, r.target, r.detail) for r in rows]


async def _user(stack: Stack, name: str, roles: tuple[str, ...]) -> dict[str, str]:
    return await session_headers(stack, name, roles, T0, 60)


@pytest.fixture
async def kb(db_url: str, workdir: Path) -> AsyncIterator[Kb]:
    clock = FakeClock(T0)
    stack = Stack(stack_settings(db_url, workdir / "data", recording={"enabled": False},
                                 knowledge={"document_max_bytes": 4096}),
                  clock=clock, run_migrations=False, ami=FakeAmi())  # type: ignore[arg-type]
    await stack.load_directory()
    app = create_app(stack.settings, stack=stack, manage_stack=False)
    headers = {name: await _user(stack, name, roles) for name, roles in USERS.items()}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        k = Kb(stack, client, clock, headers)

        async def numbers(_: str) -> set[str]:
            return set()

        async def calls(user: str) -> set[str]:
            return k.handling.get(user, set())

        async def answered(user: str, uid: str) -> bool:
            return (user, uid) in k.answered

        stack.customer_access.set_access(numbers, calls, answered)
        k.dept = (await k.ok("lead", "POST", "/api/departments", 201,
                             json={"name": "Marketing", "head": "head1"}))["id"]
        yield k
        await stack.pop.close()
    await stack.engine.dispose()


async def test_the_workflow_with_its_roles_and_the_audit(kb: Kb) -> None:
    await kb.refused("a1", "POST", f"{URL}/entries", 403, "knowledge.needs_role",
                     json={"title": "t", "body": "b", "category": "business"})
    await kb.refused("lead", "POST", f"{URL}/entries", 400, "knowledge.unknown_category",
                     json={"title": "t", "body": "b", "category": "nope"})
    e = await kb.draft("宽带提速口径", "1. 核实账号\n2. 告知提速时间", tags=["宽带", "提速"], queues=["support"])
    assert e["state"] == "new" and e["open"]["state"] == "draft" and e["published"] is None
    assert e["open"]["body_html"] == "<ol><li>核实账号</li><li>告知提速时间</li></ol>"
    # an agent neither finds nor opens a draft
    assert await kb.titles("a1", "宽带提速") == []
    await kb.refused("a1", "GET", f"{URL}/entries/{e['id']}", 404, "knowledge.not_found")
    # the reviewer: a supervisor (settings knowledge.review_roles), not the author, not an agent or an admin
    await kb.refused("lead", "POST", f"{URL}/entries/{e['id']}/review", 403, "knowledge.own_review",
                     json={"version": e["version"]})
    await kb.refused("a1", "POST", f"{URL}/entries/{e['id']}/review", 403, "knowledge.needs_role",
                     json={"version": e["version"]})
    await kb.refused("boss", "POST", f"{URL}/entries/{e['id']}/review", 403, "knowledge.needs_role",
                     json={"version": e["version"]})
    # publishing before the review is refused
    await kb.refused("lead", "POST", f"{URL}/entries/{e['id']}/publish", 409, "knowledge.bad_state",
                     json={"version": e["version"]})
    e = await kb.step("lead2", e, "review", note="ok")
    assert e["open"]["state"] == "reviewed" and e["open"]["reviewed_by"] == "lead2"
    await kb.refused("a1", "POST", f"{URL}/entries/{e['id']}/publish", 403, "knowledge.needs_role",
                     json={"version": e["version"]})
    e = await kb.step("boss", e, "publish")
    assert e["state"] == "published" and e["open"] is None and e["valid_now"]
    assert e["published"]["published_by"] == "boss" and not e["published"]["confirmed"]
    assert await kb.titles("a1", "宽带提速") == ["宽带提速口径"]
    # the issuing department's head confirms, nobody else (an admin neither)
    await kb.refused("boss", "POST", f"{URL}/entries/{e['id']}/confirm", 403, "knowledge.not_department_head",
                     json={"version": e["version"]})
    e = await kb.step("head1", e, "confirm")
    assert e["published"]["confirmed"] and e["published"]["confirmed_by"] == "head1"
    await kb.refused("head1", "POST", f"{URL}/entries/{e['id']}/confirm", 409, "knowledge.already_confirmed",
                     json={"version": e["version"]})
    # withdrawn with a reason: gone from the agents' search, kept for the editors
    await kb.refused("lead", "POST", f"{URL}/entries/{e['id']}/withdraw", 400, "request.invalid",
                     json={"version": e["version"], "reason": ""})
    await kb.refused("a1", "POST", f"{URL}/entries/{e['id']}/withdraw", 403, "knowledge.needs_role",
                     json={"version": e["version"], "reason": "x"})
    e = await kb.step("lead", e, "withdraw", reason="活动结束")
    assert e["state"] == "withdrawn" and e["withdraw_reason"] == "活动结束" and not e["valid_now"]
    assert await kb.titles("a1", "宽带提速") == []
    assert await kb.titles("lead", "宽带提速") == ["宽带提速口径"]
    target = f"knowledge:{e['id']}"
    assert [(u, t) for u, t, _ in await kb.audit("knowledge.publish")] == [("boss", target)]
    assert [(u, t) for u, t, _ in await kb.audit("knowledge.confirm")] == [("head1", target)]
    [(who, where, detail)] = await kb.audit("knowledge.withdraw")
    assert (who, where, detail["reason"]) == ("lead", target, "活动结束")
    assert [u for u, _, _ in await kb.audit("knowledge.review")] == ["lead2"]


async def test_every_version_is_kept_and_the_published_one_stays_until_the_next_is_published(kb: Kb) -> None:
    e = await kb.published("国际漫游开通", "拨打10086开通国际漫游")
    stale = e["version"]
    e = await kb.ok("lead", "PATCH", f"{URL}/entries/{e['id']}",
                    json={"version": e["version"], "body": "在营业厅或App开通国际漫游", "note": "新渠道"})
    assert e["published"]["number"] == 1 and e["open"]["number"] == 2 and e["open"]["state"] == "draft"
    # the agents still find version 1
    [hit] = (await kb.search("a1", "国际漫游"))["items"]
    assert hit["revision"]["number"] == 1 and "10086" in hit["revision"]["body"]
    # a stale version is refused (409), like cases
    body = await kb.refused("lead", "PATCH", f"{URL}/entries/{e['id']}", 409, "knowledge.stale_version",
                            json={"version": stale, "title": "x"})
    assert body["details"] == {"entry_id": e["id"], "given": stale, "current": e["version"]}
    await kb.refused("lead2", "POST", f"{URL}/entries/{e['id']}/review", 409, "knowledge.stale_version",
                     json={"version": stale})
    e = await kb.step("lead2", e, "review")
    # editing a reviewed version sends it back to draft (reviewed again)
    e = await kb.ok("lead", "PATCH", f"{URL}/entries/{e['id']}", json={"version": e["version"], "tags": ["漫游"]})
    assert e["open"]["state"] == "draft" and e["open"]["reviewed_by"] is None and e["open"]["number"] == 2
    e = await kb.step("lead2", e, "review")
    e = await kb.step("lead", e, "publish")
    assert e["published"]["number"] == 2 and e["revisions"] == 2
    [hit] = (await kb.search("a1", "国际漫游"))["items"]
    assert hit["revision"]["number"] == 2 and "营业厅" in hit["revision"]["body"]
    vs = await kb.ok("lead", "GET", f"{URL}/entries/{e['id']}/versions")
    assert [(v["number"], v["state"]) for v in vs["items"]] == [(1, "superseded"), (2, "published")]
    assert vs["items"][0]["body"] == "拨打10086开通国际漫游"
    await kb.refused("a1", "GET", f"{URL}/entries/{e['id']}/versions", 403, "knowledge.needs_role")
    edits = await kb.audit("knowledge.edit")
    assert [d["new_revision"] for _, _, d in edits] == [True, False]


async def test_validity_follows_the_clock(kb: Kb) -> None:
    soon = await kb.published("春节营业时间", "春节期间营业时间调整", valid_from=(T0 + timedelta(days=2)).isoformat(),
                              valid_to=(T0 + timedelta(days=9)).isoformat())
    assert not soon["valid_now"]
    assert await kb.titles("a1", "营业时间") == []
    await kb.refused("a1", "GET", f"{URL}/entries/{soon['id']}", 404, "knowledge.not_found")
    assert await kb.titles("lead", "营业时间") == ["春节营业时间"]  # editors see it all along
    kb.clock.set(T0 + timedelta(days=2))  # on time
    assert await kb.titles("a1", "营业时间") == ["春节营业时间"]
    assert (await kb.ok("a1", "GET", f"{URL}/entries/{soon['id']}"))["valid_now"]
    catalogue = await kb.ok("a1", "GET", f"{URL}/entries")
    assert [(i["entry_id"], i["valid_now"]) for i in catalogue["items"]] == [(soon["id"], True)]
    kb.clock.set(T0 + timedelta(days=9))  # past valid_to: gone by itself
    assert await kb.titles("a1", "营业时间") == []
    assert (await kb.ok("a1", "GET", f"{URL}/entries"))["items"] == []
    assert (await kb.ok("lead", "GET", f"{URL}/entries"))["items"][0]["valid_now"] is False


async def test_valid_to_before_valid_from_is_400_naming_both(kb: Kb) -> None:
    bad = {"valid_from": (T0 + timedelta(days=5)).isoformat(), "valid_to": (T0 + timedelta(days=1)).isoformat()}
    body = await kb.refused("lead", "POST", f"{URL}/entries", 400, "knowledge.validity_order",
                            json={"title": "t", "body": "b", "category": "business", **bad})
    assert "valid_from" in body["message"] and "valid_to" in body["message"]
    assert body["details"]["fields"] == ["valid_from", "valid_to"]
    # an entry whose end passes before it is published: refused at publication, naming both
    e = await kb.draft("限时活动", "活动说明", valid_to=(T0 + timedelta(hours=1)).isoformat())
    e = await kb.step("lead2", e, "review")
    kb.clock.advance(2 * 3600)
    body = await kb.refused("lead", "POST", f"{URL}/entries/{e['id']}/publish", 400, "knowledge.validity_order",
                            json={"version": e["version"]})
    assert "valid_from" in body["messages"]["zh-CN"] and "valid_to" in body["messages"]["zh-CN"]
    await kb.refused("lead", "PATCH", f"{URL}/entries/{e['id']}", 400, "knowledge.validity_order",
                     json={"version": e["version"], "valid_from": (T0 + timedelta(days=1)).isoformat()})
    # no issuing department: it could never be confirmed
    e2 = await kb.draft("无部门", "内容", department_id=None)
    e2 = await kb.step("lead2", e2, "review")
    await kb.refused("lead", "POST", f"{URL}/entries/{e2['id']}/publish", 400, "knowledge.department_needed",
                     json={"version": e2["version"]})


async def test_chinese_search_of_one_two_and_more_characters_ranked_and_highlighted(kb: Kb) -> None:
    await kb.published("话费查询", "客户询问宽带账单时，先核实身份。", tags=["账单"])  # 宽带 in the wording
    await kb.published("宽带故障报修", "请客户重启光猫后再试。", tags=["故障"])  # 宽带 in the title
    await kb.published("5G套餐资费", "5G套餐每月128元，含流量。", tags=["套餐", "5G"])
    await kb.published("Roaming abroad", "Tell the customer to enable roaming in the app.", tags=["roaming"])
    # two characters (below a trigram): still found, the title hit above the wording hit
    r = await kb.search("a1", "宽带")
    assert [i["revision"]["title"] for i in r["items"]] == ["宽带故障报修", "话费查询"]
    top, second = r["items"]
    assert top["score"] > second["score"]
    assert top["title_marks"] == [[0, 2]] and top["title_html"] == "<mark>宽带</mark>故障报修"
    assert "<mark>宽带</mark>" in second["snippet_html"] and second["title_marks"] == []
    s = second["snippet"]
    [(a, b)] = second["snippet_marks"]
    assert s[a:b] == "宽带"
    # one character
    assert set(await kb.titles("a1", "修")) == {"宽带故障报修"}
    # three and more (the trigram index), a tag, English case-folded
    assert await kb.titles("a1", "重启光猫") == ["宽带故障报修"]
    assert await kb.titles("a1", "套餐资") == ["5G套餐资费"]
    assert await kb.titles("a1", "ROAMING") == ["Roaming abroad"]
    assert await kb.titles("a1", "5g") == ["5G套餐资费"]
    # several terms: every one must occur
    assert await kb.titles("a1", "宽带 光猫") == ["宽带故障报修"]
    assert await kb.titles("a1", "宽带 不存在的词") == []
    # the category filter
    assert await kb.titles("a1", "宽带") == ["宽带故障报修", "话费查询"]
    assert (await kb.search("a1", "宽带", category="information"))["items"] == []


@pytest.mark.parametrize("q", ["", " ", "\u3000", '"', '""', "*", "宽*", "NEAR(", 'NEAR("宽带" "故障", 2)', "%", "_",
                               "%%%", "\\", "' OR 1=1 --", "title:宽带", "宽带 OR 故障", "^宽", "😀", "😀宽带😀",
                               "\u200d", "a" * 10_000, "宽" * 7000, "🙂" * 5000, "AND", "-宽带", "(("])
async def test_hostile_queries_answer_200(kb: Kb, q: str) -> None:
    await kb.published("宽带故障报修", "请客户重启光猫后再试。100% 有效_说明")
    for who in ("a1", "lead"):
        r = await kb.req(who, "GET", f"{URL}/search", params={"q": q})
        assert r.status_code == 200, r.text
        assert isinstance(r.json()["items"], list)


@pytest.mark.parametrize("raw", ["%ED%A0%80", "%FF%FE", "%00", "%E5%AE", "%25%5F%22%2A", "%0A%0D%09"])
async def test_undecodable_or_control_bytes_in_the_query_are_never_a_500(kb: Kb, raw: str) -> None:
    await kb.published("宽带故障报修", "请客户重启光猫后再试。")
    r = await kb.req("a1", "GET", f"{URL}/search?q={raw}")
    assert r.status_code in (200, 400), r.text  # a NUL is refused at the edge, naming the parameter (400)
    assert r.status_code == 200 or r.json()["code"] == "request.nul_in_url"


async def test_highlights_and_wording_are_escaped(kb: Kb) -> None:
    e = await kb.published("<script>alert(1)</script> 宽带",
                           "**注意** <img src=x onerror=alert(1)>\n- 第一步\n- 第二步")
    html = e["published"]["body_html"]
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert html.startswith("<p><strong>注意</strong>") and "<ul><li>第一步</li><li>第二步</li></ul>" in html
    [hit] = (await kb.search("a1", "宽带"))["items"]
    assert hit["title_html"] == "&lt;script&gt;alert(1)&lt;/script&gt; <mark>宽带</mark>"
    [hit] = (await kb.search("a1", "script>"))["items"]
    assert "<script>" not in hit["title_html"] and "<mark>script&gt;</mark>" in hit["title_html"]


async def test_source_documents_kept_unchanged_with_their_checksum_and_limits(kb: Kb) -> None:
    data = "关于宽带提速的通知\n".encode() + bytes(range(256))
    doc = await kb.ok("lead", "POST", f"{URL}/documents", 201, files={"file": ("通知 2026.pdf", data)})
    assert doc["sha256"] == hashlib.sha256(data).hexdigest() and doc["size"] == len(data)
    assert doc["name"] == "通知 2026.pdf"
    await kb.refused("lead", "POST", f"{URL}/documents", 400, "knowledge.document_type",
                     files={"file": ("notice.html", b"<script>alert(1)</script>")})
    await kb.refused("lead", "POST", f"{URL}/documents", 400, "knowledge.document_empty",
                     files={"file": ("empty.pdf", b"")})
    await kb.refused("lead", "POST", f"{URL}/documents", 400, "knowledge.document_too_large",
                     files={"file": ("big.pdf", b"x" * 4097)})
    # the role is checked before the body is read (callcenter/bodylimit.py)
    await kb.refused("a1", "POST", f"{URL}/documents", 403, "auth.needs_role", files={"file": ("a.pdf", b"x")})
    # an agent reads it only once an entry they can find names it
    await kb.refused("a1", "GET", f"{URL}/documents/{doc['id']}", 404, "knowledge.document_not_found")
    e = await kb.published("宽带提速", "提速口径", document_id=doc["id"])
    assert e["published"]["document_id"] == doc["id"]
    r = await kb.req("a1", "GET", f"{URL}/documents/{doc['id']}")
    assert r.status_code == 200 and r.content == data
    assert r.headers["content-disposition"].startswith("attachment;")
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["content-type"] == "application/octet-stream"
    stored = kb.stack.knowledge.documents.path(await kb.stack.knowledge.repo.document(doc["id"]))  # type: ignore[arg-type]
    assert hashlib.sha256(stored.read_bytes()).hexdigest() == doc["sha256"]
    assert [u for u, _, _ in await kb.audit("knowledge.document_read")] == ["a1"]
    await kb.refused("lead", "POST", f"{URL}/entries", 400, "knowledge.no_such_document",
                     json={"title": "t", "body": "b", "category": "business", "document_id": 999})


async def test_uses_on_calls_counted_per_month(kb: Kb) -> None:
    e = await kb.published("宽带报修", "重启光猫")
    other = await kb.published("话费查询", "发送短信查询")
    await kb.refused("a1", "POST", f"{URL}/entries/{e['id']}/uses", 403, "knowledge.call_not_yours",
                     json={"call_uniqueid": "1.1"})
    assert [u for u, _, _ in await kb.audit("knowledge.use_denied")] == ["a1"]
    kb.handling["a1"] = {"1.1"}  # on the call now
    u = await kb.ok("a1", "POST", f"{URL}/entries/{e['id']}/uses", 201, json={"call_uniqueid": "1.1"})
    assert u["new"] and u["month"] == "2026-12" and u["revision_id"] == e["published"]["id"]
    again = await kb.ok("a1", "POST", f"{URL}/entries/{e['id']}/uses", 201, json={"call_uniqueid": "1.1"})
    assert not again["new"] and again["id"] == u["id"]
    kb.answered.add(("a2", "1.2"))  # a call a2 answered earlier
    await kb.ok("a2", "POST", f"{URL}/entries/{e['id']}/uses", 201, json={"call_uniqueid": "1.2"})
    await kb.ok("a2", "POST", f"{URL}/entries/{other['id']}/uses", 201, json={"call_uniqueid": "1.2"})
    kb.clock.set(datetime(2026, 12, 31, 16, 30, tzinfo=UTC))  # 00:30 on 1 January in Shanghai
    kb.handling["a1"] = {"1.3"}
    await kb.ok("a1", "POST", f"{URL}/entries/{e['id']}/uses", 201, json={"call_uniqueid": "1.3"})
    dec = await kb.ok("lead", "GET", f"{URL}/usage", params={"month": "2026-12"})
    assert [(i["entry_id"], i["uses"], i["calls"], i["title"]) for i in dec["items"]] == [
        (e["id"], 2, 2, "宽带报修"), (other["id"], 1, 1, "话费查询")]
    jan = await kb.ok("qc1", "GET", f"{URL}/usage", params={"month": "2027-01"})
    assert [(i["entry_id"], i["uses"]) for i in jan["items"]] == [(e["id"], 1)]
    per = await kb.ok("lead", "GET", f"{URL}/entries/{e['id']}/usage")
    assert per["months"] == [{"month": "2027-01", "uses": 1}, {"month": "2026-12", "uses": 2}]
    await kb.refused("a1", "GET", f"{URL}/usage", 403, "knowledge.needs_role", params={"month": "2026-12"})
    await kb.refused("lead", "GET", f"{URL}/usage", 400, "request.invalid", params={"month": "2026-13"})
    # an entry agents cannot find is not used on a call
    e = await kb.step("lead", await kb.ok("lead", "GET", f"{URL}/entries/{e['id']}"), "withdraw", reason="x")
    await kb.refused("a1", "POST", f"{URL}/entries/{e['id']}/uses", 409, "knowledge.not_in_use",
                     json={"call_uniqueid": "1.3"})
    assert len(await kb.audit("knowledge.use")) == 4


async def test_suggestions_for_the_queue_and_the_ivr_choice(kb: Kb) -> None:
    both = await kb.published("投诉处理口径", "先致歉", queues=["complaints"], ivr_choices=["menu-3"])
    queue_only = await kb.published("投诉升级", "升级规则", queues=["complaints"])
    await kb.published("宽带报修", "重启光猫", queues=["support"])
    draft = await kb.draft("未发布", "草稿", queues=["complaints"])
    r = await kb.ok("a1", "GET", f"{URL}/suggest", params={"queue": "complaints", "ivr": "menu-3"})
    assert [i["entry_id"] for i in r["items"]] == [both["id"], queue_only["id"]]
    assert draft["id"] not in [i["entry_id"] for i in r["items"]]
    r = await kb.ok("a1", "GET", f"{URL}/suggest", params={"ivr": "menu-3"})
    assert [i["entry_id"] for i in r["items"]] == [both["id"]]
    assert (await kb.ok("a1", "GET", f"{URL}/suggest"))["items"] == []
    cats = await kb.ok("a1", "GET", f"{URL}/categories")
    assert [(c["code"], c["zh_CN"]) for c in cats["items"]] == [
        ("information", "信息库"), ("business", "业务知识库"), ("encyclopaedia", "百科知识库")]
    policy = await kb.ok("a1", "GET", f"{URL}/policy")
    assert (policy["editor_roles"], policy["review_roles"], policy["publish_roles"]) == (
        ["supervisor", "admin"], ["supervisor"], ["supervisor", "admin"])
    assert policy["document_max_bytes"] == 4096 and "html" not in policy["document_types"]


async def test_anonymous_is_refused(kb: Kb) -> None:
    r = await kb.client.get(f"{URL}/search", params={"q": "宽带"})
    assert r.status_code == 401


async def test_the_migration_goes_down_and_up(db_url: str) -> None:
    import asyncio

    from alembic import command
    from sqlalchemy import inspect

    from callcenter.db import make_engine
    from callcenter.knowledge.models import KnowledgeRevision
    from callcenter.migrate import alembic_config, upgrade

    engine = make_engine(db_url)  # migrated to the head (a copy of this run's template)
    sqlite = db_url.startswith("sqlite")

    async def shape() -> tuple[set[str], set[str], set[str]] | None:
        async with engine.connect() as c:
            def read(sync: Any) -> tuple[set[str], set[str], set[str]] | None:
                i = inspect(sync)
                names = set(i.get_table_names())
                if "knowledge_revisions" not in names:
                    assert not {n for n in names if n.startswith("knowledge")}, names
                    return None
                return ({col["name"] for col in i.get_columns("knowledge_revisions")},
                        {n for n in names if n.startswith("knowledge")},
                        {str(x["name"]) for x in i.get_indexes("knowledge_revisions")})
            return await c.run_sync(read)

    got = await shape()
    assert got is not None
    assert got[0] == {c.name for c in KnowledgeRevision.__table__.columns}
    assert {"knowledge_entries", "knowledge_revisions", "knowledge_uses", "knowledge_targets",
            "knowledge_documents"} <= got[1]
    if sqlite:  # the FTS5 trigram table
        assert "knowledge_fts" in got[1]
    else:  # the pg_trgm GIN indexes
        assert {"ix_knowledge_revisions_trgm", "ix_knowledge_revisions_title_trgm"} <= got[2]
    await engine.dispose()
    await asyncio.to_thread(command.downgrade, alembic_config(db_url), "0022_call_back_places")
    engine = make_engine(db_url)
    assert await shape() is None
    await engine.dispose()
    await asyncio.to_thread(upgrade, db_url)
    engine = make_engine(db_url)
    assert await shape() == got
    await engine.dispose()
