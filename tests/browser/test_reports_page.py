"""The interval statistics page (issue 17, parts 1 and 5), in a real browser against the real stack: two SIPp calls
answered by a SIPp agent phone through Asterisk; the rollups' pass (every second here) counts them; the supervisor's
page shows them in the current 15-minute interval and in the totals, equal to the board's "today"; the chart draws
them; the CSV downloads the same rows; English and Chinese; the print layout hides the controls.

One database (tests/browser/helpers.py, on_one_database): the rollups' rules are checked by
tests/unit/test_reports_*.py on both databases.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.helpers import (
    ADMIN,
    add_user,
    api_as,
    chromium_page,
    ok,
    on_one_database,
    route_all_calls_to,
    sign_in,
)
from tests.helpers import RunningUp, Sipp, free_udp_port, up_env

pytestmark = [pytest.mark.asterisk, pytest.mark.sipp, pytest.mark.db, pytest.mark.browser]

SUPERVISOR = ("lead5", "lead5-password")
AGENT = ("agent5", "agent5-password")
SEATS = [{"extension": "1001", "password": "agent1001-dev", "name": "Agent 1001"}]


def _wait_rolled(client: httpx.Client, answered: int, timeout: float = 30.0) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    rep: dict[str, object] = {}
    while time.monotonic() < deadline:
        rep = ok(client.get("/api/reports/intervals", params={"kind": "queue", "by": "day", "queue": "support"}))
        if rep["totals"]["answered"] >= answered:  # type: ignore[index]
            return rep
        time.sleep(0.5)
    raise AssertionError(f"the rollups never showed {answered} answered calls: {rep}")


@on_one_database
def test_the_page_shows_the_calls_by_interval_as_the_board_counts_them(db_url: str, workdir: Path) -> None:
    env, s = up_env(db_url, workdir / "data", CALLCENTER_IVR__SEED_DEFAULT_FLOW="false",
                    CALLCENTER_AGENTS=json.dumps(SEATS), CALLCENTER_REPORTS__TICK_SECONDS="1")
    base = f"http://127.0.0.1:{s.http.port}"
    page_errors: list[str] = []
    with RunningUp(env, workdir / "up.log") as up:
        sipp = Sipp(s, workdir / "sipp")
        clients: list[httpx.Client] = []
        try:
            up.wait_healthy(base)
            admin = api_as(base, ADMIN)
            clients.append(admin)
            add_user(admin, SUPERVISOR, "Lead Five", ["supervisor"])
            add_user(admin, AGENT, "Agent Five", ["agent"], {"support": "senior"})
            route_all_calls_to(admin, "support")
            port = free_udp_port()
            sipp.register("1001", "agent1001-dev", port)
            sipp.answer("1001", port, calls=2)
            agent = api_as(base, AGENT)
            clients.append(agent)
            ok(agent.post("/api/agent/login", json={"extension": "1001"}))
            for _ in range(2):
                ok(agent.post("/api/agent/ready"))
                caller = sipp.call_pressing([], hold=2.0)
                assert caller.wait(timeout=40) == 0
            lead = api_as(base, SUPERVISOR)
            clients.append(lead)
            rep = _wait_rolled(lead, 2)
            board = ok(lead.get("/api/board"))["queues"]["support"]["windows"]["today"]
            for k in ("offered", "answered", "abandoned", "service_level", "asa"):
                assert rep["totals"][k] == board[k], (k, rep["totals"], board)  # type: ignore[index]

            with chromium_page(page_errors, "reports-failure.png") as page:
                sign_in(page, base, SUPERVISOR, "link-reports")
                page.wait_for_url("**/ui/reports.html*")
                page.get_by_test_id("ir-by").select_option("15m")
                page.get_by_test_id("ir-queue").select_option("support")
                page.get_by_test_id("ir-load").click()
                total = page.get_by_test_id("ir-total-row")
                expect(total.locator("td[data-col=offered]")).to_have_text("2")
                expect(total.locator("td[data-col=answered]")).to_have_text("2")
                expect(page.get_by_test_id("ir-row")).to_have_count(96)
                busy = page.locator("[data-testid=ir-row]:has(td[data-col=answered]:not(:text-is('0')))")
                assert busy.count() >= 1
                assert page.locator("[data-testid=ir-chart-svg] rect.ir-chart-bar").count() >= 1
                expect(page.get_by_test_id("ir-table").locator("thead")).to_contain_text("Offered")
                page.get_by_test_id("lang-switch").select_option("zh-CN")
                expect(page.get_by_test_id("ir-table").locator("thead")).to_contain_text("进线")
                expect(page.get_by_test_id("ir-heading")).to_contain_text("15 分钟")
                with page.expect_download() as d:
                    page.get_by_test_id("ir-csv").click()
                text = Path(d.value.path()).read_text(encoding="utf-8-sig")
                lines = text.strip().splitlines()
                assert lines[0].startswith("label,start,end,key,offered")
                assert lines[-1].split(",")[4] == "2"  # the totals' offered
                page.emulate_media(media="print")
                expect(page.get_by_test_id("ir-form")).to_be_hidden()
                expect(page.get_by_test_id("ir-table")).to_be_visible()
                page.emulate_media(media="screen")
                # an agent sees their own rows only
                page.get_by_test_id("logout").click()
                page.wait_for_url("**/ui/index.html*")  # the logout's own navigation first, or it aborts the next
                sign_in(page, base, AGENT)
                expect(page.get_by_test_id("link-agent")).to_be_visible()  # signed in (the cookie is set)
                expect(page.get_by_test_id("link-reports")).to_have_count(0)  # the home link is for leads
                page.goto(f"{base}/ui/reports.html")
                expect(page.get_by_test_id("ir-kind")).to_be_disabled()
                expect(page.get_by_test_id("ir-keys-rows").locator("tr")).to_have_count(1)
                expect(page.get_by_test_id("ir-total-row").locator("td[data-col=answered]")).to_have_text("2")
            assert page_errors == []
        finally:
            for c in clients:
                c.close()
            sipp.close()
