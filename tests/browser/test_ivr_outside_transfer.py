"""The IVR admin page's transfer node to an outside number (issue 15, part 7), in a real browser: the admin makes a
flow's node a transfer to an outside number; publishing is refused on that node while the number is not one
outside_numbers.ivr allows (the server's problem shown on the node, in English and in Chinese), and accepted for an
allowed one; what is stored is target_type "outside".

Runs `python -m callcenter up` as the README does, without a managed Asterisk (publishing needs no call; the call
itself is tests/integration/test_outside_numbers.py), and Chromium headless through Playwright. One database: the
flow's storage is checked on both by the unit tier (test_ivr_api.py). Screenshot on failure:
test-artifacts/ivr-outside-transfer-failure.png.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import ADMIN, api_as, chromium_page, ok, on_one_database, sign_in
from tests.helpers import RunningUp, up_env, wait_http_ok

pytestmark = [pytest.mark.db, pytest.mark.browser]


@on_one_database
def test_the_ivr_page_publishes_a_transfer_to_an_allowed_outside_number_only(db_url: str, workdir: Path) -> None:
    env, s = up_env(db_url, workdir / "data", CALLCENTER_IVR__SEED_DEFAULT_FLOW="false",
                    CALLCENTER_ASTERISK__MANAGED="false",
                    CALLCENTER_OUTSIDE_NUMBERS__IVR__ALLOWED="138XXXXXXXX",
                    CALLCENTER_OUTSIDE_NUMBERS__IVR__CALLER_ID="4009")
    base = f"http://127.0.0.1:{s.http.port}"
    page_errors: list[str] = []
    with RunningUp(env, workdir / "up.log") as up:
        wait_http_ok(f"{base}/ui/index.html", up.proc, 90)  # no Asterisk: /api/health says AMI is down
        with chromium_page(page_errors, "ivr-outside-transfer-failure.png") as page:
            sign_in(page, base, ADMIN, "link-ivr")
            page.wait_for_url("**/ui/ivr.html*")
            page.get_by_test_id("new-flow-name").fill("after-hours")
            page.get_by_test_id("new-flow-submit").click()
            expect(page.get_by_test_id("flow-title")).to_have_text("after-hours")
            # the starter's one node becomes the transfer to the duty mobile
            page.get_by_test_id("kind-main").select_option("transfer")
            kind = page.get_by_test_id("field-main-target_type")
            expect(kind).to_have_value("extension")
            kind.select_option("outside")
            page.get_by_test_id("field-main-target").fill("13912345678")
            page.get_by_test_id("publish").click()
            expect(page.get_by_test_id("editor-status")).to_contain_text("Publishing refused: 1 problem(s)")
            problems = page.get_by_test_id("problems-main")
            expect(problems).to_contain_text("outside number 13912345678 is not allowed for the IVR "
                                             "(allowed: 138XXXXXXXX;")
            page.get_by_test_id("lang-switch").select_option("zh-CN")
            expect(problems).to_contain_text("外部号码 13912345678 不允许由 IVR 转接（允许的号码：138XXXXXXXX")
            page.get_by_test_id("lang-switch").select_option("en")

            page.get_by_test_id("field-main-target").fill("13812345678")
            page.get_by_test_id("publish").click()
            expect(page.get_by_test_id("editor-status")).to_have_text("Published: version 1 is live.")
            expect(page.get_by_test_id("problems-main")).to_be_hidden()
        assert page_errors == [], page_errors
        api = api_as(base, ADMIN)
        try:
            [flow] = ok(api.get("/api/ivr/flows"))
            node = ok(api.get(f"/api/ivr/flows/{flow['id']}"))["draft"]["nodes"]["main"]
            assert (node["kind"], node["target_type"], node["target"]) == ("transfer", "outside", "13812345678")
        finally:
            api.close()
