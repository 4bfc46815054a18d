"""The conference on a call from the pages (issue 15, part 5), in a real browser against the real stack: on a queue
call the agent desktop's Conference card adds a seat (a SIPp phone that answers), shows the three in it, a supervisor
on the board joins it listening from their own seat and the desktop shows them, the agent ends it and wraps up. The
card's refusal of a target the server does not accept is shown in the page's language.

One database (tests/browser/helpers.py, on_one_database): what is checked is the pages and Asterisk; the service's
rules are checked by tests/unit/test_conference.py and tests/integration/test_conference.py.
"""

from __future__ import annotations

import json
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
from tests.helpers import ARTIFACTS, RunningUp, Sipp, free_udp_port, up_env

pytestmark = [pytest.mark.asterisk, pytest.mark.sipp, pytest.mark.db, pytest.mark.browser]

SUPERVISOR = ("lead2", "lead2-password")
AGENT = ("agent9", "agent9-password")
SEATS = [{"extension": e, "password": f"agent{e}-dev", "name": f"Agent {e}"} for e in ("1001", "1002", "1003")]


@on_one_database
def test_the_agent_starts_and_ends_a_conference_a_supervisor_joins_from_the_board(db_url: str,
                                                                                  workdir: Path) -> None:
    env, s = up_env(db_url, workdir / "data", CALLCENTER_IVR__SEED_DEFAULT_FLOW="false",
                    CALLCENTER_AGENTS=json.dumps(SEATS))
    base = f"http://127.0.0.1:{s.http.port}"
    page_errors: list[str] = []
    with RunningUp(env, workdir / "up.log") as up:
        sipp = Sipp(s, workdir / "sipp")
        clients: list[httpx.Client] = []
        try:
            up.wait_healthy(base)
            admin = api_as(base, ADMIN)
            clients.append(admin)
            add_user(admin, SUPERVISOR, "Lead Two", ["supervisor"])
            add_user(admin, AGENT, "Agent Nine", ["agent"], {"support": "senior"})
            route_all_calls_to(admin, "support")
            for seat in SEATS:  # every phone answers one call 1 s after it rings
                port = free_udp_port()
                sipp.register(seat["extension"], seat["password"], port)
                sipp.answer(seat["extension"], port)
            agent = api_as(base, AGENT)
            clients.append(agent)
            ok(agent.post("/api/agent/login", json={"extension": "1001"}))
            ok(agent.post("/api/agent/ready"))

            with chromium_page(page_errors, "conference-failure.png") as page:
                sign_in(page, base, AGENT, "link-agent")
                page.wait_for_url("**/ui/agent.html*")
                expect(page.get_by_test_id("ws-status")).to_have_attribute("data-ws", "open")
                card = page.get_by_test_id("conference-card")
                expect(card).to_be_hidden()  # only on a call
                caller = sipp.call_pressing([], hold=30.0)
                expect(page.get_by_test_id("agent-state")).to_contain_text("On call", timeout=15_000)
                expect(card).to_be_visible()
                expect(page.get_by_test_id("conference-state")).to_contain_text("Add a seat")
                expect(page.get_by_test_id("conference-end")).to_be_hidden()

                # a queue the directory does not have: the server's refusal, nothing rung
                page.get_by_test_id("conference-type").select_option("queue")
                page.get_by_test_id("conference-target").fill("nowhere")
                page.get_by_test_id("conference-submit").click()
                expect(page.get_by_test_id("conference-status")).to_contain_text("unknown queue 'nowhere'")

                page.get_by_test_id("conference-type").select_option("seat")
                page.get_by_test_id("conference-target").fill("1002")
                page.get_by_test_id("conference-submit").click()
                expect(page.get_by_test_id("conference-status")).to_contain_text("1002 is ringing")
                members = page.get_by_test_id("conference-member")
                expect(members).to_have_count(3, timeout=10_000)
                expect(page.get_by_test_id("conference-state")).to_contain_text("In a conference: 3 parties")
                expect(page.get_by_test_id("conference-members")).to_contain_text("customer · 13800138000")
                expect(page.get_by_test_id("conference-members")).to_contain_text("agent · 1001 (you)")
                expect(page.get_by_test_id("conference-members")).to_contain_text("party · 1002")
                expect(page.get_by_test_id("agent-state")).to_contain_text("On call")  # still on the call
                expect(page.get_by_test_id("conference-leave")).to_be_enabled()
                expect(page.get_by_test_id("conference-submit")).to_have_text("Add to the conference")

                # the supervisor's board, in the same browser: join the agent's conference, listening, from 1003
                browser = page.context.browser
                assert browser is not None
                board_context = browser.new_context(viewport={"width": 1440, "height": 1000})
                board = board_context.new_page()
                board.on("pageerror", lambda e: page_errors.append(f"board: {e}"))
                sign_in(board, base, SUPERVISOR, "link-board")
                board.wait_for_url("**/ui/board.html*")
                u = AGENT[0]
                expect(board.get_by_test_id(f"board-agent-state-{u}")).to_have_attribute("data-state", "on_call")
                board.get_by_test_id("board-seat").select_option("1003")
                board.get_by_test_id(f"board-join-listen-{u}").click()
                expect(board.get_by_test_id("board-status")).to_contain_text(
                    "Your phone 1003 is ringing: answer it to listen to Agent Nine's conference")
                expect(members).to_have_count(4, timeout=10_000)
                expect(page.get_by_test_id("conference-members")).to_contain_text("supervisor listening · 1003")
                page.screenshot(path=str(ARTIFACTS / "conference-desktop.png"), full_page=True)
                board_context.close()

                # the agent ends it: everyone's line hangs up, the agent wraps up
                page.get_by_test_id("conference-end").click()
                expect(page.get_by_test_id("agent-state")).to_contain_text("Wrap-up", timeout=10_000)
                expect(card).to_be_hidden()
                assert caller.wait(15) is not None  # Asterisk hung the customer up
                # the card speaks the page's language
                page.get_by_test_id("lang-switch").select_option("zh-CN")
                expect(page.get_by_test_id("conference-card").locator("h2")).to_have_text("电话会议")
            assert page_errors == [], page_errors
        finally:
            for c in clients:
                c.close()
            sipp.close()
