"""The cases page (cases.html) in a real browser against the real stack: a supervisor opens a case without a
call (a letter) and dispatches it to a department's handler; the handler, in a second browser, finds it in the
list, starts the investigation (pushed over /ws/cases to the supervisor's open page) and gives the report with a
file; the supervisor, whose page no longer follows (its socket stopped) and still shows the case as
investigating, tries to dispatch it again and gets the server's 409 (the page reloads the case, now reported),
resolves it with a settlement, records the customer informed by phone and closes it; the customer does not
accept, and the re-raise opens a new case linked to the original, shown in the list; the complaint's cause is
chosen from the configured list (GET /api/cases/causes) when it is opened and changed by "Classify" on the new
case, shown in words; the list's CSV is the list as filtered; the page in Chinese.

Runs `python -m callcenter up` as the README does, without a managed Asterisk (no call is needed: the case
comes from a letter), and Chromium headless through Playwright. Users and the department are set up over the
API as an admin would. Screenshots: test-artifacts/cases.png, cases-failure.png on failure.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from callcenter.cases.policy import CAUSE_WORDS
from tests.browser.helpers import ADMIN, add_user, api_as, chromium_page, ok, sign_in
from tests.helpers import ARTIFACTS, RunningUp, up_env, wait_http_ok
from tests.i18n_catalogue import i18n_keys, page_files

SUPERVISOR = ("sup8", "sup8-password")
HANDLER = ("hand8", "hand8-password")
DEPARTMENT = "After-sales"
NUMBER = re.compile(r"^TS-\d{8}-\d{5}$")


def _state(page: Page) -> str:
    return page.get_by_test_id("cases-detail-state").get_attribute("data-state") or ""


def _act(page: Page, action: str) -> None:
    page.get_by_test_id("cases-actions").get_by_test_id(f"case-action-{action}").click()


def _number(page: Page) -> str:
    title = page.get_by_test_id("cases-detail-title").inner_text()
    number = title.split(" ")[0]
    assert NUMBER.match(number), title
    return number


@pytest.mark.db
@pytest.mark.browser
def test_a_case_is_dispatched_worked_resolved_closed_and_re_raised_on_the_page(db_url: str, workdir: Path) -> None:
    env, s = up_env(db_url, workdir / "data", CALLCENTER_IVR__SEED_DEFAULT_FLOW="false",
                    CALLCENTER_ASTERISK__MANAGED="false")
    base = f"http://127.0.0.1:{s.http.port}"
    page_errors: list[str] = []
    with RunningUp(env, workdir / "up.log") as up:
        # no Asterisk here, so /api/health answers 503 (AMI down): wait for the pages instead
        wait_http_ok(f"{base}/ui/index.html", up.proc, 90)
        with api_as(base, ADMIN) as admin:
            add_user(admin, SUPERVISOR, "Supervisor Eight", ["supervisor"])
            add_user(admin, HANDLER, "Handler Eight", ["agent"])
            dept = ok(admin.post("/api/departments", json={"name": DEPARTMENT}))
            ok(admin.put(f"/api/departments/{dept['id']}/members/{HANDLER[0]}", json={"role": "handler"}))

        with chromium_page(page_errors, "cases-failure.png") as sup:
            # the supervisor: a new case from a letter
            sign_in(sup, base, SUPERVISOR, "link-cases")
            sup.wait_for_url("**/ui/cases.html*")
            sup.get_by_test_id("cases-new-toggle").click()
            sup.get_by_test_id("cases-new-type").select_option("complaint")
            # the cause from the configured list: choosing the cause chooses its class
            cause_class, cause = sup.get_by_test_id("cases-new-cause-class"), sup.get_by_test_id("cases-new-cause")
            expect(cause_class).to_have_value("")
            cause.select_option("network_fault")
            expect(cause_class).to_have_value("non_quality")
            assert cause.locator("option").all_inner_texts() == [
                "(no cause chosen)", "product", "network fault", "billing", "policy", "other"]
            sup.get_by_test_id("cases-new-description").fill("Letter: the router was replaced but still drops.")
            sup.get_by_test_id("cases-new-demand").fill("A working line and a refund of the month.")
            sup.get_by_test_id("cases-new-submit").click()
            expect(sup.get_by_test_id("cases-new-status")).to_contain_text("created")
            expect(sup.get_by_test_id("cases-detail")).to_be_visible()
            number = _number(sup)
            expect(sup.get_by_test_id(f"case-row-{number}")).to_have_attribute("data-state", "accepted")
            expect(sup.get_by_test_id("cases-detail-cause")).to_have_text("non-quality / network fault")
            assert _state(sup) == "accepted"
            # the age ticks by the server's clock
            age = sup.get_by_test_id("cases-detail-age")
            first = age.inner_text()
            expect(age).not_to_have_text(first, timeout=3000)

            # dispatched to the department's handler
            _act(sup, "dispatch")
            sup.get_by_test_id("case-dispatch-department").select_option(label=DEPARTMENT)
            sup.get_by_test_id("case-dispatch-handler").select_option(HANDLER[0])
            sup.get_by_test_id("case-submit-dispatch").click()
            expect(sup.get_by_test_id("cases-detail-state")).to_have_attribute("data-state", "dispatched")
            expect(sup.get_by_test_id("cases-detail-handler")).to_have_text(HANDLER[0])
            expect(sup.get_by_test_id(f"case-state-{number}")).to_have_text("dispatched")

            # the handler, in a browser of their own
            ctx = sup.context.browser.new_context(viewport={"width": 1440, "height": 1000})  # type: ignore[union-attr]
            try:
                hand = ctx.new_page()
                hand.on("pageerror", lambda e: page_errors.append(str(e)))
                sign_in(hand, base, HANDLER, "link-cases")
                hand.get_by_test_id(f"case-link-{number}").click()
                expect(hand.get_by_test_id("cases-detail-state")).to_have_attribute("data-state", "dispatched")
                # a handler neither dispatches nor resolves
                expect(hand.get_by_test_id("case-action-investigate")).to_be_visible()
                expect(hand.get_by_test_id("case-action-dispatch")).to_have_count(0)
                expect(hand.get_by_test_id("case-action-resolve")).to_have_count(0)
                _act(hand, "investigate")
                expect(hand.get_by_test_id("cases-detail-state")).to_have_attribute("data-state", "investigating")
                # pushed over /ws/cases: the supervisor's open page follows without a reload
                expect(sup.get_by_test_id("ws-status")).to_have_attribute("data-ws", "open")
                expect(sup.get_by_test_id("cases-detail-state")).to_have_attribute("data-state", "investigating")
                expect(sup.get_by_test_id(f"case-state-{number}")).to_have_text("investigating")
                # from here the supervisor's page goes stale: its socket stopped (the list's 20 s reload leaves the
                # open case as it is)
                sup.evaluate("window.ccCases.state.socket.stop()")
                _act(hand, "report")
                hand.get_by_test_id("case-report-text").fill("Line test: the street cabinet port is faulty.")
                hand.get_by_test_id("case-report-files").set_input_files(
                    {"name": "line-test.txt", "mimeType": "text/plain", "buffer": b"port 14: CRC errors\n"})
                hand.get_by_test_id("case-submit-report").click()
                expect(hand.get_by_test_id("cases-detail-state")).to_have_attribute("data-state", "reported")
                expect(hand.get_by_test_id("cases-files").get_by_test_id("cases-file")).to_contain_text("line-test.txt")
                expect(hand.get_by_test_id("cases-report-text")).to_have_text(
                    "Line test: the street cabinet port is faulty.")
            finally:
                ctx.close()

            # the supervisor's page still shows "investigating": dispatching again is refused (409) and reloads it
            assert _state(sup) == "investigating"
            _act(sup, "dispatch")
            sup.get_by_test_id("case-dispatch-department").select_option(label=DEPARTMENT)
            with sup.expect_response(lambda r: r.url.endswith(f"/api/cases/{number}/dispatch")) as answer:
                sup.get_by_test_id("case-submit-dispatch").click()
            assert answer.value.status == 409
            expect(sup.get_by_test_id("cases-action-status")).to_contain_text("reported")
            expect(sup.get_by_test_id("cases-detail-state")).to_have_attribute("data-state", "reported")
            expect(sup.get_by_test_id("cases-report-text")).to_contain_text("street cabinet")

            # resolved with a settlement (below any approval threshold), the customer told, closed
            _act(sup, "resolve")
            sup.get_by_test_id("case-resolve-decision").fill("Port replaced; the month is refunded.")
            sup.get_by_test_id("case-resolve-amount").fill("120")
            sup.get_by_test_id("case-submit-resolve").click()
            expect(sup.get_by_test_id("cases-detail-state")).to_have_attribute("data-state", "resolved")
            expect(sup.get_by_test_id("cases-decision-text")).to_contain_text("120")
            _act(sup, "inform")
            sup.get_by_test_id("case-inform-how").select_option("phone")
            sup.get_by_test_id("case-submit-inform").click()
            expect(sup.get_by_test_id("cases-detail-state")).to_have_attribute("data-state", "informed")
            _act(sup, "close")
            sup.get_by_test_id("case-submit-close").click()
            expect(sup.get_by_test_id("cases-detail-state")).to_have_attribute("data-state", "closed")
            timeline = sup.get_by_test_id("cases-timeline").get_by_test_id("cases-event")
            actions = [e.get_attribute("data-action") for e in timeline.all()]
            assert actions[:8] == ["created", "dispatched", "investigating", "file_added", "reported", "resolved",
                                   "informed", "closed"], actions
            expect(timeline.nth(1)).to_contain_text(HANDLER[0])
            expect(timeline.nth(4)).to_contain_text(HANDLER[0])

            # the customer does not accept: a new case linked to the original, which stays closed
            _act(sup, "reraise")
            sup.get_by_test_id("case-reraise-reason").fill("The line dropped again the next day.")
            sup.get_by_test_id("case-submit-reraise").click()
            expect(sup.get_by_test_id("cases-action-status")).to_contain_text("Re-raised")
            expect(sup.get_by_test_id("cases-detail-reraised-from")).to_have_text(number)
            new = _number(sup)
            assert new != number
            assert _state(sup) == "accepted"
            expect(sup.get_by_test_id(f"case-row-{new}")).to_have_attribute("data-state", "accepted")
            expect(sup.get_by_test_id(f"case-reraised-{new}")).to_contain_text(number)
            expect(sup.get_by_test_id(f"case-row-{number}")).to_have_attribute("data-state", "closed")

            # the new case (the original's cause copied) classified again: another class empties the cause
            _act(sup, "classify")
            cls, cause = sup.get_by_test_id("case-classify-cause-class"), sup.get_by_test_id("case-classify-cause")
            expect(cls).to_have_value("non_quality")
            expect(cause).to_have_value("network_fault")
            cls.select_option("quality")
            expect(cause).to_have_value("")
            cause.select_option("promise_broken")
            sup.get_by_test_id("case-classify-severity").select_option("serious")
            sup.get_by_test_id("case-submit-classify").click()
            expect(sup.get_by_test_id("cases-action-status")).to_contain_text("classified")
            expect(sup.get_by_test_id("cases-detail-cause")).to_have_text("quality / promise broken")
            last = sup.get_by_test_id("cases-timeline").get_by_test_id("cases-event").last
            expect(last).to_have_attribute("data-action", "classified")
            expect(last).to_contain_text("Cause=promise broken")
            sup.screenshot(path=str(ARTIFACTS / "cases.png"), full_page=True)

            # the dispatch list's order: oldest first
            rows = sup.get_by_test_id("cases-list").locator("tbody tr")
            expect(rows.first).to_have_attribute("data-number", new)
            sup.get_by_test_id("cases-sort").select_option("accepted_at")
            expect(rows.first).to_have_attribute("data-number", number)

            # the CSV is the list as filtered
            sup.get_by_test_id("cases-filter-state").select_option("closed")
            expect(sup.get_by_test_id(f"case-row-{new}")).to_have_count(0)
            href = sup.get_by_test_id("cases-csv").get_attribute("href") or ""
            assert href.startswith("/api/cases/export.csv?") and "state=closed" in href, href
            csv = sup.request.get(f"{base}{href}")
            assert csv.status == 200
            assert number in csv.text() and new not in csv.text()

            # in Chinese
            sup.get_by_test_id("lang-switch").select_option("zh-CN")
            expect(sup.get_by_test_id(f"case-state-{number}")).to_have_text("已结案")
            expect(sup.get_by_test_id("cases-detail-state")).to_have_text("已受理")
            expect(sup.get_by_test_id("cases-detail-cause")).to_have_text("质量类 / 承诺未兑现")
        with api_as(base, SUPERVISOR) as api:
            stored = ok(api.get(f"/api/cases/{new}"))
            assert (stored["cause_class"], stored["cause"], stored["severity"]) == (
                "quality", "promise_broken", "serious")
            assert ok(api.get(f"/api/cases/{number}"))["cause"] == "network_fault"
    assert not page_errors, page_errors


def test_every_text_the_cases_page_uses_exists_in_both_languages() -> None:
    used: set[str] = set()
    for f in page_files("cases"):
        used |= set(re.findall(r'"(cases\.[a-z_.]+)"', f.read_text(encoding="utf-8")))
    # the keys the scripts build from values
    used |= {f"cases.type.{v}" for v in ("complaint", "suggestion", "fault", "service_request")}
    used |= {f"cases.state.{v}" for v in ("accepted", "dispatched", "investigating", "reported", "resolved",
                                          "informed", "closed", "cancelled")}
    actions = ("dispatch", "investigate", "report", "review", "resolve", "inform", "close", "classify", "pause",
               "resume", "reraise", "cancel")
    used |= {f"cases.{kind}.{a}" for kind in ("action", "done") for a in actions}
    used |= {f"cases.submit.{a}" for a in actions if a not in ("investigate", "resume")}
    used |= {f"cases.col.{c}" for c in ("number", "type", "state", "clock", "severity", "department", "handler",
                                        "accepted_at", "age", "description")}
    # the clocks, the socket's badge
    used |= {f"cases.clock.{c}" for c in ("dispatch", "report", "close")}
    used |= {f"cases.clock_status.{v}" for v in ("running", "warning", "breached", "paused", "met", "met_late")}
    used |= {f"cases.event.clock_{v}" for v in ("warning", "breach", "escalate")}
    used |= {f"cases.escalated_to.{v}" for v in ("team_lead", "department_head", "director", "duty_manager")}
    used |= {f"cases.ws.{v}" for v in ("connecting", "open", "reconnecting", "refused")}
    used |= {"home.cases", "home.cases_desc"}
    # the cause selects and words (core/causes.js, shared with the desktop): the default causes have words
    used |= {"cases.unclassified", "cases.cause_none", "cases.cause_class.quality", "cases.cause_class.non_quality"}
    used |= {f"cases.cause.{c}" for c in CAUSE_WORDS}
    for lang, keys in i18n_keys().items():
        assert not used - keys, (lang, sorted(used - keys))
    index = (page_files("index")[1]).read_text(encoding="utf-8")
    assert 'href: "cases.html", key: "home.cases"' in index
