"""Browser: the call-back desk from a resolved case to the survey answered (issue 15, "2. The call-back desk";
docs/outbound.md), on a real Asterisk with SIPp. A customer with a phone number complains; the case is worked to
resolved over the API (by a handler of the department), which makes its call-back task. The agent, logged in at
seat 1001 (a SIPp phone that answers), follows the desktop's header link to the call-back desk (Chromium,
Playwright), opens the task and presses Call: the page says their phone is ringing, the phone answers, the
customer's number is dialled over the trunk and a SIPp customer answers and speaks; the page says the agent is on
the call. The agent hangs up; the page sees the call ended (answered) and offers the outcome: in Chinese, the
four-point survey's labels; a survey with a point left out is not sent; the task changed meanwhile (its due time
brought forward by a lead) is refused (409), read again and said so, the form kept; all four answered, the task
is reached.
What the service stored: the task closed by the agent, its attempt linked to the outbound call record, the survey
rating the agent who accepted the case, by channel.

In process (the ``stack`` fixture, served by uvicorn) so the test hangs up through the stack's own AMI and reads
its state; one database: the desk's storage is checked on both by tests/unit/test_callbacks.py."""

from __future__ import annotations

import subprocess
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.async_api import async_playwright, expect

from callcenter.app import Stack
from tests.browser.helpers import CHROMIUM, CHROMIUM_ARGS, DEFAULT_TIMEOUT_MS, ONE_DATABASE
from tests.helpers import (
    ARTIFACTS,
    SIPP_DIR,
    Served,
    Sipp,
    agent_user,
    bearer,
    free_media_port,
    free_udp_port,
    wait_for,
)

pytestmark = [pytest.mark.asterisk, pytest.mark.sipp, pytest.mark.db, pytest.mark.browser,
              pytest.mark.parametrize("db_url", [ONE_DATABASE], indirect=True)]
NUMBER = "13800138000"
CUSTOMER_PORT = free_udp_port("127.0.0.2")  # the customer's phone "out on the trunk"
SURVEY = {"attitude": 1, "skill": 2, "timeliness": 3, "promises": 1}


@pytest.mark.parametrize("stack_overrides", [{"asterisk": {"outbound_host": f"127.0.0.2:{CUSTOMER_PORT}"}}])
async def test_the_call_back_desk_from_a_resolved_case_to_the_survey_answered(stack: Stack, sipp: Sipp) -> None:
    seat = next(a for a in stack.settings.agents if a.extension == "1001")
    port = free_udp_port()
    sipp.register(seat.extension, seat.password, port)
    phone = sipp.answer(seat.extension, port)  # the agent's phone answers 1 s after it rings
    customer_phone = subprocess.Popen(  # answers as the dialled number, over the trunk, and speaks
        [Sipp.binary(), sipp.target, "-sf", str(SIPP_DIR / "customer_answer.xml"), "-s", NUMBER,
         "-i", "127.0.0.2", "-p", str(CUSTOMER_PORT), "-mp", str(free_media_port()), "-m", "1", "-nostdin"],
        cwd=sipp.workdir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    sipp.procs.append(customer_phone)
    boss = await bearer(stack, ("admin",), "boss")
    lead = await bearer(stack, ("supervisor",), "lead")
    await stack.auth.create_user("hand1", "test-password-1", ["agent"], "Handler One")
    agent = await agent_user(stack, "li", {"support": "senior"}, "1001", ready=True)  # at the seat, ready
    async with Served(stack) as srv, httpx.AsyncClient(base_url=srv.base, headers=boss, timeout=10) as http:
        async def ok(method: str, url: str, **kw: Any) -> Any:
            r = await http.request(method, url, **kw)
            assert r.status_code in (200, 201), r.text
            return r.json()

        dept = await ok("POST", "/api/departments", json={"name": "After-sales"})
        await ok("PUT", f"/api/departments/{dept['id']}/members/hand1", json={"role": "handler"})
        customer = await ok("POST", "/api/customers", json={"name": "Zhang Wei", "numbers": [NUMBER]})
        c = await ok("POST", "/api/cases", json={"type": "complaint", "description": "the line keeps dropping",
                                                 "customer_id": customer["id"]})
        for action, body in (("dispatch", {"department_id": dept["id"], "handler": "hand1"}), ("investigate", {}),
                             ("report", {"text": "a faulty line card"}), ("resolve", {"decision": "card replaced"})):
            c = await ok("POST", f"/api/cases/{c['number']}/{action}", json={"version": c["version"], **body})
        number = c["number"]
        [task] = [x for x in (await ok("GET", "/api/callbacks"))["items"] if x["case_number"] == number]
        assert (task["state"], task["number"], task["rated_agent"]) == ("open", NUMBER, "boss")

        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            page = await browser.new_page(viewport={"width": 1440, "height": 1000})
            page.set_default_timeout(DEFAULT_TIMEOUT_MS)
            expect.set_options(timeout=DEFAULT_TIMEOUT_MS)
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            try:
                await page.goto(f"{srv.base}/ui/index.html")
                await page.get_by_test_id("lang-switch").select_option("en")
                await page.get_by_test_id("login-username").fill("li")
                await page.get_by_test_id("login-password").fill("test-password-1")
                await page.get_by_test_id("login-submit").click()
                await page.get_by_test_id("link-agent").click()
                await page.wait_for_url("**/ui/agent.html*")
                await expect(page.get_by_test_id("agent-state")).to_contain_text("Ready")
                await page.get_by_test_id("nav-callbacks").click()
                await page.wait_for_url("**/ui/callbacks.html*")
                row = page.locator(f'[data-testid="cb-row"][data-case="{number}"]')
                await expect(row.get_by_test_id("cb-number")).to_have_text(NUMBER)
                await expect(row.get_by_test_id("cb-left")).to_contain_text("left")
                await row.get_by_test_id("cb-open").click()
                await expect(page.get_by_test_id("cb-outcome-form")).to_be_hidden()  # nothing to record yet
                call_button = page.get_by_test_id("cb-call")
                await expect(call_button).to_be_enabled()

                await call_button.click()
                status = page.get_by_test_id("cb-call-status")
                await expect(status).to_have_attribute("data-phase", "ringing")
                await expect(status).to_contain_text("Ringing your phone")
                attempt = page.get_by_test_id("cb-attempt")
                await expect(attempt).to_have_count(1)
                await expect(attempt.get_by_test_id("cb-attempt-call")).to_have_text("in progress")
                await expect(call_button).to_be_disabled()  # one attempt at a time
                # the survey may be taken on the call: the form is there at once
                await expect(page.get_by_test_id("cb-outcome-form")).to_be_visible()

                async def both_legs_up() -> bool:
                    chans = {ch.get("Channel", "").split("-")[0]: ch for ch in await stack.ami.core_show_channels()}
                    return all(k in chans and chans[k].get("ChannelStateDesc") == "Up"
                               for k in ("PJSIP/1001", "PJSIP/trunk"))

                await wait_for(both_legs_up, 20, "the agent and the customer to be connected")
                assert phone.poll() is None and customer_phone.poll() is None  # talking
                a = stack.acd.agents[agent.id]
                await wait_for(lambda: a.state == "on_call", 10, "the agent to be on the call")
                uid = a.call_uniqueid
                assert uid
                await expect(status).to_have_attribute("data-phase", "on_call")
                await expect(status).to_contain_text(f"On the call with {NUMBER}")

                # the agent hangs up: the page sees the call ended, answered, and asks for the outcome
                legs = {ch.get("Uniqueid"): ch for ch in await stack.ami.core_show_channels()}
                await stack.ami.hangup(legs[uid]["Channel"])
                await expect(status).to_have_attribute("data-phase", "ended", timeout=15_000)
                await expect(status).to_contain_text("The call ended (answered): record the outcome.")
                await expect(attempt).to_have_attribute("data-call-outcome", "answered")
                await expect(attempt.get_by_test_id("cb-attempt-call")).to_have_text("answered")

                # the outcome, in Chinese: reached, with the four-point survey
                await page.get_by_test_id("lang-switch").select_option("zh-CN")
                outcome = page.get_by_test_id("cb-outcome")
                await expect(outcome.locator("option[value=reached]")).to_have_text("已联系")
                await expect(outcome.locator("option[value=problem_stands]")).to_have_text("问题未解决")
                await expect(outcome.locator("option[value=wrong_number]")).to_have_text("号码错误")
                await outcome.select_option("reached")
                survey = page.get_by_test_id("cb-survey")
                await expect(survey).to_be_visible()
                await expect(page.get_by_test_id("cb-survey-rule")).to_have_text("（四项均须作答）")
                for p, words in (("attitude", "服务态度"), ("skill", "业务技能"), ("timeliness", "处理时效"),
                                 ("promises", "承诺兑现")):
                    await expect(page.get_by_test_id(f"cb-point-{p}")).to_contain_text(words)
                group = page.get_by_test_id("cb-point-attitude")
                for level, words in ((1, "1 很满意"), (2, "2 满意"), (3, "3 一般"), (4, "4 较差")):
                    await expect(group.locator("label").nth(level - 1)).to_have_text(words)
                for p in ("attitude", "skill", "timeliness"):  # one point left out: not sent
                    await page.get_by_test_id(f"cb-point-{p}-{SURVEY[p]}").check()
                await page.get_by_test_id("cb-note").fill("happy with the repair")
                await page.get_by_test_id("cb-outcome-save").click()
                await expect(page.get_by_test_id("cb-outcome-status")).to_have_text(
                    "“已联系”须完成满意度调查的全部四项。")
                assert (await ok("GET", f"/api/callbacks/{task['id']}"))["task"]["state"] == "open"
                await page.get_by_test_id(f"cb-point-promises-{SURVEY['promises']}").check()
                # the task changed meanwhile (a lead brought its due time forward): 409, read again, said so;
                # the form keeps what was entered
                now = (await ok("GET", f"/api/callbacks/{task['id']}"))["task"]
                earlier = datetime.fromisoformat(now["due_at"]) - timedelta(hours=1)
                await ok("PATCH", f"/api/callbacks/{task['id']}/due",
                         json={"version": now["version"], "due_at": earlier.isoformat()})
                await page.get_by_test_id("cb-outcome-save").click()
                detail_status = page.get_by_test_id("cb-detail-status")
                await expect(detail_status).to_contain_text("已被他人修改")
                await expect(detail_status).to_contain_text("已重新加载该任务。")
                await expect(page.get_by_test_id("cb-point-skill-2")).to_be_checked()
                await page.get_by_test_id("cb-outcome-save").click()
                await expect(page.get_by_test_id("cb-detail-state")).to_have_text("已联系")
                await expect(detail_status).to_contain_text("已保存：已联系")
                await expect(page.get_by_test_id("cb-outcome-form")).to_be_hidden()
                await expect(attempt).to_have_attribute("data-outcome", "reached")
                await expect(attempt.get_by_test_id("cb-attempt-outcome")).to_have_text("已联系")
                await expect(page.get_by_test_id("cb-call-box")).to_be_hidden()  # closed: no more calls
                await page.get_by_test_id("cb-filter-state").select_option("reached")
                await expect(row.get_by_test_id("cb-state")).to_have_text("已联系")
                await page.screenshot(path=str(ARTIFACTS / "callback-desk.png"), full_page=True)
                assert errors == [], errors
            except Exception:
                await page.screenshot(path=str(ARTIFACTS / "callback-desk-failure.png"), full_page=True)
                raise
            finally:
                await browser.close()

        # what the service stored: the task reached by the agent, its attempt the outbound call, the survey
        d = await ok("GET", f"/api/callbacks/{task['id']}")
        assert (d["task"]["state"], d["task"]["attempts"], d["task"]["closed_by"]) == ("reached", 1, "li")
        [att] = d["attempts"]
        assert (att["call_uniqueid"], att["agent_username"], att["call_outcome"], att["outcome"], att["note"]) == (
            uid, "li", "answered", "reached", "happy with the repair")
        await stack.tracker.flush()
        call = await stack.calls_repo.get_by_uniqueid(uid)
        assert call is not None
        assert (call.direction, call.outcome, call.agent_username, call.customer_id) == (
            "outbound", "answered", "li", customer["id"])
        month = datetime.now(ZoneInfo(stack.settings.timezone)).strftime("%Y-%m")
        r = await http.get("/api/surveys/monthly", params={"month": month}, headers=lead)
        assert r.status_code == 200, r.text
        [rated] = [x for x in r.json()["items"] if x["agent"] == "boss"]  # the agent who accepted the case
        assert (rated["surveys"], rated["complete"], rated["by_channel"]) == (1, 1, {"callback": 1})
        for p, level in SURVEY.items():
            assert rated["points"][p]["levels"][str(level)] == 1, (p, rated["points"][p])
    assert phone.wait(10) == 0
