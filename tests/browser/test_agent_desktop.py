"""The agent desktop in a real browser against the real stack: an agent logs in at a seat and goes ready; a SIPp
call from a known number arrives and the page shows the customer's name while the phone is still ringing; the
phone answers (SIPp UAS); after the caller hangs up the agent writes a service record in wrap-up; it is stored and
shown in the next pop for that customer. Before that, the admin creates the agent and their skill on the admin
page.

Runs `python -m callcenter up` as the README does and Chromium headless through Playwright. Everything the test
sets up goes through the HTTP API as an admin would. Screenshots go to test-artifacts/.

One database (tests/browser/helpers.py, on_one_database): what is checked is the pop on the page while the phone
rings, the answer and the wrap-up form; the customer and service-record storage it goes through is checked on
both databases by the unit tier (test_customers_service.py, test_customers_api.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import ADMIN, api_as, chromium_page, ok, on_one_database, route_all_calls_to
from tests.helpers import ARTIFACTS, RunningUp, Sipp, free_udp_port, up_env

pytestmark = [pytest.mark.asterisk, pytest.mark.sipp, pytest.mark.db, pytest.mark.browser]

AGENT = ("agent7", "agent7-password")
CALLER = "13800138000"


def _set_up(api: httpx.Client) -> int:
    """As an admin over the API: a flow sending every number to `support`, and the customer who will call."""
    route_all_calls_to(api, "support", label="Human service / 人工服务")
    customer = ok(api.post("/api/customers", json={"name": "Zhang Wei", "company": "Acme", "vip": True,
                                                    "numbers": ["+86 138 0013 8000"]}))
    return int(customer["id"])


def _admin_makes_the_agent(page: Page, base: str, api: httpx.Client) -> None:
    """On the admin page: a new agent user, then their skill (senior on `support`)."""
    page.goto(f"{base}/ui/index.html")
    page.get_by_test_id("lang-switch").select_option("en")
    page.get_by_test_id("login-username").fill(ADMIN[0])
    page.get_by_test_id("login-password").fill(ADMIN[1])
    page.get_by_test_id("login-submit").click()
    page.get_by_test_id("link-admin").click()
    page.wait_for_url("**/ui/admin.html*")
    page.get_by_test_id("admin-user-create-username").fill(AGENT[0])
    page.get_by_test_id("admin-user-create-display-name").fill("Agent Seven")
    page.get_by_test_id("admin-user-create-password").fill(AGENT[1])
    page.get_by_test_id("admin-user-create-submit").click()
    expect(page.get_by_test_id("admin-user-create-status")).to_contain_text(AGENT[0])
    expect(page.get_by_test_id(f"admin-user-row-{AGENT[0]}")).to_be_visible()
    page.get_by_test_id(f"admin-skill-{AGENT[0]}-support").select_option("senior")
    page.get_by_test_id("admin-skills-save").click()
    expect(page.get_by_test_id("admin-skills-status")).to_have_text("Skills saved.")
    page.screenshot(path=str(ARTIFACTS / "admin-agent-created.png"), full_page=True)
    [user] = [u for u in ok(api.get("/api/admin/users")) if u["username"] == AGENT[0]]
    assert user["roles"] == ["agent"] and user["skills"] == [{"queue": "support", "level": "senior"}]
    page.get_by_test_id("logout").click()
    page.wait_for_url("**/ui/index.html")


def _agent_state(api: httpx.Client, base: str) -> str:
    r = httpx.post(f"{base}/api/auth/login", json={"username": AGENT[0], "password": AGENT[1]}, timeout=10)
    h = {"Authorization": f"Bearer {r.json()['token']}"}
    return str(httpx.get(f"{base}/api/agent/me", headers=h, timeout=10).json()["agent"]["state"])


def _log_in_and_go_ready(page: Page, base: str) -> None:
    page.goto(f"{base}/ui/agent.html")
    page.wait_for_url("**/ui/index.html")
    page.get_by_test_id("login-username").fill(AGENT[0])
    page.get_by_test_id("login-password").fill(AGENT[1])
    page.get_by_test_id("login-submit").click()
    page.get_by_test_id("link-agent").click()
    page.wait_for_url("**/ui/agent.html*")
    expect(page.get_by_test_id("ws-status")).to_have_attribute("data-ws", "open")
    page.get_by_test_id("agent-seat-select").select_option("1001")
    page.get_by_test_id("agent-seat-login").click()
    expect(page.get_by_test_id("agent-state")).to_contain_text("Paused")
    page.keyboard.press("F2")  # ready, from the keyboard
    expect(page.get_by_test_id("agent-state")).to_contain_text("Ready")
    expect(page.get_by_test_id("agent-state-timer")).to_have_text("00:01", timeout=5000)  # the live timer ticks


@on_one_database
def test_agent_sees_the_caller_while_ringing_and_records_the_call(db_url: str, workdir: Path) -> None:
    env, s = up_env(db_url, workdir / "data", CALLCENTER_IVR__SEED_DEFAULT_FLOW="false")
    base = f"http://127.0.0.1:{s.http.port}"
    page_errors: list[str] = []
    with RunningUp(env, workdir / "up.log") as up:
        sipp = Sipp(s, workdir / "sipp")
        api: httpx.Client | None = None
        try:
            up.wait_healthy(base)
            api = api_as(base, ADMIN)
            customer_id = _set_up(api)
            seat = s.agents[0]
            port = free_udp_port()
            sipp.register(seat.extension, seat.password, port)
            # the phone rings 4 s before it is picked up, answers the first call; the second is not picked up
            phone = sipp.answer(seat.extension, port, calls=1, ring_ms=4000)

            with chromium_page(page_errors, "agent-desktop-failure.png") as page:
                _admin_makes_the_agent(page, base, api)
                _log_in_and_go_ready(page, base)

                caller = sipp.call_pressing([], hold=8.0, caller=CALLER)  # rung 4 s, talks 4 s
                name = page.get_by_test_id("pop-customer-name")
                expect(name).to_have_text("Zhang Wei", timeout=8000)
                # while the phone is still ringing: the page says so, and so does the server
                expect(page.get_by_test_id("pop-phase")).to_contain_text("Ringing")
                assert _agent_state(api, base) == "ringing"
                assert phone.poll() is None  # the SIPp phone has not answered yet
                expect(page.get_by_test_id("pop-caller-number")).to_contain_text(CALLER)
                expect(page.get_by_test_id("pop-vip")).to_be_visible()
                expect(page.get_by_test_id("pop-queue")).to_contain_text("support")
                # the IVR path names the flow's node by its label in the page's language, not by its id
                expect(page.get_by_test_id("pop-ivr-path")).to_contain_text("Human service")
                expect(page.get_by_test_id("pop-ivr-path")).not_to_contain_text("人工服务")
                page.screenshot(path=str(ARTIFACTS / "agent-desktop-ringing.png"), full_page=True)

                expect(page.get_by_test_id("pop-phase")).to_contain_text("On call", timeout=10_000)
                expect(page.get_by_test_id("agent-state")).to_contain_text("On call")
                # the agent pauses the recording for a card number, then resumes it
                expect(page.get_by_test_id("recording-state")).to_contain_text("being recorded")
                page.get_by_test_id("recording-toggle").click()
                expect(page.get_by_test_id("recording-state")).to_contain_text("Recording paused")
                page.get_by_test_id("recording-toggle").click()
                expect(page.get_by_test_id("recording-state")).to_contain_text("being recorded")
                expect(page.get_by_test_id("recording-status")).to_have_text("")
                assert caller.wait(30) == 0, "the SIPp caller's scenario failed"
                expect(page.get_by_test_id("pop-phase")).to_contain_text("Wrap-up", timeout=10_000)

                # wrap-up: the service record
                page.get_by_test_id("record-category").select_option("complaint")
                page.get_by_test_id("record-text").fill("Bill charged twice in March; refund promised.")
                page.get_by_test_id("record-outcome").fill("refund requested")
                page.get_by_test_id("record-follow-up").check()
                page.get_by_test_id("record-save").click()
                expect(page.get_by_test_id("record-status")).to_contain_text("Service record saved")
                page.screenshot(path=str(ARTIFACTS / "agent-desktop-wrapup.png"), full_page=True)
                records = ok(api.get("/api/service-records", params={"customer_id": customer_id}))
                items = records["items"] if isinstance(records, dict) else records
                assert [(r["category"], r["agent_username"], r["follow_up_needed"]) for r in items] == [
                    ("complaint", AGENT[0], True)]
                assert items[0]["text"] == "Bill charged twice in March; refund promised."
                # the follow-up defaults to 72 hours from now (not 3 days at 23:59) and is on the call-back desk
                due = datetime.fromisoformat(items[0]["follow_up_due"].replace("Z", "+00:00"))
                created = datetime.fromisoformat(items[0]["created_at"].replace("Z", "+00:00"))
                assert timedelta(hours=71, minutes=58) <= due - created <= timedelta(hours=72), (due, created)
                tasks = ok(api.get("/api/callbacks"))["items"]
                assert [(t["number"], t["due_at"]) for t in tasks] == [(CALLER, items[0]["follow_up_due"])]
                page.keyboard.press("F4")  # done: ready again
                expect(page.get_by_test_id("agent-state")).to_contain_text("Ready")
                expect(page.get_by_test_id("pop-card")).to_be_hidden()
                expect(page.get_by_test_id("today-calls")).to_contain_text(CALLER)
                expect(page.locator("[data-testid=today-calls] td.direction").first).to_have_text("in")

                # the next call of that customer pops with the record just written
                assert phone.wait(10) == 0
                sipp.answer(seat.extension, port, calls=1, ring_ms=30_000)
                again = sipp.call_pressing([], hold=3.0, caller=CALLER)
                expect(name).to_have_text("Zhang Wei", timeout=8000)
                expect(page.get_by_test_id("pop-service-records")).to_contain_text(
                    "Bill charged twice in March")
                expect(page.get_by_test_id("pop-recent-calls")).to_contain_text("support")
                expect(page.locator("[data-testid=pop-recent-calls] td.direction").first).to_have_text("in")
                page.screenshot(path=str(ARTIFACTS / "agent-desktop-next-pop.png"), full_page=True)
                assert again.wait(30) == 0, "the second caller's scenario failed"
            assert page_errors == [], page_errors
        finally:
            if api is not None:
                api.close()
            sipp.close()
