"""The responsibility review page (review.html) in a real browser against the real stack: a complaint naming the
employee is worked to closed over the API; the supervisor follows the cases page's link to the review, opens this
month's list (the complaint pending, the deadline counting down by the server's clock), records the review
(upheld, a written warning), and with the flag's threshold at 1 (a setting) the employee appears among the
flagged; a second record of the same case is refused in the page's language; the page in Chinese; the case's
timeline on the cases page shows the review, and the flag's notice to the supervisor.

Runs `python -m callcenter up` as the README does, without a managed Asterisk, and Chromium headless through
Playwright. What is stored is checked on both databases by tests/unit/test_case_review.py, so this runs on one
(PostgreSQL when configured; tests/browser/helpers.py on_one_database). Screenshots: test-artifacts/review.png,
review-failure.png on failure.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import ADMIN, add_user, api_as, chromium_page, ok, on_one_database, sign_in
from tests.helpers import ARTIFACTS, RunningUp, up_env, wait_http_ok
from tests.i18n_catalogue import i18n_keys, page_files

SUPERVISOR = ("sup9", "sup9-password")
EMPLOYEE = "agent9"


@pytest.mark.db
@pytest.mark.browser
@on_one_database
def test_a_closed_complaint_is_reviewed_and_its_employee_flagged_on_the_page(db_url: str, workdir: Path) -> None:
    env, s = up_env(db_url, workdir / "data", CALLCENTER_IVR__SEED_DEFAULT_FLOW="false",
                    CALLCENTER_ASTERISK__MANAGED="false", CALLCENTER_CASES__REVIEW__FLAG_UPHELD="1")
    base = f"http://127.0.0.1:{s.http.port}"
    page_errors: list[str] = []
    with RunningUp(env, workdir / "up.log") as up:
        wait_http_ok(f"{base}/ui/index.html", up.proc, 90)
        with api_as(base, ADMIN) as admin:
            add_user(admin, SUPERVISOR, "Supervisor Nine", ["supervisor"])
            dept = ok(admin.post("/api/departments", json={"name": "After-sales"}))
            c = ok(admin.post("/api/cases", json={"type": "complaint", "description": "Rude on the phone",
                                                  "employee": EMPLOYEE}))
            for action, body in (("dispatch", {"department_id": dept["id"]}), ("investigate", {}),
                                 ("report", {"text": "confirmed from the recording"}),
                                 ("resolve", {"decision": "apologised"}), ("inform", {"how": "phone"}),
                                 ("close", {})):
                c = ok(admin.post(f"/api/cases/{c['number']}/{action}", json={"version": c["version"], **body}))
            number = c["number"]
        month = datetime.now(ZoneInfo(s.timezone)).strftime("%Y-%m")  # closed now: this month's review

        with chromium_page(page_errors, "review-failure.png") as page:
            sign_in(page, base, SUPERVISOR, "link-cases")
            page.wait_for_url("**/ui/cases.html*")
            page.get_by_test_id("nav-review").click()
            page.wait_for_url("**/ui/review.html*")
            page.get_by_test_id("review-month").fill(month)
            page.get_by_test_id("review-month").dispatch_event("change")
            row = page.locator(f'[data-testid="review-row"][data-number="{number}"]')
            expect(row).to_have_attribute("data-reviewed", "false")
            expect(page.get_by_test_id("review-counts")).to_contain_text("1 pending")
            expect(page.get_by_test_id("review-state")).to_have_attribute("data-state", "open")
            clock = page.get_by_test_id("review-clock")
            expect(clock).to_contain_text("left")
            first = clock.inner_text()
            expect(clock).not_to_have_text(first, timeout=3000)  # ticking
            expect(page.get_by_test_id("review-flags-none")).to_be_visible()

            row.get_by_test_id("review-record").click()
            expect(page.get_by_test_id("review-form-number")).to_have_text(number)
            expect(page.get_by_test_id("review-employee")).to_have_value(EMPLOYEE)
            page.get_by_test_id("review-responsibility").select_option("upheld")
            page.get_by_test_id("review-outcome").fill("written warning")
            page.get_by_test_id("review-submit").click()
            expect(page.get_by_test_id("review-status")).to_contain_text("now flagged")
            expect(row).to_have_attribute("data-reviewed", "true")
            expect(row.get_by_test_id("review-cell")).to_contain_text("written warning")
            expect(page.get_by_test_id("review-counts")).to_contain_text("0 pending")
            flag = page.locator(f'[data-testid="review-flag"][data-employee="{EMPLOYEE}"]')
            expect(flag).to_contain_text(number)
            page.screenshot(path=str(ARTIFACTS / "review.png"), full_page=True)

            # the same case again (as a stale page would): refused, in the page's language
            page.evaluate("""(n) => window.ccReview.state.month.items.forEach((i) => { if (i.number === n)
                i.review = null; })""", number)
            page.get_by_test_id("lang-switch").select_option("zh-CN")
            expect(page.get_by_test_id("review-state")).to_have_text("未到提醒期")  # the month is not over yet
            row.get_by_test_id("review-record").click()
            page.get_by_test_id("review-submit").click()
            expect(page.get_by_test_id("review-form-status")).to_contain_text("已由")
            expect(row).to_have_attribute("data-reviewed", "true")  # the 409 reloaded the list

            # the case's timeline on the cases page says so (in English again)
            page.get_by_test_id("lang-switch").select_option("en")
            row.get_by_role("link", name=number).click()
            page.wait_for_url("**/ui/cases.html*")
            event = page.get_by_test_id("cases-timeline").locator('[data-action="responsibility_reviewed"]')
            expect(event).to_contain_text("responsibility reviewed")
            expect(event).to_contain_text("written warning")
            expect(event).to_contain_text("Upheld")
            # the flag was told to the supervisor: the cases page shows it (read back), leading to the review page
            notice = page.locator('[data-testid="cases-notice"][data-kind="employee_flagged"]')
            expect(notice).to_have_count(1)
            expect(notice).to_contain_text(f"{EMPLOYEE}: 1 upheld complaints")
            expect(notice.get_by_test_id("cases-notice-review")).to_have_attribute("href", "review.html")
    assert not page_errors, page_errors


def test_every_text_the_review_page_uses_exists_in_both_languages() -> None:
    used: set[str] = set()
    for f in page_files("review"):
        used |= set(re.findall(r'"(review\.[a-z_.]+)"', f.read_text(encoding="utf-8")))
    used |= {f"review.state.{v}" for v in ("open", "reminder", "overdue", "done")}
    used |= {f"review.resp.{v}" for v in ("upheld", "not_upheld", "no_fault")}
    for lang, keys in i18n_keys().items():
        assert not used - keys, (lang, sorted(used - keys))
