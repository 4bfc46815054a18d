"""The agent desktop's transfer to an outside number, in a real browser against the real stack (issue 15, part 7): an
agent on a queue call chooses "outside number", sees the numbers the admin allowed, is refused a number not among
them with the server's message in the page's language (English, then Chinese after switching), and blind-transfers
the caller to an allowed one: the SIPp "mobile" behind the trunk receives the call with the transfers' caller ID.

Runs `python -m callcenter up` as the README does, with the outside numbers set in the environment, and Chromium
headless through Playwright. One database (tests/browser/helpers.py, on_one_database): the rule and its storage-free
refusal are checked on both by the unit tier (test_acd_service.py). Screenshot on failure:
test-artifacts/outside-transfer-failure.png.
"""

from __future__ import annotations

import re
import subprocess
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
    on_one_database,
    route_all_calls_to,
    sign_in,
)
from tests.helpers import SIPP_DIR, RunningUp, Sipp, free_media_port, free_udp_port, up_env

pytestmark = [pytest.mark.asterisk, pytest.mark.sipp, pytest.mark.db, pytest.mark.browser]

AGENT = ("duty7", "duty7-password")
MOBILE = "13900139000"


def _invite(trace: Path) -> str:
    text = trace.read_text(errors="replace") if trace.exists() else ""
    m = re.search(r"^INVITE sip:.*?(?=\n-{10,}|\Z)", text, re.M | re.S)
    return m.group(0) if m else ""


@on_one_database
def test_the_desktop_transfers_to_an_allowed_outside_number_and_shows_a_refusal(db_url: str, workdir: Path) -> None:
    mobile_port = free_udp_port("127.0.0.2")
    env, s = up_env(db_url, workdir / "data", CALLCENTER_IVR__SEED_DEFAULT_FLOW="false",
                    CALLCENTER_ASTERISK__OUTBOUND_HOST=f"127.0.0.2:{mobile_port}",
                    CALLCENTER_OUTSIDE_NUMBERS__TRANSFER__ALLOWED=f"138XXXXXXXX,{MOBILE}",
                    CALLCENTER_OUTSIDE_NUMBERS__TRANSFER__CALLER_ID="4008")
    base = f"http://127.0.0.1:{s.http.port}"
    page_errors: list[str] = []
    with RunningUp(env, workdir / "up.log") as up:
        sipp = Sipp(s, workdir / "sipp")
        api: httpx.Client | None = None
        try:
            up.wait_healthy(base)
            api = api_as(base, ADMIN)
            route_all_calls_to(api, "support")
            add_user(api, AGENT, "Duty Seven", ["agent"], {"support": "senior"})
            seat = s.agents[0]
            port = free_udp_port()
            sipp.register(seat.extension, seat.password, port)
            sipp.answer(seat.extension, port)
            trace = sipp.workdir / "mobile.log"
            mobile = subprocess.Popen(
                [Sipp.binary(), sipp.target, "-sf", str(SIPP_DIR / "customer_answer.xml"), "-s", MOBILE,
                 "-i", "127.0.0.2", "-p", str(mobile_port), "-mp", str(free_media_port()), "-m", "1", "-nostdin",
                 "-trace_msg", "-message_file", str(trace)],
                cwd=sipp.workdir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            sipp.procs.append(mobile)

            with chromium_page(page_errors, "outside-transfer-failure.png") as page:
                sign_in(page, base, AGENT, "link-agent")
                page.wait_for_url("**/ui/agent.html*")
                expect(page.get_by_test_id("ws-status")).to_have_attribute("data-ws", "open")
                page.get_by_test_id("agent-seat-select").select_option(seat.extension)
                page.get_by_test_id("agent-seat-login").click()
                expect(page.get_by_test_id("agent-state")).to_contain_text("Paused")
                page.keyboard.press("F2")
                expect(page.get_by_test_id("agent-state")).to_contain_text("Ready")

                caller = sipp.call_pressing([], hold=12.0)
                expect(page.get_by_test_id("agent-state")).to_contain_text("On call", timeout=15_000)
                expect(page.get_by_test_id("transfer-card")).to_be_visible()
                page.get_by_test_id("transfer-type").select_option("outside")
                hint = page.get_by_test_id("transfer-hint")
                expect(hint).to_have_text(f"Outside numbers you may transfer to: 138XXXXXXXX, {MOBILE} "
                                          "(X is any one digit)")

                # a number the admin did not allow: refused by the server, its message shown, nothing dialled
                page.get_by_test_id("transfer-target").fill("137 0013 7000")
                with page.expect_response(lambda r: r.url.endswith("/api/agent/transfer")) as answer:
                    page.get_by_test_id("transfer-submit").click()
                assert answer.value.status == 403
                status = page.get_by_test_id("transfer-status")
                expect(status).to_contain_text("outside number 13700137000 is not allowed for transfers")
                page.get_by_test_id("lang-switch").select_option("zh-CN")
                expect(status).to_contain_text("外部号码 13700137000 不允许转接")
                expect(hint).to_contain_text(f"可转接的外部号码：138XXXXXXXX, {MOBILE}")
                assert _invite(trace) == "" and mobile.poll() is None
                expect(page.get_by_test_id("agent-state")).to_contain_text("通话中")  # still with the caller

                # an allowed one: the caller goes to the mobile, the agent to wrap-up
                page.get_by_test_id("transfer-target").fill(MOBILE)
                page.get_by_test_id("transfer-submit").click()
                expect(status).to_have_text(f"已转接到 {MOBILE}。")
                expect(page.get_by_test_id("agent-state")).to_contain_text("话后处理", timeout=10_000)
                deadline = time.monotonic() + 15
                while not _invite(trace) and time.monotonic() < deadline:
                    time.sleep(0.1)
                invite = _invite(trace)
                assert invite.startswith(f"INVITE sip:{MOBILE}@"), invite[:300]
                assert re.search(r"^From:.*<sip:4008@", invite, re.M), invite[:800]
                assert caller.wait(30) == 0, sipp.explain(caller)
                assert mobile.wait(15) == 0
            assert page_errors == [], page_errors
        finally:
            if api is not None:
                api.close()
            sipp.close()
