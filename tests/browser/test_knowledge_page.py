"""The knowledge base's pages in a real browser against the real stack (issue 16, parts 2 and 5).

On knowledge.html: the admin writes an entry with a Chinese wording (steps, a list, bold), its category, issuing
department (市场部, set up over the API with its head), validity end, queue and IVR choice, and uploads its source
document; the supervisor reviews it (the admin, its author, is offered no review), an edit made meanwhile over the
API turns the supervisor's Publish into the server's "changed meanwhile" (409) with the entry read again (a draft
again), then reviews and publishes it; the department's head finds it by searching 宽带 (highlighted), confirms it
(the Confirm button is the head's only), and the page in Chinese shows the Chinese texts. A hostile entry (title
``<img src=x onerror=alert(1)>``, a ``<script>`` in its wording) shows as text: no element, no dialog.

On the agent desktop: the agent finds both entries by 宽带 in the knowledge panel as they type; a call's pop (the
call is not placed through Asterisk: the pop is rendered with window.ccAgent.renderPop, and the agent's on_call
state-log row for that call is written to the database as the ACD would have, since that is what lets an agent
mark an entry used on a call) brings the suggestion for its queue and IVR choice; the wording is read in the
panel and marked used on this call, shown done, counted in the month's usage (API and page). A real call's pop
is covered by test_agent_desktop.py; the suggestion, search and use rules by tests/unit/test_knowledge.py on both
databases, so this runs on one (tests/browser/helpers.py on_one_database). Screenshots: test-artifacts/
knowledge.png, knowledge-desk.png; knowledge-failure.png on failure.
"""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Dialog, Page, expect
from sqlalchemy import insert

from callcenter.acd.models import AgentStateLog
from callcenter.db import make_engine
from tests.browser.helpers import ADMIN, add_user, api_as, chromium_page, ok, on_one_database, sign_in
from tests.helpers import ARTIFACTS, RunningUp, up_env, wait_http_ok
from tests.i18n_catalogue import i18n_keys, page_files

SUPERVISOR = ("kbsup", "kbsup-password")
HEAD = ("kbhead", "kbhead-password")
AGENT = ("kbagent", "kbagent-password")
CALL = "1767225600.42"
TITLE = "宽带套餐资费口径"
WORDING = ("# 宽带套餐\n客户咨询宽带资费时，按以下口径答复：\n1. 100M 宽带每月 **50 元**\n2. 安装免费\n\n"
           "- 合约期 12 个月")
HOSTILE = "<img src=x onerror=alert(1)>宽带故障"
HOSTILE_BODY = "<script>alert(2)</script>宽带故障时请先重启光猫"


async def _agent_was_on_call(db_url: str, user_id: int, username: str, uniqueid: str) -> None:
    """The agent's on_call row for the call in the state log, as the ACD writes it when an agent answers."""
    engine = make_engine(db_url)
    try:
        async with engine.begin() as c:
            await c.execute(insert(AgentStateLog).values(
                user_id=user_id, username=username, extension="1001", state="on_call", reason="",
                call_uniqueid=uniqueid, source="ami", at=datetime.now(UTC)))
    finally:
        await engine.dispose()


def _log_out(page: Page) -> None:
    page.get_by_test_id("logout").click()
    page.wait_for_url("**/ui/index.html*")


def _open_knowledge(page: Page, base: str, user: tuple[str, str]) -> None:
    sign_in(page, base, user, "link-knowledge")
    page.wait_for_url("**/ui/knowledge.html*")
    expect(page.get_by_test_id("kb-table")).to_be_visible()


@pytest.mark.db
@pytest.mark.browser
@on_one_database
def test_an_entry_written_reviewed_published_and_confirmed_is_found_and_used_on_the_desktop(db_url: str,
                                                                                            workdir: Path) -> None:
    env, s = up_env(db_url, workdir / "data", CALLCENTER_IVR__SEED_DEFAULT_FLOW="false",
                    CALLCENTER_ASTERISK__MANAGED="false")
    base = f"http://127.0.0.1:{s.http.port}"
    tz = ZoneInfo(s.timezone)
    page_errors: list[str] = []
    dialogs: list[str] = []
    notice = workdir / "宽带资费通知.txt"
    notice.write_text("关于宽带资费调整的通知：100M 宽带每月 50 元。\n", encoding="utf-8")
    valid_to = (datetime.now(tz) + timedelta(days=30)).replace(hour=18, minute=0, second=0, microsecond=0)
    with RunningUp(env, workdir / "up.log") as up:
        wait_http_ok(f"{base}/ui/index.html", up.proc, 90)
        with api_as(base, ADMIN) as admin:
            add_user(admin, SUPERVISOR, "Supervisor KB", ["supervisor"])
            add_user(admin, HEAD, "Head of Marketing", ["supervisor"])
            agent = add_user(admin, AGENT, "Agent KB", ["agent"])
            dept = ok(admin.post("/api/departments", json={"name": "市场部", "head": HEAD[0]}))
            asyncio.run(_agent_was_on_call(db_url, agent["id"], AGENT[0], CALL))
            # the hostile entry: written by the admin, reviewed by the supervisor, published by the admin
            with api_as(base, SUPERVISOR) as sup_api:
                bad = ok(admin.post("/api/knowledge/entries", json={
                    "title": HOSTILE, "body": HOSTILE_BODY, "category": "information", "department_id": dept["id"]}))
                bad = ok(sup_api.post(f"/api/knowledge/entries/{bad['id']}/review", json={"version": bad["version"]}))
                ok(admin.post(f"/api/knowledge/entries/{bad['id']}/publish", json={"version": bad["version"]}))

            with chromium_page(page_errors, "knowledge-failure.png") as page:
                def on_dialog(d: Dialog) -> None:  # an alert() of a hostile text that ran
                    dialogs.append(d.message)
                    d.dismiss()

                page.on("dialog", on_dialog)

                # the admin writes the entry
                _open_knowledge(page, base, ADMIN)
                page.get_by_test_id("kb-new").click()
                expect(page.get_by_test_id("kb-form-heading")).to_have_text("New entry (draft)")
                page.get_by_test_id("kb-f-title").fill(TITLE)
                page.get_by_test_id("kb-f-category").select_option("business")
                page.get_by_test_id("kb-f-department").select_option(str(dept["id"]))
                page.get_by_test_id("kb-f-valid-to").fill(valid_to.strftime("%Y-%m-%dT%H:%M"))
                page.get_by_test_id("kb-f-tags").fill("宽带，资费")
                page.get_by_test_id("kb-f-queues").fill("broadband")
                page.get_by_test_id("kb-f-ivr").fill("consultation")
                page.get_by_test_id("kb-f-body").fill(WORDING)
                page.get_by_test_id("kb-f-file").set_input_files(str(notice))
                page.get_by_test_id("kb-f-save").click()
                expect(page.get_by_test_id("kb-status")).to_contain_text("created (a draft)")
                expect(page.get_by_test_id("kb-form")).to_be_hidden()
                expect(page.get_by_test_id("kb-open-state")).to_have_text("draft")
                entry_id = int(page.get_by_test_id("kb-detail").get_attribute("data-entry") or 0)
                stored = ok(admin.get(f"/api/knowledge/entries/{entry_id}"))
                rev = stored["open"]
                assert (rev["title"], rev["body"], rev["category"], rev["tags"], rev["queues"], rev["ivr_choices"],
                        rev["department_id"]) == (TITLE, WORDING, "business", ["宽带", "资费"], ["broadband"],
                                                  ["consultation"], dept["id"])
                assert datetime.fromisoformat(rev["valid_to"]) == valid_to
                doc = ok(admin.get(f"/api/knowledge/documents/{rev['document_id']}/meta"))
                assert doc["name"] == notice.name and doc["size"] == notice.stat().st_size
                expect(page.get_by_test_id("kb-open-document")).to_contain_text(notice.name)
                link = page.get_by_test_id("kb-open-document").get_by_test_id("kb-document-link")
                expect(link).to_have_attribute("href", f"/api/knowledge/documents/{doc['id']}")
                body = page.get_by_test_id("kb-open-body")
                expect(body.locator("ol > li")).to_have_count(2)
                expect(body.locator("strong")).to_have_text("50 元")
                expect(page.get_by_test_id("kb-review-box")).to_be_hidden()  # the admin is no reviewer
                expect(page.get_by_test_id("kb-publish")).to_be_hidden()  # not reviewed yet
                _log_out(page)

                # the supervisor reviews; an edit meanwhile makes the publish stale; reviewed again, published
                _open_knowledge(page, base, SUPERVISOR)
                row = page.locator(f'[data-testid="kb-row"][data-entry="{entry_id}"]')
                expect(row.get_by_test_id("kb-row-state")).to_have_text("Not published · a draft version")
                row.click()
                expect(page.get_by_test_id("kb-detail-title")).to_have_text(TITLE)
                page.get_by_test_id("kb-review-note").fill("口径准确")
                page.get_by_test_id("kb-review").click()
                status = page.get_by_test_id("kb-action-status")
                expect(status).to_have_text("Reviewed: it can be published.")
                expect(page.get_by_test_id("kb-open-state")).to_have_text("reviewed")
                seen = ok(admin.get(f"/api/knowledge/entries/{entry_id}"))
                ok(admin.patch(f"/api/knowledge/entries/{entry_id}",
                               json={"version": seen["version"], "note": "据通知第二条修订"}))
                page.get_by_test_id("kb-publish").click()
                expect(status).to_contain_text("was changed meanwhile")
                expect(status).to_contain_text("The entry was read again.")
                expect(page.get_by_test_id("kb-open-state")).to_have_text("draft")
                expect(page.get_by_test_id("kb-publish")).to_be_hidden()
                page.get_by_test_id("kb-review").click()
                expect(status).to_have_text("Reviewed: it can be published.")
                page.get_by_test_id("kb-publish").click()
                expect(status).to_have_text("Published: agents find it now.")
                expect(page.get_by_test_id("kb-detail-state")).to_have_text("Published")
                expect(page.get_by_test_id("kb-detail-valid")).to_have_text("Valid now")
                expect(page.get_by_test_id("kb-detail-confirmed")).to_have_text(
                    "Awaiting the issuing department's confirmation")
                expect(page.get_by_test_id("kb-confirm")).to_be_hidden()  # the supervisor is not the head
                expect(page.get_by_test_id("kb-pub-body").locator("li")).to_have_count(3)
                expect(page.get_by_test_id("kb-version")).to_have_count(1)
                expect(page.get_by_test_id("kb-version-state")).to_have_text("published")
                expect(row.get_by_test_id("kb-row-state")).to_have_text("Published · Valid now")
                expect(row.get_by_test_id("kb-row-category")).to_have_text("Business knowledge")
                expect(row.get_by_test_id("kb-row-department")).to_have_text("市场部")
                expect(row.get_by_test_id("kb-row-to")).to_have_text(valid_to.strftime("%Y-%m-%d %H:%M"))
                expect(row.get_by_test_id("kb-row-from")).to_have_text("from publication")
                _log_out(page)

                # the department's head finds it by 宽带, confirms; the hostile title is text
                _open_knowledge(page, base, HEAD)
                page.get_by_test_id("kb-search").fill("宽带")
                expect(page.get_by_test_id("kb-count")).to_have_text("2 found")
                rows = page.get_by_test_id("kb-row")
                expect(rows).to_have_count(2)
                expect(rows.first.get_by_test_id("kb-row-title")).to_have_text(TITLE)  # the better title hit
                expect(rows.first.locator("mark").first).to_have_text("宽带")
                hostile = page.locator(f'[data-testid="kb-row"][data-entry="{bad["id"]}"]')
                expect(hostile.get_by_test_id("kb-row-title")).to_have_text(HOSTILE)
                expect(page.locator("#kb-rows img")).to_have_count(0)
                hostile.click()
                expect(page.get_by_test_id("kb-detail-title")).to_have_text(HOSTILE)
                expect(page.get_by_test_id("kb-pub-body")).to_have_text(HOSTILE_BODY)
                expect(page.locator("#kb-detail img, #kb-detail script")).to_have_count(0)
                page.locator(f'[data-testid="kb-row"][data-entry="{entry_id}"]').click()
                expect(page.get_by_test_id("kb-detail-title")).to_have_text(TITLE)
                page.get_by_test_id("kb-confirm").click()
                expect(status).to_have_text("The wording is confirmed.")
                expect(page.get_by_test_id("kb-detail-confirmed")).to_have_text("Confirmed by the department")
                expect(page.get_by_test_id("kb-pub-confirmed")).to_contain_text(f"confirmed by {HEAD[0]}")
                expect(page.get_by_test_id("kb-confirm")).to_be_hidden()
                # in Chinese
                page.get_by_test_id("lang-switch").select_option("zh-CN")
                expect(page.get_by_test_id("kb-detail-confirmed")).to_have_text("部门已确认")
                expect(page.get_by_test_id("kb-detail-state")).to_have_text("已发布")
                expect(page.locator("th", has_text="发文部门")).to_have_count(1)
                expect(page.get_by_test_id("kb-count")).to_have_text("找到 2 条")
                row = page.locator(f'[data-testid="kb-row"][data-entry="{entry_id}"]')
                expect(row.get_by_test_id("kb-row-category")).to_have_text("业务知识库")
                expect(row.get_by_test_id("kb-row-state")).to_have_text("已发布 · 当前有效")
                expect(status).to_have_text("已确认口径。")
                page.screenshot(path=str(ARTIFACTS / "knowledge.png"), full_page=True)
                page.get_by_test_id("lang-switch").select_option("en")
                stored = ok(admin.get(f"/api/knowledge/entries/{entry_id}"))
                assert stored["published"]["confirmed_by"] == HEAD[0] and stored["valid_now"] is True
                assert stored["published"]["review_note"] == "" and stored["published"]["note"] == "据通知第二条修订"
                _log_out(page)

                # the agent: the desktop's panel searches as they type, suggests for the call, marks it used
                frames: list[str] = []
                page.on("websocket", lambda ws: ws.on(
                    "framereceived", lambda p: frames.append(p if isinstance(p, str) else p.decode())))
                sign_in(page, base, AGENT, "link-agent")
                page.wait_for_url("**/ui/agent.html*")
                panel = page.get_by_test_id("kb-desk")
                expect(panel).to_be_visible()
                expect(page.get_by_test_id("kb-desk-call")).to_have_text(
                    "During a call, the entries for the caller's queue and IVR choice are suggested here.")
                page.get_by_test_id("kb-desk-search").press_sequentially("宽带")
                results = page.get_by_test_id("kb-desk-result")
                expect(results).to_have_count(2)
                expect(page.get_by_test_id("kb-desk-found")).to_have_text("2 found")
                expect(results.first.locator("mark").first).to_have_text("宽带")
                expect(page.locator(f'[data-testid="kb-desk-result"][data-entry="{bad["id"]}"]')
                       .get_by_test_id("kb-desk-title")).to_have_text(HOSTILE)
                expect(panel.locator("img, script")).to_have_count(0)

                # the call: after the socket's hello (which sets the pop the server knows: none)
                deadline = datetime.now() + timedelta(seconds=10)
                while not any('"hello"' in f for f in frames):
                    assert datetime.now() < deadline, "no hello on /ws/agent"
                    page.wait_for_timeout(50)
                page.evaluate("""(uid) => window.ccAgent.renderPop({
                    call_uniqueid: uid, phase: "active", caller_number: "13800138000", caller_name: "",
                    dialled_number: "95000", queue: "broadband", wait_seconds: 3, ivr_path: [],
                    ivr_choices: [{node: "main", digits: "1", target: "consultation",
                                   label_zh: "业务咨询", label_en: "Business consultation"}],
                    ivr_labels: {}, customer: null, recent_calls: [], service_records: [], open_follow_ups: [],
                    open_cases: [], open_cases_total: 0})""", CALL)
                expect(page.get_by_test_id("pop-card")).to_be_visible()
                expect(page.get_by_test_id("kb-desk-call")).to_have_text(
                    "Suggested for this call: queue broadband · IVR Business consultation")
                suggestion = page.get_by_test_id("kb-desk-suggestion")
                expect(suggestion).to_have_count(1)
                expect(suggestion.get_by_test_id("kb-desk-title")).to_have_text(TITLE)
                suggestion.get_by_test_id("kb-desk-open").click()
                expect(page.get_by_test_id("kb-desk-reader-title")).to_have_text(TITLE)
                expect(page.get_by_test_id("kb-desk-body").locator("li", has_text="安装免费")).to_have_count(1)
                expect(page.get_by_test_id("kb-desk-valid-to")).to_have_text(
                    f"valid until {valid_to.strftime('%Y-%m-%d %H:%M')}")  # the centre's time
                expect(page.get_by_test_id("kb-desk-document")).to_have_attribute(
                    "href", f"/api/knowledge/documents/{doc['id']}")
                use = page.get_by_test_id("kb-desk-use")
                expect(use).to_have_text("Used on this call")
                use.click()
                expect(use).to_have_text("✓ Marked used on this call")
                expect(use).to_be_disabled()
                expect(suggestion.get_by_test_id("kb-desk-used-mark")).to_be_visible()
                page.get_by_test_id("lang-switch").select_option("zh-CN")
                expect(use).to_have_text("✓ 已标记本通话使用")
                expect(page.get_by_test_id("kb-desk-call")).to_have_text(
                    "为本通话推荐：队列 broadband · 语音导航 业务咨询")
                expect(panel.locator("h2")).to_have_text("知识库")
                page.screenshot(path=str(ARTIFACTS / "knowledge-desk.png"), full_page=True)
                page.get_by_test_id("lang-switch").select_option("en")
                month = datetime.now(tz).strftime("%Y-%m")
                usage = ok(admin.get("/api/knowledge/usage", params={"month": month}))
                assert [(u["entry_id"], u["uses"], u["calls"]) for u in usage["items"]] == [(entry_id, 1, 1)]
                _log_out(page)

                # the month's usage on the page (the admin)
                _open_knowledge(page, base, ADMIN)
                used = page.locator(f'[data-testid="kb-month-row"][data-entry="{entry_id}"]')
                expect(used.get_by_test_id("kb-month-uses")).to_have_text("1")
                used.locator("a").click()
                expect(page.get_by_test_id("kb-usage-row").get_by_test_id("kb-usage-uses")).to_have_text("1")

                # withdrawn with a reason (none: the page asks for one), agents no longer find it
                page.get_by_test_id("kb-withdraw").click()
                expect(status).to_have_text("A withdrawal needs a reason.")
                page.get_by_test_id("kb-withdraw-reason").fill("资费调整已结束")
                page.get_by_test_id("kb-withdraw").click()
                expect(status).to_have_text("Withdrawn: agents no longer find it.")
                expect(page.get_by_test_id("kb-detail-state")).to_have_text("Withdrawn")
                expect(page.get_by_test_id("kb-withdrawn-note")).to_contain_text("reason: 资费调整已结束")
                expect(page.get_by_test_id("kb-withdraw-box")).to_be_hidden()
                expect(page.get_by_test_id("kb-version-state")).to_have_text("withdrawn")
            with api_as(base, AGENT) as agent_api:
                found = ok(agent_api.get("/api/knowledge/search", params={"q": "宽带"}))
                assert [h["entry_id"] for h in found["items"]] == [bad["id"]]
    assert not dialogs, dialogs
    assert not page_errors, page_errors


def test_every_text_the_knowledge_pages_use_exists_in_both_languages() -> None:
    used: set[str] = set()
    files = page_files("knowledge") + [p for p in page_files("agent") if p.name == "knowledge.js"]
    files += [p for p in page_files("index") if p.name == "index.js"]
    for f in files:
        used |= set(re.findall(r'"(knowledge\.[a-z_.]+)"', f.read_text(encoding="utf-8")))
    used -= {"knowledge.html", "knowledge.js"}
    used |= {f"knowledge.entry_state.{s}" for s in ("new", "published", "withdrawn")}
    used |= {f"knowledge.rev_state.{s}" for s in ("draft", "reviewed", "published", "superseded", "withdrawn")}
    assert {"knowledge.link", "knowledge.desk.use", "knowledge.desk.used"} <= used
    for lang, keys in i18n_keys().items():
        assert not used - keys, (lang, sorted(used - keys))
