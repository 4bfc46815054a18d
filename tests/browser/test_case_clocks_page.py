"""The cases page's clocks in a real browser against the real stack: a complaint whose dispatch clock is short
(``CALLCENTER_CASES__COMPLAINT__DISPATCH_MINUTES`` 0.4, no warning, the checker every second) shows its time
left counting down in the list and the detail, and turns overdue on the page without a reload; the breach
escalates to the team lead (level 1 at the breach), so the supervisor's page gets the notice over /ws/cases and
the case's timeline the clock event; the clock filter (kept in the address) lists it and not the suggestion
still running; the board page shows the case's alert with its number; the page and the board in Chinese.

Runs `python -m callcenter up` without a managed Asterisk (the cases come from letters, over the API as a
supervisor would enter them), and Chromium headless through Playwright. Screenshot: test-artifacts/case-clocks.png,
case-clocks-failure.png on failure.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import ADMIN, add_user, api_as, chromium_page, ok, sign_in
from tests.helpers import ARTIFACTS, RunningUp, up_env, wait_http_ok

SUPERVISOR = ("sup9", "sup9-password")
DISPATCH_SECONDS = 24  # 0.4 minutes

# the time left as the page writes it: mm:ss (or h:mm:ss)
LEFT = re.compile(r"(\d+:)?(\d\d):(\d\d)")


def _seconds(text: str) -> int:
    m = LEFT.search(text)
    assert m, text
    return int((m.group(1) or "0:")[:-1]) * 3600 + int(m.group(2)) * 60 + int(m.group(3))


@pytest.mark.db
@pytest.mark.browser
def test_a_short_dispatch_clock_counts_down_and_turns_overdue_on_the_page(db_url: str, workdir: Path) -> None:
    env, s = up_env(db_url, workdir / "data", CALLCENTER_IVR__SEED_DEFAULT_FLOW="false",
                    CALLCENTER_ASTERISK__MANAGED="false",
                    CALLCENTER_CASES__COMPLAINT__DISPATCH_MINUTES=str(DISPATCH_SECONDS / 60),
                    CALLCENTER_CASES__COMPLAINT__DISPATCH_WARNING_MINUTES="0",
                    CALLCENTER_CASES__CHECK_INTERVAL_SECONDS="1")
    base = f"http://127.0.0.1:{s.http.port}"
    page_errors: list[str] = []
    with RunningUp(env, workdir / "up.log") as up:
        wait_http_ok(f"{base}/ui/index.html", up.proc, 90)
        with api_as(base, ADMIN) as admin:
            add_user(admin, SUPERVISOR, "Supervisor Nine", ["supervisor"])
        with api_as(base, SUPERVISOR) as sup_api:
            idea = ok(sup_api.post("/api/cases", json={"type": "suggestion", "description": "Longer hours."}))
            late = ok(sup_api.post("/api/cases", json={"type": "complaint",
                                                       "description": "Letter: nobody called back."}))
        number, other = late["number"], idea["number"]
        dispatch = next(k for k in late["clocks"] if k["clock"] == "dispatch")
        assert dispatch["status"] == "running" and 0 < dispatch["remaining_seconds"] <= DISPATCH_SECONDS, dispatch

        with chromium_page(page_errors, "case-clocks-failure.png") as page:
            sign_in(page, base, SUPERVISOR, "link-cases")
            page.wait_for_url("**/ui/cases.html*")
            cell = page.get_by_test_id(f"case-clock-{number}")
            expect(cell).to_have_attribute("data-status", "running")
            expect(cell).to_have_attribute("data-clock", "dispatch")
            expect(cell).to_contain_text("Dispatch")
            expect(cell).to_contain_text("left")
            expect(page.get_by_test_id(f"case-clock-{other}")).to_have_attribute("data-status", "running")
            page.evaluate("window.ccNoReload = true")  # gone if the page were loaded again

            # the detail: one row per clock, the dispatch clock counting down every second
            page.get_by_test_id(f"case-link-{number}").click()
            row = page.get_by_test_id("case-clock-row-dispatch")
            expect(row).to_have_attribute("data-status", "running")
            left = page.get_by_test_id("case-clock-left-dispatch")
            first = _seconds(left.inner_text())
            assert 0 < first <= DISPATCH_SECONDS, left.inner_text()
            page.wait_for_timeout(2500)
            later = _seconds(left.inner_text())
            assert first - 4 <= later < first, (first, later)
            expect(page.get_by_test_id("case-clock-row-report")).to_have_attribute("data-status", "running")
            expect(page.get_by_test_id("case-clock-row-close")).to_have_attribute("data-status", "running")

            # the deadline passes: overdue in the list and the detail, without a reload
            expect(cell).to_have_attribute("data-status", "breached", timeout=(DISPATCH_SECONDS + 15) * 1000)
            expect(cell).to_contain_text("overdue by")
            expect(row).to_have_attribute("data-status", "breached")
            expect(left).to_contain_text("overdue by")
            # the server's breach and escalation: the team lead (this supervisor) is told, the timeline says so
            notice = page.get_by_test_id("cases-notices").get_by_test_id("cases-notice")
            expect(notice.first).to_have_attribute("data-number", number, timeout=15000)
            expect(notice.first).to_contain_text(number)
            expect(page.get_by_test_id("case-clock-esc-dispatch")).to_contain_text("team lead", timeout=15000)
            events = page.get_by_test_id("cases-timeline").get_by_test_id("cases-event")
            expect(events.filter(has_text="Dispatch clock: overdue")).to_have_count(1)
            expect(cell).to_contain_text("↑1")
            assert page.evaluate("window.ccNoReload === true")
            expect(left).not_to_have_text("overdue by 00:00", timeout=3000)  # and the overdue time goes on
            page.screenshot(path=str(ARTIFACTS / "case-clocks.png"), full_page=True)

            # the clock filter, kept in the address
            page.get_by_test_id("cases-filter-clock").select_option("breached")
            expect(page.get_by_test_id(f"case-row-{other}")).to_have_count(0)
            expect(page.get_by_test_id(f"case-row-{number}")).to_be_visible()
            assert "clock=breached" in page.url, page.url
            page.get_by_test_id("cases-filter-clock").select_option("running")
            expect(page.get_by_test_id(f"case-row-{other}")).to_be_visible()
            # (the complaint's report and closure clocks still run: it is listed as running too)
            page.goto(f"{base}/ui/cases.html?clock=breached")
            expect(page.get_by_test_id("cases-filter-clock")).to_have_value("breached")
            expect(page.get_by_test_id(f"case-row-{number}")).to_be_visible()
            expect(page.get_by_test_id(f"case-row-{other}")).to_have_count(0)

            # in Chinese
            page.get_by_test_id("lang-switch").select_option("zh-CN")
            expect(cell).to_contain_text("派单")
            expect(cell).to_contain_text("已超时")
            page.get_by_test_id(f"case-link-{number}").click()
            expect(page.get_by_test_id("case-clock-row-dispatch")).to_contain_text("已超时")
            expect(page.get_by_test_id("case-clock-esc-dispatch")).to_contain_text("班组长")
            expect(page.get_by_test_id("case-clock-row-report")).to_contain_text("剩余")
            expect(page.get_by_test_id("cases-filter-clock")).to_contain_text("已超时")

            # the board: the case's alert in plain words with its number, in both languages
            page.goto(f"{base}/ui/board.html")
            page.get_by_test_id("lang-switch").select_option("en")
            alert = page.get_by_test_id(f"board-alert-case-{number}-dispatch")
            expect(alert).to_have_attribute("data-kind", "case_escalated", timeout=15000)
            expect(alert).to_contain_text(f"Case escalated: {number}")
            expect(alert).to_contain_text("overdue by")
            expect(alert).to_contain_text("team lead")
            page.get_by_test_id("lang-switch").select_option("zh-CN")
            expect(alert).to_contain_text(f"工单超时升级：{number}")
            expect(alert).to_contain_text("班组长")
    assert not page_errors, page_errors


