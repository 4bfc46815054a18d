"""The seeds' reports page (seeds_reports.html) in a real browser against the real stack: service records and a
case written over the API today; the supervisor follows the home page's link, sees today's workload (the admin's
row), switches to Chinese and back, downloads the CSV (UTF-8 with BOM), and the print stylesheet leaves the header
and the controls out while the tables stay; the weekly case summary; an agent's link opens their own appraisal
only.

Runs `python -m callcenter up` as the README does, without a managed Asterisk, and Chromium headless through
Playwright. The figures are checked on both databases by tests/unit/test_reports_seeds.py, so this runs on one
(PostgreSQL when configured). Screenshots: test-artifacts/seeds-reports.png, seeds-reports-failure.png on failure.
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

SUPERVISOR = ("sup7", "sup7-password")
AGENT = ("agent7", "agent7-password")


@pytest.mark.db
@pytest.mark.browser
@on_one_database
def test_a_report_is_shown_in_both_languages_downloaded_and_printed(db_url: str, workdir: Path) -> None:
    env, s = up_env(db_url, workdir / "data", CALLCENTER_IVR__SEED_DEFAULT_FLOW="false",
                    CALLCENTER_ASTERISK__MANAGED="false")
    base = f"http://127.0.0.1:{s.http.port}"
    page_errors: list[str] = []
    with RunningUp(env, workdir / "up.log") as up:
        wait_http_ok(f"{base}/ui/index.html", up.proc, 90)
        with api_as(base, ADMIN) as admin:
            add_user(admin, SUPERVISOR, "Supervisor Seven", ["supervisor"])
            add_user(admin, AGENT, "Agent Seven", ["agent"])
            customer = ok(admin.post("/api/customers", json={"name": "Wang", "numbers": ["13800138000"]}))
            for category in ("consultation", "consultation", "query"):
                ok(admin.post("/api/service-records", json={"customer_id": customer["id"], "category": category,
                                                            "text": "done"}))
            ok(admin.post("/api/cases", json={"type": "fault", "description": "no dial tone"}))
        today = datetime.now(ZoneInfo(s.timezone)).date().isoformat()

        with chromium_page(page_errors, "seeds-reports-failure.png") as page:
            sign_in(page, base, SUPERVISOR, "link-seeds-reports")
            page.wait_for_url("**/ui/seeds_reports.html*")
            page.goto(f"{base}/ui/seeds_reports.html?report=workload&period=day&date={today}")
            expect(page.get_by_test_id("sr-heading")).to_have_text("Workload")
            agents = page.get_by_test_id("sr-table-agents")
            expect(agents.locator("th").nth(1)).to_have_text("Consultations")
            row = agents.locator("tr", has_text="admin")
            expect(row.locator("td")).to_have_text(["admin", "2", "1", "0", "0", "0", "1", "0", "4"])
            expect(agents.locator("tr", has_text=AGENT[0]).locator("td").last).to_have_text("0")

            page.get_by_test_id("lang-switch").select_option("zh-CN")
            expect(page.get_by_test_id("sr-heading")).to_have_text("工作量报表")
            expect(agents.locator("th").nth(1)).to_have_text("咨询")
            expect(page.get_by_test_id("sr-show")).to_have_text("查看")
            page.get_by_test_id("lang-switch").select_option("en")
            expect(page.get_by_test_id("sr-heading")).to_have_text("Workload")

            with page.expect_download() as d:
                page.get_by_test_id("sr-csv").click()
            data = Path(d.value.path()).read_bytes()
            assert data.startswith(b"\xef\xbb\xbf"), data[:20]
            text = data.decode("utf-8-sig")
            assert text.startswith(f"report,workload,period,{today}") and "admin,2,1,0,0,0,1,0,4" in text, text
            assert d.value.suggested_filename == f"workload-{today}.csv"

            page.emulate_media(media="print")
            expect(page.get_by_test_id("sr-controls")).to_be_hidden()
            expect(page.locator("header.topbar")).to_be_hidden()
            expect(page.get_by_test_id("sr-tables")).to_be_visible()
            expect(row).to_be_visible()
            page.screenshot(path=str(ARTIFACTS / "seeds-reports.png"), full_page=True)
            page.emulate_media(media="screen")
            expect(page.get_by_test_id("sr-controls")).to_be_visible()

            page.get_by_test_id("sr-report").select_option("case_summary")
            expect(page.get_by_test_id("sr-heading")).to_have_text("Weekly case summary")
            fault = page.get_by_test_id("sr-table-types").locator("tr", has_text="Fault report")
            expect(fault.locator("td").nth(1)).to_have_text("1")  # accepted
            assert "report=case_summary" in page.url

            # a bad month from the address: the server's refusal in the page's language
            page.goto(f"{base}/ui/seeds_reports.html?report=quality&month=2026-13")
            expect(page.get_by_test_id("sr-status")).to_contain_text("month")

        with chromium_page(page_errors, "seeds-reports-agent-failure.png") as page:
            sign_in(page, base, AGENT, "link-seeds-reports")
            page.wait_for_url("**/ui/seeds_reports.html*")
            expect(page.get_by_test_id("sr-heading")).to_have_text("Monthly agent appraisal")
            expect(page.get_by_test_id("sr-report").locator("option")).to_have_count(1)
            expect(page.get_by_test_id("sr-table-agents").locator("tbody tr")).to_have_count(1)
            expect(page.get_by_test_id("sr-table-agents").locator("tbody td").first).to_have_text(AGENT[0])
    assert not page_errors, page_errors


def test_every_text_the_seeds_reports_page_uses_exists_in_both_languages() -> None:
    used: set[str] = set()
    for f in page_files("seeds_reports"):
        used |= set(re.findall(r'"(seeds\.[a-z_.]+)"', f.read_text(encoding="utf-8")))
    used |= {f"seeds.report.{r}" for r in ("workload", "case_summary", "satisfaction", "quality", "appraisal")}
    for lang, keys in i18n_keys().items():
        assert not used - keys, (lang, sorted(used - keys))
