"""Ask the lead from the pages (issue 16, part 4), in a real browser against the real stack: on a queue call the
agent desktop's help card sends a request with a note; the supervisor's board shows it at once with the caller, the
note and the wait running; the supervisor listens from their own seat (a SIPp phone that answers) with the alert's
button; the alert goes, and the agent's desktop is told who took it and how, in the page's language.

One database (tests/browser/helpers.py, on_one_database): what is checked is the pages and Asterisk; the service's
rules are checked by tests/unit/test_help.py on both databases.
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
from tests.helpers import RunningUp, Sipp, free_udp_port, up_env

pytestmark = [pytest.mark.asterisk, pytest.mark.sipp, pytest.mark.db, pytest.mark.browser]

SUPERVISOR = ("lead3", "lead3-password")
AGENT = ("agent7", "agent7-password")
SEATS = [{"extension": e, "password": f"agent{e}-dev", "name": f"Agent {e}"} for e in ("1001", "1002")]


@on_one_database
def test_the_agent_asks_for_help_and_the_lead_listens_from_the_board(db_url: str, workdir: Path) -> None:
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
            add_user(admin, SUPERVISOR, "Lead Three", ["supervisor"])
            add_user(admin, AGENT, "Agent Seven", ["agent"], {"support": "senior"})
            route_all_calls_to(admin, "support")
            for seat in SEATS:  # the agent's phone and the supervisor's answer one call 1 s after it rings
                port = free_udp_port()
                sipp.register(seat["extension"], seat["password"], port)
                sipp.answer(seat["extension"], port)
            agent = api_as(base, AGENT)
            clients.append(agent)
            ok(agent.post("/api/agent/login", json={"extension": "1001"}))
            ok(agent.post("/api/agent/ready"))

            with chromium_page(page_errors, "help-failure.png") as page:
                sign_in(page, base, AGENT, "link-agent")
                page.wait_for_url("**/ui/agent.html*")
                expect(page.get_by_test_id("ws-status")).to_have_attribute("data-ws", "open")
                card = page.get_by_test_id("help-card")
                expect(card).to_be_hidden()  # only on a call
                caller = sipp.call_pressing([], hold=40.0)
                expect(page.get_by_test_id("agent-state")).to_contain_text("On call", timeout=15_000)
                expect(card).to_be_visible()

                browser = page.context.browser
                assert browser is not None
                board_context = browser.new_context(viewport={"width": 1440, "height": 1000})
                board = board_context.new_page()
                board.on("pageerror", lambda e: page_errors.append(f"board: {e}"))
                sign_in(board, base, SUPERVISOR, "link-board")
                board.wait_for_url("**/ui/board.html*")
                expect(board.get_by_test_id("ws-status")).to_have_attribute("data-ws", "open")

                page.get_by_test_id("help-note").fill("caller wants a manager")
                page.get_by_test_id("help-submit").click()
                expect(page.get_by_test_id("help-status")).to_contain_text("Help asked, waiting for a lead: 00:0")
                expect(page.get_by_test_id("help-submit")).to_be_disabled()
                alert = board.locator(".wb-alert[data-kind=help_request]")
                expect(alert).to_have_count(1)  # pushed to the board at once
                expect(alert).to_contain_text("Agent Seven asks for help")
                expect(alert).to_contain_text("13800138000")
                expect(alert).to_contain_text("caller wants a manager")
                expect(alert).to_contain_text("waiting 00:0")  # the wait runs on the board too

                board.get_by_test_id("board-seat").select_option("1002")
                alert.get_by_role("button", name="Listen").click()
                expect(board.get_by_test_id("board-status")).to_contain_text(
                    "You took Agent Seven's help request (Listen).")
                expect(alert).to_have_count(0)
                expect(page.get_by_test_id("help-status")).to_have_text("lead3 took your help request (listening).")
                page.get_by_test_id("lang-switch").select_option("zh-CN")
                expect(page.get_by_test_id("help-status")).to_have_text("lead3 已接手您的求助（监听）。")
                expect(card.locator("h2")).to_have_text("求助组长")
                board_context.close()

                # stored with the call: who took it, how, how long it waited
                [req] = ok(agent.get("/api/help"))["items"]
                assert (req["state"], req["taken_by"], req["taken_how"], req["note"]) == (
                    "taken", "lead3", "listen", "caller wants a manager")
                assert req["waited_seconds"] is not None and req["waited_seconds"] >= 0
            caller.terminate()
            assert page_errors == [], page_errors
        finally:
            for c in clients:
                c.close()
            sipp.close()
