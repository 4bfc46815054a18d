"""A case born from the call (issue 14, "5. From the call"; docs/cases.md "From the call"), on a real Asterisk: a
known caller with an open fault report presses the complaints option of the IVR menu, the agent's SIPp phone
answers, the desktop (Chromium, Playwright) pops the caller with that open case and its clocks; in wrap-up the agent
opens a case from the desktop — prefilled as a complaint by the call's queue, with the call and the customer, its
cause chosen from the configured list (GET /api/cases/causes) in the page's language — and the page shows its
number. The case carries the call (whose recording Asterisk made) and the customer; its dispatch
clock (0.1 minute here) passes, on the page and on the supervisor's board (the alert over /ws/board). Then an unknown
caller: on the call the agent opens a case for the customer the desktop's new-customer form creates.

In process (the ``stack`` fixture, served by uvicorn) so the test reads the stack's own state and waits on it; one
database: the cases' storage is checked on both by the unit tier (test_case_pop.py, test_cases_api.py)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
import websockets
from playwright.async_api import async_playwright, expect
from pydub.generators import Sine

from callcenter.app import Stack
from callcenter.auth.actor import Actor
from callcenter.cases.service import NewCase
from tests.browser.helpers import CHROMIUM, CHROMIUM_ARGS, DEFAULT_TIMEOUT_MS, ONE_DATABASE
from tests.helpers import ARTIFACTS, Served, Sipp, agent_user, free_udp_port, set_queue, wait_for

pytestmark = [pytest.mark.asterisk, pytest.mark.sipp, pytest.mark.db, pytest.mark.browser,
              pytest.mark.parametrize("db_url", [ONE_DATABASE], indirect=True)]
CALLER = "13800138000"
STRANGER = "13700137000"
# the complaint's dispatch clock runs out 6 s after acceptance (no warning), checked twice a second
FAST = {"complaint": {"dispatch_minutes": 0.1, "dispatch_warning_minutes": 0}, "check_interval_seconds": 0.5}
MENU = {"start": "welcome", "language": "en", "nodes": {
    "welcome": {"kind": "play", "prompt": "t-welcome", "next": "main"},
    "main": {"kind": "menu", "prompt": "t-menu", "timeout_seconds": 3, "max_retries": 1, "default": "human",
             "options": [{"digit": "1", "target": "human"}, {"digit": "3", "target": "complaints"}]},
    "human": {"kind": "queue", "queue": "support", "label": "Human service / 人工服务"},
    "complaints": {"kind": "queue", "queue": "complaints", "label": "Complaints / 投诉"},
}}


async def _menu(stack: Stack) -> None:
    """Short tones as the prompts, and the menu live for every number."""
    for name in ("t-welcome", "t-menu"):
        target = stack.settings.data_dir / "prompts" / "en" / f"{name}.wav"
        target.parent.mkdir(parents=True, exist_ok=True)
        Sine(600).to_audio_segment(duration=300).set_frame_rate(8000).set_channels(1).set_sample_width(2) \
            .export(target, format="wav").close()
    flow = await stack.ivr.create_flow("menu", MENU)
    await stack.ivr.publish(flow.id, by="test")
    await stack.ivr.set_entry_point("*", flow.id)


class Board:
    """The alerts raised on a /ws/board socket, read in the background."""

    def __init__(self, ws: Any) -> None:
        self.raised: list[dict[str, Any]] = []
        self._task = asyncio.create_task(self._read(ws))

    async def _read(self, ws: Any) -> None:
        async for raw in ws:
            m = json.loads(raw)
            if m.get("type") == "delta":
                self.raised += m.get("alerts_raised") or []
            elif m.get("type") == "snapshot":
                self.raised += m.get("alerts") or []

    def of(self, aid: str) -> list[dict[str, Any]]:
        return [a for a in self.raised if a["id"] == aid]

    def close(self) -> None:
        self._task.cancel()


@pytest.mark.parametrize("stack_overrides", [{"cases": FAST}])
async def test_a_complaint_caller_gets_a_case_opened_in_wrap_up_from_the_desktop(stack: Stack, sipp: Sipp) -> None:
    await _menu(stack)
    await set_queue(stack, "complaints", wrapup_seconds=600)  # the wrap-up lasts until the agent is done
    seat = next(a for a in stack.settings.agents if a.extension == "1001")
    port = free_udp_port()
    sipp.register(seat.extension, seat.password, port)
    phone = sipp.answer(seat.extension, port, calls=2)
    customer = await stack.customers.create("Zhang Wei", [CALLER])
    lead = await stack.auth.create_user("lead", "test-password-1", ["supervisor"], "Lead")
    earlier = await stack.cases.service.create(Actor.of(lead), NewCase(
        type="fault", description="no dial tone since Monday", customer_id=customer.id))
    await agent_user(stack, "li", {"complaints": "senior", "support": "senior"}, "1001", ready=True)
    lead_token, _ = await stack.auth.login("lead", "test-password-1", "t")
    async with Served(stack) as srv, async_playwright() as pw, websockets.connect(
            f"{srv.ws_base}/ws/board", additional_headers={"Authorization": f"Bearer {lead_token}"}) as ws:
        board = Board(ws)
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

            caller = sipp.call_pressing([(1.0, "3")], hold=3.0, caller=CALLER)  # the complaints option
            # the pop: the caller, their open fault report with its clocks; no "new case" while it rings
            await expect(page.get_by_test_id("pop-customer-name")).to_have_text("Zhang Wei")
            cases = page.get_by_test_id("pop-cases")
            await expect(cases).to_contain_text(earlier.number)
            await expect(cases).to_contain_text("fault report")
            await expect(cases.locator("[data-clock=dispatch]")).to_contain_text("left")
            await expect(page.get_by_test_id("pop-queue")).to_have_text("complaints")
            await wait_for(lambda: not sipp.running(caller), 30, "the caller to hang up")
            await expect(page.get_by_test_id("pop-phase")).to_contain_text("Wrap-up")

            # wrap-up: the case from the desktop, prefilled by the call
            await page.get_by_test_id("case-new").click()
            form = page.get_by_test_id("case-form")
            await expect(form).to_be_visible()
            await expect(page.get_by_test_id("case-type")).to_have_value("complaint")
            await expect(page.get_by_test_id("case-customer")).to_contain_text("Zhang Wei")
            await expect(page.get_by_test_id("case-ivr")).to_have_text("pressed 3 Complaints")
            uid = (await page.get_by_test_id("case-call").text_content() or "").strip()
            assert uid and uid == stack.pop.shown("li")["call_uniqueid"]  # type: ignore[index]
            await page.get_by_test_id("case-save").click()  # no description: told on the page, nothing sent
            await expect(page.get_by_test_id("case-status")).to_have_text("Describe what happened.")
            await page.get_by_test_id("case-description").fill("The engineer did not come on Tuesday.")
            await page.get_by_test_id("case-demand").fill("A visit today and a refund of the call-out fee.")
            # the complaint's cause, from the configured list: the cause chooses its class
            cause_class, cause = page.get_by_test_id("case-cause-class"), page.get_by_test_id("case-cause")
            await expect(cause_class).to_have_value("")
            await cause.select_option("promise_broken")
            await expect(cause_class).to_have_value("quality")
            await expect(cause.locator("option:checked")).to_have_text("promise broken")

            # a refusal is the server's, shown in the page's language: the request sent as if for another call
            async def not_mine(route: Any) -> None:
                body = json.loads(route.request.post_data or "{}")
                await route.continue_(post_data=json.dumps(body | {"call_uniqueid": "someone-elses-call"}))

            await page.route("**/api/cases", not_mine)
            await page.get_by_test_id("lang-switch").select_option("zh-CN")
            await expect(cause.locator("option:checked")).to_have_text("承诺未兑现")
            await expect(cause_class.locator("option:checked")).to_have_text("质量类")
            await page.get_by_test_id("case-save").click()
            status = page.get_by_test_id("case-status")
            await expect(status).to_contain_text("通话 someone-elses-call 不是您正在处理或接听过的通话")
            await page.get_by_test_id("lang-switch").select_option("en")
            await expect(status).to_contain_text("is not a call you are handling or answered")
            await page.unroute("**/api/cases")
            await expect(form).to_be_visible()  # the form kept what was typed
            await expect(page.get_by_test_id("case-description")).to_have_value(
                "The engineer did not come on Tuesday.")
            await page.get_by_test_id("case-save").click()
            created = page.get_by_test_id("case-created")
            await expect(created).to_contain_text("opened")
            number = await created.get_attribute("data-number")
            assert number and number.startswith("TS-")
            await expect(cases).to_contain_text(number)
            async with httpx.AsyncClient(base_url=srv.base, headers={"Authorization": f"Bearer {lead_token}"}) as http:
                stored = (await http.get(f"/api/cases/{number}")).json()
            assert (stored["cause_class"], stored["cause"]) == ("quality", "promise_broken"), stored
            link = cases.locator(f"[data-case='{number}'] a[data-testid=pop-case-number]")
            assert await link.get_attribute("href") == f"cases.html#case-{number}"  # the agent's own case
            await page.screenshot(path=str(ARTIFACTS / "case-from-call.png"), full_page=True)
            # its dispatch clock counts down on the page (nothing re-renders the pop meanwhile), shown overdue once
            # its 6 s are gone
            mine = cases.locator(f"[data-case='{number}'] [data-clock=dispatch]")
            await expect(mine).to_contain_text("overdue by", timeout=15_000)

            # an unknown caller, on the call: the case waits for the customer the desktop's form creates
            await page.get_by_test_id("record-done").click()
            await expect(page.get_by_test_id("agent-state")).to_contain_text("Ready")
            second = sipp.call_pressing([(1.0, "1")], hold=6.0, caller=STRANGER)  # support: no type chosen
            await expect(page.get_by_test_id("pop-unknown")).to_be_visible()
            await expect(page.get_by_test_id("pop-phase")).to_contain_text("On call")
            await expect(cases).to_be_hidden()  # no customer, no cases
            await page.get_by_test_id("case-new").click()
            await expect(page.get_by_test_id("case-type")).to_have_value("")
            await expect(cause).to_be_hidden()  # not a complaint; and emptied with the form
            await expect(cause).to_have_value("")
            await expect(page.get_by_test_id("case-customer")).to_contain_text("No customer record")
            await page.get_by_test_id("case-save").click()
            await expect(page.get_by_test_id("case-status")).to_have_text("Choose the type of the case.")
            await page.get_by_test_id("new-customer-name").fill("Wang Fang")
            await page.get_by_test_id("new-customer-save").click()
            await expect(page.get_by_test_id("customer-status")).to_contain_text("Wang Fang")
            await expect(page.get_by_test_id("case-customer")).to_contain_text("Wang Fang")
            await page.get_by_test_id("case-type").select_option("suggestion")
            await page.get_by_test_id("case-description").fill("Open the shop on Sundays.")
            await page.get_by_test_id("case-save").click()
            await expect(created).to_contain_text("opened")
            suggestion = await created.get_attribute("data-number")
            assert suggestion and suggestion.startswith("JY-")
            await wait_for(lambda: not sipp.running(second), 30, "the second caller to hang up")
            assert errors == [], errors
        finally:
            await browser.close()

        # the case: a complaint of the customer, accepted by the agent, carrying the call and its recording
        c = await stack.cases.repo.by_number(number)
        assert c is not None
        detail = await stack.cases.repo.detail(c.id)
        assert detail is not None
        assert (c.type, c.customer_id, c.accepted_by, c.state) == ("complaint", customer.id, "li", "accepted")
        assert (c.cause_class, c.cause) == ("quality", "promise_broken")
        assert c.description == "The engineer did not come on Tuesday."
        assert [k.call_uniqueid for k in detail.calls] == [uid]
        call = await stack.calls_repo.get_by_uniqueid(uid)
        assert call is not None and call.queue == "complaints" and call.caller_number.endswith(CALLER)
        assert any(s.get("digits") == "3" for s in call.ivr_path or [])  # the IVR choice that made it a complaint

        async def recorded() -> bool:
            rec = await stack.recordings.get(uid)
            return rec is not None and rec.ended_at is not None and bool(rec.size_bytes)

        await wait_for(recorded, 15, "the call's recording to be finished")
        # the dispatch clock passes: the board is told over /ws/board
        await wait_for(lambda: board.of(f"case:{number}:dispatch"), 20, "the dispatch breach on the board")
        [alert] = board.of(f"case:{number}:dispatch")[:1]
        assert alert["kind"] in ("case_breach", "case_escalated")
        assert alert["detail"]["number"] == number and alert["detail"]["clock"] == "dispatch"
        board.close()
        assert phone.wait(10) == 0
        jy = await stack.cases.repo.by_number(suggestion)
        assert jy is not None and jy.customer_id is not None and jy.type == "suggestion"
        stranger = await stack.customers.get(jy.customer_id)
        assert stranger is not None and stranger.customer.name == "Wang Fang" and stranger.numbers[0].endswith(STRANGER)
