"""The call-back desk's page (callbacks.html, 回访工作台) in a real browser against the real stack: a customer with a
phone number and a complaint of theirs worked to resolved over the API (by a handler of the department) make a
call-back task; the supervisor follows the header's link from the cases page, sees the task with the customer's
number and its time left ticking by the server's clock; a due time later than allowed is refused in the page's
words, one changed meanwhile (409) reloads the task and says so; a due time brought forward to a few seconds away
passes and the row turns overdue (red) on its own; the call-back rate of this week shows 0 % of 1 due against the
100 % target, as the API counts it. An agent who is not logged in at a seat presses Call: the refusal in Chinese
then English, the attempt that never reached the customer listed as not placed (it does not count), the outcome
form not offered; the page in Chinese shows the Chinese labels.

The call itself, the survey and the outcome need a phone: tests/integration/test_callback_desk.py drives them on a
real Asterisk with SIPp. Runs `python -m callcenter up` as the README does, without a managed Asterisk, and
Chromium headless through Playwright; what is stored is checked on both databases by tests/unit/test_callbacks.py,
so this runs on one (tests/browser/helpers.py on_one_database). Screenshots: test-artifacts/callbacks.png,
callbacks-failure.png on failure.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import ADMIN, add_user, api_as, chromium_page, ok, on_one_database, sign_in
from tests.helpers import ARTIFACTS, RunningUp, up_env, wait_http_ok
from tests.i18n_catalogue import CATALOGUES, i18n_keys, page_files

SUPERVISOR = ("sup7", "sup7-password")
AGENT = ("agent7", "agent7-password")
HANDLER = ("hand7", "hand7-password")
NUMBER = "13800138000"


def _local(at: datetime, tz: ZoneInfo) -> str:
    """A datetime-local input's value in the centre's timezone (seconds included)."""
    return at.astimezone(tz).strftime("%Y-%m-%dT%H:%M:%S")


@pytest.mark.db
@pytest.mark.browser
@on_one_database
def test_the_call_back_desk_lists_a_resolved_case_and_keeps_its_due_time_and_rate(db_url: str,
                                                                                  workdir: Path) -> None:
    env, s = up_env(db_url, workdir / "data", CALLCENTER_IVR__SEED_DEFAULT_FLOW="false",
                    CALLCENTER_ASTERISK__MANAGED="false")
    base = f"http://127.0.0.1:{s.http.port}"
    tz = ZoneInfo(s.timezone)
    page_errors: list[str] = []
    with RunningUp(env, workdir / "up.log") as up:
        wait_http_ok(f"{base}/ui/index.html", up.proc, 90)
        with api_as(base, ADMIN) as admin:
            add_user(admin, SUPERVISOR, "Supervisor Seven", ["supervisor"])
            add_user(admin, AGENT, "Agent Seven", ["agent"])
            add_user(admin, HANDLER, "Handler Seven", ["agent"])
            dept = ok(admin.post("/api/departments", json={"name": "After-sales"}))
            ok(admin.put(f"/api/departments/{dept['id']}/members/{HANDLER[0]}", json={"role": "handler"}))
            customer = ok(admin.post("/api/customers", json={"name": "Wang Wei", "numbers": [NUMBER]}))
            c = ok(admin.post("/api/cases", json={"type": "complaint", "description": "line keeps dropping",
                                                  "customer_id": customer["id"]}))
            for action, body in (("dispatch", {"department_id": dept["id"], "handler": HANDLER[0]}),
                                 ("investigate", {}), ("report", {"text": "a faulty card"}),
                                 ("resolve", {"decision": "card replaced"})):
                c = ok(admin.post(f"/api/cases/{c['number']}/{action}", json={"version": c["version"], **body}))
            number = c["number"]
            [task] = [x for x in ok(admin.get("/api/callbacks"))["items"] if x["case_number"] == number]
            assert (task["state"], task["number"], task["attempts"]) == ("open", NUMBER, 0)
            latest = datetime.fromisoformat(task["latest_due_at"])

            with chromium_page(page_errors, "callbacks-failure.png") as page:
                sign_in(page, base, SUPERVISOR, "link-cases")
                page.wait_for_url("**/ui/cases.html*")
                page.get_by_test_id("nav-callbacks").click()
                page.wait_for_url("**/ui/callbacks.html*")
                row = page.locator(f'[data-testid="cb-row"][data-case="{number}"]')
                expect(row).to_have_attribute("data-overdue", "false")
                expect(row.get_by_test_id("cb-number")).to_have_text(NUMBER)
                expect(row.get_by_test_id("cb-attempts")).to_have_text("0 / 3")
                expect(row.get_by_test_id("cb-state")).to_have_text("Open")
                expect(row.get_by_test_id("cb-case")).to_have_attribute("href", f"cases.html#case-{number}")
                left = row.get_by_test_id("cb-left")
                expect(left).to_contain_text(re.compile(r"^2d 2\d:\d\d:\d\d left$|^3d 00:00:00 left$"))
                first = left.inner_text()
                expect(left).not_to_have_text(first, timeout=3000)  # ticking

                row.get_by_test_id("cb-open").click()
                expect(page.get_by_test_id("cb-detail-heading")).to_have_text(f"Call-back task #{task['id']}")
                expect(page.get_by_test_id("cb-detail-number")).to_have_text(NUMBER)
                expect(page.get_by_test_id("cb-detail-latest")).to_contain_text(
                    latest.astimezone(tz).strftime("%Y-%m-%d %H:%M"))
                expect(page.get_by_test_id("cb-attempts-none")).to_be_visible()
                expect(page.get_by_test_id("cb-call-box")).to_be_hidden()  # a supervisor does not call
                expect(page.get_by_test_id("cb-outcome-form")).to_be_hidden()  # nothing to record yet

                # later than allowed: the server's refusal, naming the latest
                page.get_by_test_id("cb-due-input").fill(_local(latest + timedelta(hours=1), tz))
                page.get_by_test_id("cb-due-save").click()
                status = page.get_by_test_id("cb-due-status")
                expect(status).to_contain_text("never later than")
                expect(status).to_contain_text(latest.astimezone(tz).strftime("%Y-%m-%d %H:%M"))
                expect(status).to_contain_text("72 hours after the result")
                expect(page.get_by_test_id("cb-detail-due")).to_have_text(
                    latest.astimezone(tz).strftime("%Y-%m-%d %H:%M"))

                # changed meanwhile (an admin brought it forward): 409, the task read again, said so
                meanwhile = datetime.now(tz).replace(microsecond=0) + timedelta(hours=2)
                ok(admin.patch(f"/api/callbacks/{task['id']}/due",
                               json={"version": task["version"], "due_at": meanwhile.isoformat()}))
                page.get_by_test_id("cb-due-input").fill(_local(meanwhile - timedelta(hours=1), tz))
                page.get_by_test_id("cb-due-save").click()
                expect(status).to_contain_text("was changed meanwhile")
                expect(status).to_contain_text("The task was reloaded.")
                expect(page.get_by_test_id("cb-detail-due")).to_have_text(meanwhile.strftime("%Y-%m-%d %H:%M"))

                # brought forward to a few seconds away: it passes, and the row turns overdue by itself
                soon = datetime.now(tz).replace(microsecond=0) + timedelta(seconds=6)
                page.get_by_test_id("cb-due-input").fill(_local(soon, tz))
                page.get_by_test_id("cb-due-save").click()
                expect(status).to_contain_text(f"The due time is now {soon.strftime('%Y-%m-%d %H:%M')}")
                expect(row).to_have_attribute("data-overdue", "true", timeout=15_000)
                expect(row).to_have_class(re.compile(r"\bcb-overdue\b"))
                expect(left).to_contain_text("overdue by 00:00:")
                expect(page.get_by_test_id("cb-detail-left")).to_have_attribute("data-overdue", "true")
                stored = ok(admin.get(f"/api/callbacks/{task['id']}"))["task"]
                assert datetime.fromisoformat(stored["due_at"]) == soon and stored["overdue"] is True

                # the rate: this week by default (Monday to Sunday, centre time), as the API counts it
                today = datetime.now(tz).date()
                monday = today - timedelta(days=today.weekday())
                expect(page.get_by_test_id("cb-rate-from")).to_have_value(monday.isoformat())
                expect(page.get_by_test_id("cb-rate-to")).to_have_value((monday + timedelta(days=6)).isoformat())
                page.get_by_test_id("cb-rate-show").click()
                since = datetime(monday.year, monday.month, monday.day, tzinfo=tz)
                rate = ok(admin.get("/api/callbacks/rate", params={
                    "since": since.isoformat(), "until": (since + timedelta(days=7)).isoformat(), "period": "day"}))
                assert (rate["total"]["due"], rate["total"]["closed_in_time"], rate["total"]["rate"]) == (1, 0, 0.0)
                total = page.get_by_test_id("cb-rate-total")
                expect(total).to_have_attribute("data-due", "1")
                expect(total).to_contain_text("0 % of 1 due called back in time")
                expect(total).to_contain_text("target 100 %")
                day = page.locator(f'[data-testid="cb-rate-period"][data-key="{soon.date().isoformat()}"]')
                expect(day).to_contain_text("0 %")
                expect(page.get_by_test_id("cb-rate-agent")).to_contain_text("(not tried yet)")
                page.screenshot(path=str(ARTIFACTS / "callbacks.png"), full_page=True)

                # an agent not logged in at a seat presses Call: refused in the page's language
                page.get_by_test_id("logout").click()
                page.wait_for_url("**/ui/index.html*")
                sign_in(page, base, AGENT)
                expect(page.get_by_test_id("link-agent")).to_be_visible()  # signed in
                page.get_by_test_id("lang-switch").select_option("zh-CN")
                page.goto(f"{base}/ui/callbacks.html#task-{task['id']}")
                expect(page.get_by_test_id("cb-detail-heading")).to_have_text(f"回访任务 #{task['id']}")
                expect(page.get_by_test_id("cb-rate")).to_be_hidden()  # the rate is the leads'
                expect(page.get_by_test_id("cb-detail-state")).to_have_text("待回访")
                expect(row.get_by_test_id("cb-left")).to_contain_text("已逾期")
                expect(page.get_by_test_id("cb-due-save")).to_have_text("提前截止时间")
                call_button = page.get_by_test_id("cb-call")
                expect(call_button).to_have_text("拨打")
                expect(page.locator("th", has_text="客户号码")).to_have_count(1)
                call_button.click()
                call_status = page.get_by_test_id("cb-call-status")
                expect(call_status).to_contain_text("请先在座席签入")
                attempt = page.get_by_test_id("cb-attempt")
                expect(attempt).to_have_count(1)
                expect(attempt).to_have_attribute("data-call-outcome", "failed")
                expect(attempt.get_by_test_id("cb-attempt-call")).to_have_text("未拨出")
                expect(page.get_by_test_id("cb-outcome-form")).to_be_hidden()  # no attempt reached the customer
                expect(call_button).to_be_enabled()  # an attempt never placed does not count
                page.get_by_test_id("lang-switch").select_option("en")
                expect(call_status).to_contain_text("log in at a seat first")
                expect(attempt.get_by_test_id("cb-attempt-call")).to_have_text("not placed")
                expect(row.get_by_test_id("cb-attempts")).to_have_text("0 / 3")
            stored = ok(admin.get(f"/api/callbacks/{task['id']}"))
            assert stored["task"]["state"] == "open" and stored["task"]["attempts"] == 0
            assert [a["call_outcome"] for a in stored["attempts"]] == ["failed"]
    assert not page_errors, page_errors


def test_every_text_the_call_back_page_uses_exists_in_both_languages() -> None:
    used: set[str] = set()
    for f in page_files("callbacks"):
        used |= set(re.findall(r'"(callbacks\.[a-z_.]+)"', f.read_text(encoding="utf-8")))
    used |= {f"callbacks.state.{v}" for v in ("open", "reached", "refused", "problem_stands", "unreachable",
                                             "cancelled")}
    used |= {f"callbacks.outcome.{v}" for v in ("reached", "problem_stands", "refused", "wrong_number",
                                               "no_answer", "busy")}
    used |= {f"callbacks.call_outcome.{v}" for v in ("pending", "answered", "no_answer", "busy", "rejected",
                                                    "failed")}
    used |= {f"callbacks.point.{v}" for v in ("attitude", "skill", "timeliness", "promises")}
    used |= {f"callbacks.level.{v}" for v in ("very_satisfied", "satisfied", "fair", "poor")}
    used |= {"callbacks.link"}  # the header's link (core/header.js)
    for lang, keys in i18n_keys().items():
        assert not used - keys, (lang, sorted(used - keys))
    # the survey's and the outcomes' words as the issue names them
    zh, en = (CATALOGUES / "callbacks.js").read_text(encoding="utf-8").split('\n  "en": {', 1)
    words = {"point.attitude": ("服务态度", "Attitude"), "point.skill": ("业务技能", "Skill"),
             "point.timeliness": ("处理时效", "Timeliness"), "point.promises": ("承诺兑现", "Promises kept"),
             "level.very_satisfied": ("很满意", "very satisfied"), "level.satisfied": ("满意", "satisfied"),
             "level.fair": ("一般", "fair"), "level.poor": ("较差", "poor"),
             "outcome.reached": ("已联系", "Reached"), "outcome.problem_stands": ("问题未解决", "Problem stands"),
             "outcome.refused": ("拒绝回访", "Refused"), "outcome.wrong_number": ("号码错误", "Wrong number"),
             "outcome.no_answer": ("无人接听", "No answer"), "outcome.busy": ("忙", "Busy")}
    for key, (zh_word, en_word) in words.items():
        assert f'"callbacks.{key}": "{zh_word}",' in zh, key
        assert f'"callbacks.{key}": "{en_word}",' in en, key
