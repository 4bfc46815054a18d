"""The supervisor board and the TV wallboard in a real browser against the real stack: a supervisor opens the board
from the home page; an agent is logged in but paused, so two SIPp calls wait and the board counts them without a
reload; the agent goes ready, the SIPp phone answers, and the board shows the agent on the call and one caller
fewer waiting. The supervisor rings their own phone to listen in, and after the call force-pauses the agent
("away", so the away time starts counting). The TV page is opened in the same browser.

Runs `python -m callcenter up` as the README does and Chromium headless through Playwright. Everything the test
sets up goes through the HTTP API as an admin would. Screenshots go to test-artifacts/ (board.png, tv.png).

One database (tests/browser/helpers.py, on_one_database): what is checked is the board following live
calls and agents (Asterisk and the socket pushes); the figures from stored calls are checked on both databases by
the unit tier (test_wallboard.py).
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

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
from tests.helpers import ARTIFACTS, RunningUp, Sipp, free_udp_port, up_env

pytestmark = [pytest.mark.asterisk, pytest.mark.sipp, pytest.mark.db, pytest.mark.browser]

SUPERVISOR = ("lead1", "lead1-password")
AGENT = ("agent8", "agent8-password")
HOLD = 14.0  # seconds each caller stays on the line once the IVR answered


def _set_up(admin: httpx.Client) -> None:
    """As an admin over the API: a supervisor, an agent serving `support`, a flow sending every call there."""
    add_user(admin, SUPERVISOR, "Lead One", ["supervisor"])
    add_user(admin, AGENT, "Agent Eight", ["agent"], {"support": "senior"})
    route_all_calls_to(admin, "support")


def _open_board(page: Page, base: str) -> None:
    sign_in(page, base, SUPERVISOR)
    expect(page.get_by_test_id("link-tv")).to_be_visible()
    page.get_by_test_id("link-board").click()
    page.wait_for_url("**/ui/board.html*")
    expect(page.get_by_test_id("ws-status")).to_have_attribute("data-ws", "open")


@on_one_database
def test_the_board_follows_calls_and_agents_live(db_url: str, workdir: Path) -> None:
    env, s = up_env(db_url, workdir / "data", CALLCENTER_IVR__SEED_DEFAULT_FLOW="false")
    base = f"http://127.0.0.1:{s.http.port}"
    page_errors: list[str] = []
    with RunningUp(env, workdir / "up.log") as up:
        sipp = Sipp(s, workdir / "sipp")
        clients: list[httpx.Client] = []
        try:
            up.wait_healthy(base)
            admin = api_as(base, ADMIN)
            clients.append(admin)
            _set_up(admin)
            seat, spare = s.agents[0], s.agents[1]
            port = free_udp_port()
            sipp.register(seat.extension, seat.password, port)
            agent = api_as(base, AGENT)
            clients.append(agent)
            ok(agent.post("/api/agent/login", json={"extension": seat.extension}))  # paused "not ready"

            with chromium_page(page_errors, "wallboard-failure.png") as page:
                _open_board(page, base)
                u = AGENT[0]
                state = page.get_by_test_id(f"board-agent-state-{u}")
                expect(state).to_have_attribute("data-state", "paused")
                expect(state).to_contain_text("Paused")
                expect(page.get_by_test_id("board-waiting-support")).to_have_text("0")
                expect(page.get_by_test_id(f"board-listen-{u}")).to_be_disabled()  # not on a call
                expect(page.get_by_test_id("board-chart").locator("svg")).to_be_visible()

                # nobody is ready: both callers wait, and the board counts them without a reload
                callers = [sipp.call_pressing([], hold=HOLD, caller=f"1390000000{i}") for i in (1, 2)]
                expect(page.get_by_test_id("board-waiting-support")).to_have_text("2", timeout=10_000)
                expect(page.get_by_test_id("board-waiting-all")).to_have_text("2")
                expect(page.get_by_test_id("board-longest-support")).not_to_have_text("—")

                # the agent goes ready; the SIPp phone answers one call 1 s after it rings
                phone = sipp.answer(seat.extension, port, calls=1)
                ok(agent.post("/api/agent/ready"))
                expect(state).to_have_attribute("data-state", "on_call", timeout=10_000)
                expect(state).to_contain_text("On call")
                expect(page.get_by_test_id("board-waiting-support")).to_have_text("1")
                expect(page.get_by_test_id("board-answered-support")).to_have_text("1")
                expect(page.get_by_test_id(f"board-agent-call-{u}")).to_contain_text("139000000")

                # listen in from the supervisor's own phone (remembered in the browser)
                page.get_by_test_id("board-seat").select_option(spare.extension)
                page.get_by_test_id(f"board-listen-{u}").click()
                expect(page.get_by_test_id("board-status")).to_contain_text(f"Your phone {spare.extension} is ringing")
                page.screenshot(path=str(ARTIFACTS / "board.png"), full_page=True)

                # the TV page in the same browser (same session)
                browser = page.context.browser
                assert browser is not None
                tv_context = browser.new_context(viewport={"width": 1920, "height": 1080})
                tv_context.add_cookies(page.context.cookies())  # the supervisor's session
                tv = tv_context.new_page()
                tv.on("pageerror", lambda e: page_errors.append(f"tv: {e}"))
                tv.goto(f"{base}/ui/tv.html?lang=en")
                expect(tv.get_by_test_id("ws-status")).to_have_attribute("data-ws", "open")
                expect(tv.get_by_test_id("tv-waiting")).to_have_text("1")
                expect(tv.get_by_test_id("tv-answered")).to_have_text("1")
                expect(tv.get_by_test_id("tv-chart").locator("svg")).to_be_visible()
                tv.screenshot(path=str(ARTIFACTS / "tv.png"))
                tv_context.close()

                # the callers hang up: the answered call ends (wrap-up), the waiting one is abandoned
                for c in callers:
                    assert c.wait(40) == 0, "a SIPp caller's scenario failed"
                assert phone.wait(10) == 0
                expect(page.get_by_test_id("board-waiting-support")).to_have_text("0", timeout=10_000)
                expect(page.get_by_test_id("board-abandoned-support")).to_have_text("1")
                expect(state).to_have_attribute("data-state", "wrapup")

                # force-pause the agent as "away": the away time starts counting
                page.get_by_test_id(f"board-pause-{u}").click()
                page.get_by_test_id("board-action-reason").select_option("away")
                page.get_by_test_id("board-action-note").fill("coaching after the call")
                page.get_by_test_id("board-action-submit").click()
                expect(page.get_by_test_id("board-status")).to_contain_text("Agent Eight paused")
                expect(state).to_have_attribute("data-reason", "away")
                expect(page.get_by_test_id(f"board-agent-away-{u}")).to_have_text("00:01", timeout=5000)
                expect(page.get_by_test_id(f"board-agent-away-{u}")).to_have_attribute("data-level", "ok")

                # an admin disables a queue: its row leaves the board without a reload
                expect(page.get_by_test_id("board-queue-row-business")).to_be_visible()
                ok(admin.patch("/api/admin/queues/business", json={"active": False}))
                expect(page.get_by_test_id("board-queue-row-business")).to_have_count(0)
                expect(page.get_by_test_id("board-queue-row-support")).to_be_visible()
            assert page_errors == [], page_errors
        finally:
            for c in clients:
                c.close()
            sipp.close()
