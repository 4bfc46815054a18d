"""The notices page (notices.html, 通告) and the agent desktop's notices panel in a real browser against the real
stack: a team lead follows the home page's link, publishes a notice to the support queue (its text with markup in it,
shown as typed); an agent of that queue opens the desktop and sees it first, above the seat card; a second notice the
lead publishes meanwhile appears on the open desktop by itself (the /ws/agent push), on top; the agent acknowledges
the first, it leaves the list; the lead's list then shows it read by 1 of 1 and the notice's readers name the agent.

What is stored (audiences, acknowledgements, expiry, withdrawal, the handover) is checked on both databases by
tests/unit/test_notices.py, so this runs on one (tests/browser/helpers.py on_one_database). Runs
`python -m callcenter up` as the README does, without a managed Asterisk, and Chromium headless through Playwright.
Screenshots: test-artifacts/notices.png, notices-desk.png, notices-failure.png on failure.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import ADMIN, add_user, api_as, chromium_page, on_one_database, sign_in
from tests.helpers import ARTIFACTS, RunningUp, up_env, wait_http_ok
from tests.i18n_catalogue import i18n_keys, page_files

LEAD = ("lead8", "lead8-password")
AGENT = ("agent8", "agent8-password")
OTHER = ("agent9", "agent9-password")
TEXT = "<b>Line 3</b> is down from 22:00 to 23:00.\nTell callers it is planned."


@pytest.mark.db
@pytest.mark.browser
@on_one_database
def test_a_lead_publishes_an_agent_reads_it_first_and_the_lead_sees_it_read(db_url: str, workdir: Path) -> None:
    env, s = up_env(db_url, workdir / "data", CALLCENTER_IVR__SEED_DEFAULT_FLOW="false",
                    CALLCENTER_ASTERISK__MANAGED="false")
    base = f"http://127.0.0.1:{s.http.port}"
    page_errors: list[str] = []
    with RunningUp(env, workdir / "up.log") as up:
        wait_http_ok(f"{base}/ui/index.html", up.proc, 90)
        with api_as(base, ADMIN) as admin:
            add_user(admin, LEAD, "Lead Eight", ["supervisor"])
            add_user(admin, AGENT, "Agent Eight", ["agent"], skills={"support": "junior"})
            add_user(admin, OTHER, "Agent Nine", ["agent"], skills={"complaints": "junior"})

        with chromium_page(page_errors, "notices-failure.png") as page:
            sign_in(page, base, LEAD, "link-notices")
            page.wait_for_url("**/ui/notices.html*")
            page.get_by_test_id("nt-title").fill("Maintenance tonight")
            page.get_by_test_id("nt-text").fill(TEXT)
            page.get_by_test_id("nt-queue-support").check()
            page.get_by_test_id("nt-submit").click()
            expect(page.get_by_test_id("nt-form-status")).to_contain_text("published to 1 agents")
            first = page.locator('[data-testid="nt-row"]', has_text="Maintenance tonight")
            expect(first.get_by_test_id("nt-row-read")).to_have_text("0 / 1")
            expect(page.get_by_test_id("nt-unread")).to_contain_text("Agent Eight (agent8)")

            browser = page.context.browser
            assert browser is not None
            desk_context = browser.new_context(viewport={"width": 1440, "height": 1000})
            desk = desk_context.new_page()
            desk.set_default_timeout(10_000)
            desk.on("pageerror", lambda e: page_errors.append(str(e)))
            try:
                sign_in(desk, base, AGENT, "link-agent")
                desk.wait_for_url("**/ui/agent.html*")
                panel = desk.get_by_test_id("notices-panel")
                expect(panel).to_be_visible()
                items = panel.get_by_test_id("notice-item")
                expect(items).to_have_count(1)
                expect(items.first.get_by_test_id("notice-title")).to_have_text("Maintenance tonight")
                expect(items.first.get_by_test_id("notice-text")).to_have_text(TEXT)  # as typed, not as HTML
                assert panel.locator("b").count() == 0
                # shown first: above the seat card
                panel_box, seat_box = panel.bounding_box(), desk.get_by_test_id("seat-card").bounding_box()
                assert panel_box is not None and seat_box is not None and panel_box["y"] < seat_box["y"]
                expect(desk.get_by_test_id("ws-status")).to_have_attribute("data-ws", "open")

                # published while the desktop is open: pushed, on top
                page.get_by_test_id("nt-title").fill("Second notice")
                page.get_by_test_id("nt-text").fill("New tariff from Monday.")
                page.get_by_test_id("nt-agent-agent8").check()
                page.get_by_test_id("nt-submit").click()
                expect(page.get_by_test_id("nt-form-status")).to_contain_text("published to 1 agents")
                expect(items).to_have_count(2)
                expect(items.first.get_by_test_id("notice-title")).to_have_text("Second notice")
                expect(panel.get_by_test_id("notices-count")).to_have_text("2 unread")

                target = panel.locator('[data-testid="notice-item"]', has_text="Maintenance tonight")
                target.get_by_test_id("notice-ack").click()
                expect(panel.get_by_test_id("notices-status")).to_have_text("Acknowledged: Maintenance tonight")
                expect(items).to_have_count(1)
                expect(panel.get_by_test_id("notices-count")).to_have_text("1 unread")
                expect(panel).not_to_contain_text("null")
                desk.get_by_test_id("lang-switch").select_option("zh-CN")
                expect(panel.get_by_test_id("notice-ack")).to_have_text("已阅")
                desk.screenshot(path=str(ARTIFACTS / "notices-desk.png"), full_page=True)
            finally:
                desk_context.close()

            # the lead sees it read
            page.get_by_test_id("nt-refresh").click()
            expect(first.get_by_test_id("nt-row-read")).to_have_text("1 / 1")
            first.get_by_test_id("nt-row-title").click()
            expect(page.get_by_test_id("nt-detail-title")).to_have_text("Maintenance tonight")
            expect(page.get_by_test_id("nt-read")).to_contain_text("Agent Eight (agent8)")
            expect(page.get_by_test_id("nt-detail")).to_contain_text("Everyone has read it.")
            expect(page.get_by_test_id("nt-detail")).not_to_contain_text("null")
            page.get_by_test_id("lang-switch").select_option("zh-CN")
            expect(page.get_by_test_id("nt-detail")).to_contain_text("全部已读。")
            expect(page.get_by_test_id("nt-submit")).to_have_text("发布")
            page.screenshot(path=str(ARTIFACTS / "notices.png"), full_page=True)
    assert not page_errors, page_errors


def test_every_text_the_notices_page_and_panel_use_exists_in_both_languages() -> None:
    files = [*page_files("notices"), Path(page_files("agent")[0]).parent / "js" / "agent" / "notices.js"]
    used: set[str] = set()
    for f in files:
        text = f.read_text(encoding="utf-8")
        used |= set(re.findall(r'data-i18n="([a-z_.]+)"', text))
        used |= set(re.findall(r'\bt\("(notices\.[a-z_.]+)"', text))
    assert any(k.startswith("notices.desk.") for k in used) and "notices.publish" in used
    for lang, keys in i18n_keys().items():
        assert not used - keys, (lang, sorted(used - keys))
