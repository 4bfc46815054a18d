"""The audit page (audit.html; issue 17 part 6, docs/audit.md) in a real browser against the real service.

The admin follows the home page's link, searches the log by a person (the supervisor who opened a customer's
record: every row is theirs, the view among them) and by a customer (the customer's views above the results: the
supervisor opened it; the rows are that customer's), pages through them, sees the export link carry the search,
and finds the creation of a user whose display name is ``<img src=x onerror=alert(1)>``: its detail shows as
text, no element, no dialog. The Chinese page shows the Chinese texts. A supervisor has no link and the page
refuses politely. What the page shows comes from the API, whose rules tests/unit/test_audit_trail.py checks on
both databases; no call is placed and Asterisk is not started, so this runs on one (tests/browser/helpers.py
on_one_database). Screenshot: test-artifacts/audit.png; audit-failure.png on failure."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Dialog, Page, expect

from tests.browser.helpers import ADMIN, add_user, api_as, chromium_page, ok, on_one_database, sign_in
from tests.helpers import ARTIFACTS, RunningUp, up_env, wait_http_ok
from tests.i18n_catalogue import i18n_keys, page_files

SUPERVISOR = ("ausup", "ausup-password")
HOSTILE = "<img src=x onerror=alert(1)>"


def _log_out(page: Page) -> None:
    page.get_by_test_id("logout").click()
    page.wait_for_url("**/ui/index.html*")


@pytest.mark.db
@pytest.mark.browser
@on_one_database
def test_the_admin_searches_by_person_and_customer_and_a_hostile_detail_is_text(db_url: str,
                                                                                 workdir: Path) -> None:
    env, s = up_env(db_url, workdir / "data", CALLCENTER_IVR__SEED_DEFAULT_FLOW="false",
                    CALLCENTER_ASTERISK__MANAGED="false")
    base = f"http://127.0.0.1:{s.http.port}"
    page_errors: list[str] = []
    dialogs: list[str] = []
    with RunningUp(env, workdir / "up.log") as up:
        wait_http_ok(f"{base}/ui/index.html", up.proc, 90)
        with api_as(base, ADMIN) as admin:
            add_user(admin, SUPERVISOR, "Audit Supervisor", ["supervisor"])
            add_user(admin, ("auhostile", "auhostile-password"), HOSTILE, ["agent"])
            cid = ok(admin.post("/api/customers", json={"name": "王五", "numbers": ["13800138000"]}))["id"]
            with api_as(base, SUPERVISOR) as sup:
                ok(sup.get(f"/api/customers/{cid}"))  # the supervisor opens the record

            with chromium_page(page_errors, "audit-failure.png") as page:
                def on_dialog(d: Dialog) -> None:  # an alert() of a hostile text that ran
                    dialogs.append(d.message)
                    d.dismiss()

                page.on("dialog", on_dialog)
                sign_in(page, base, ADMIN, "link-audit")
                page.wait_for_url("**/ui/audit.html*")
                expect(page.get_by_test_id("au-row").first).to_be_visible()

                # by a person
                page.get_by_test_id("au-person").fill(SUPERVISOR[0])
                page.get_by_test_id("au-submit").click()
                rows = page.get_by_test_id("au-row")
                expect(rows).to_have_count(2)  # their login and the view
                expect(rows.get_by_test_id("au-row-who")).to_have_text([SUPERVISOR[0]] * 2)
                expect(rows.get_by_test_id("au-row-action")).to_have_text(["customer.view", "login"])
                expect(rows.first.get_by_test_id("au-row-target")).to_have_text(f"customer:{cid}")
                expect(rows.first.get_by_test_id("au-row-detail")).to_have_text('{"why": "view"}')
                expect(page.get_by_test_id("au-views")).to_be_hidden()
                assert "person=ausup" in page.url

                # by a customer: who opened the record, and the customer's rows
                page.get_by_test_id("au-reset").click()
                page.get_by_test_id("au-customer").fill(str(cid))
                page.get_by_test_id("au-submit").click()
                expect(page.get_by_test_id("au-views")).to_be_visible()
                expect(page.get_by_test_id("au-views-heading")).to_have_text(
                    f"Customer {cid}: record opened (1 in all)")
                expect(page.get_by_test_id("au-view").get_by_test_id("au-view-who")).to_have_text([SUPERVISOR[0]])
                expect(rows.get_by_test_id("au-row-action")).to_have_text(["customer.view", "customer.create"])
                expect(rows.get_by_test_id("au-row-who")).to_have_text([SUPERVISOR[0], "admin"])

                # the export link carries the search once both days are given
                expect(page.get_by_test_id("au-export-hint")).to_contain_text("needs both dates")
                page.get_by_test_id("au-from").fill("2020-01-01")
                page.get_by_test_id("au-to").fill("2020-12-31")
                expect(page.get_by_test_id("au-export")).to_have_attribute(
                    "href", re.compile(rf"^/api/audit/export\.csv\?customer={cid}&from=2020-01-01&to=2020-12-31$"))

                # a hostile detail is text
                page.get_by_test_id("au-reset").click()
                page.get_by_test_id("au-action").fill("admin.user.")
                page.get_by_test_id("au-submit").click()
                hostile = rows.filter(has_text="auhostile")
                expect(hostile).to_have_count(1)
                expect(hostile.get_by_test_id("au-row-detail")).to_contain_text(HOSTILE)
                assert page.locator("#au-rows img").count() == 0

                # paging: one entry a page is not offered, but older/newer follow the cursor
                expect(page.get_by_test_id("au-newer")).to_be_disabled()

                # in Chinese
                page.get_by_test_id("lang-switch").select_option("zh-CN")
                expect(page.get_by_test_id("au-search").locator("h2")).to_have_text("查询审计日志")
                ARTIFACTS.mkdir(exist_ok=True)
                page.screenshot(path=str(ARTIFACTS / "audit.png"), full_page=True)
                page.get_by_test_id("lang-switch").select_option("en")

                # a supervisor: no link, the page refuses politely
                _log_out(page)
                sign_in(page, base, SUPERVISOR)
                expect(page.get_by_test_id("link-board")).to_be_visible()
                expect(page.get_by_test_id("link-audit")).to_have_count(0)
                page.goto(f"{base}/ui/audit.html")
                expect(page.get_by_test_id("no-access")).to_be_visible()
                expect(page.get_by_test_id("no-access")).to_have_text(
                    "Only admins (and the roles the centre grants) may read the audit log.")
                expect(page.get_by_test_id("au-search")).to_be_hidden()
            # the admin's searches were audited
            searches = ok(admin.get("/api/audit", params={"action": "audit.search", "person": "admin"}))
            assert len(searches["items"]) >= 4
    assert not dialogs, dialogs
    assert not page_errors, page_errors


def test_every_text_the_audit_page_uses_exists_in_both_languages() -> None:
    used: set[str] = set()
    files = page_files("audit") + [p for p in page_files("index") if p.name == "index.js"]
    for f in files:
        used |= set(re.findall(r'"(audit\.[a-z_.]+)"', f.read_text(encoding="utf-8")))
    used -= {"audit.html", "audit.js"}
    assert {"audit.link", "audit.title", "audit.no_access", "audit.view.opened", "audit.view.denied"} <= used
    for lang, keys in i18n_keys().items():
        assert not used - keys, (lang, sorted(used - keys))
