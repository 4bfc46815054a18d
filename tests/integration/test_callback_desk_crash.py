"""The call-back desk (回访) survives ``kill -9`` of the service (the house rule: what the product stores survives a
kill -9 of Asterisk or of the service; docs/production.md, docs/outbound.md "The call-back desk").

The service runs as production runs it: ``callcenter up`` as a process of its own, its managed Asterisk left
running when the service goes (``asterisk.stop_with_service=false``), so the next start attaches to the same
Asterisk with the call still up. Everything is done over the HTTP API, as the pages do it: a case is worked to
resolved (its call-back task), an agent logs in at seat 1001 (a SIPp phone that answers) and presses "call" on the
task; the agent's phone answers, then the SIPp customer behind the trunk (127.0.0.2). Then:

1. ``kill -9`` of the service while the call is up. Started again on the same data directory and database, it
   attaches to the Asterisk that kept the call: the task still has exactly one attempt, linked to that call and
   waiting for its outcome; there is one call record of it (not two), in progress and answered; calling the task
   again is refused (the call is going on); the agent is on that call. The agent hangs up: the call record is
   completed once (answered), the attempt has the call's outcome, the agent is in wrap-up.
2. ``kill -9`` again, after the call ended and before the agent recorded its outcome. Started again: the attempt
   still waits for its outcome, the agent is still in wrap-up with that call; the outcome (reached, with the
   survey) is recorded, once: a second try is refused, the task has one attempt, one survey is stored.
3. ``kill -9`` during a second task's call, and the agent hangs up while the service is down. Started again: the
   call record is completed once (answered, ``lost_during_disconnect``: its end is when the new start saw it), the
   task's one attempt has the call's outcome, the agent is in wrap-up with that call, the outcome is recorded.

After the restart in 1. the agent is ``on_call`` with the call: the ACD's resync gives the agent back their phone's
channel (an outbound call's first leg is the agent's own phone, not stored), so their Hangup is theirs: wrap-up.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.helpers import ROOT, SIPP_DIR, Sipp, free_media_port, free_udp_port, up_env, wait_for, wait_http_ok

pytestmark = [pytest.mark.asterisk, pytest.mark.sipp, pytest.mark.db,
              pytest.mark.both_databases("what the killed service stored is read back by the next start")]
NUMBER, OTHER = "13900139000", "13700137000"
SURVEY = {"attitude": 1, "skill": 2, "timeliness": 1, "promises": 1}
AGENT, AGENT_PASSWORD = "li", "li-password-1"


class Service:
    """One life of ``python -m callcenter up``: started, then killed (SIGKILL) or stopped (SIGTERM, exit 0)."""

    def __init__(self, env: dict[str, str], log: Path, base: str) -> None:
        self.base = base
        self.log_path = log
        self._log = open(log, "wb")  # noqa: SIM115 - closed in kill / stop
        self.proc = subprocess.Popen([sys.executable, "-m", "callcenter", "up"], cwd=ROOT, env=env,
                                     stdout=self._log, stderr=subprocess.STDOUT)

    async def ready(self) -> dict[str, Any]:
        """Healthy, with AMI connected and resynced (``ami.ready``)."""
        await asyncio.to_thread(wait_http_ok, f"{self.base}/api/health", self.proc, 90)

        health: dict[str, Any] = {}

        async def connected() -> bool:
            if self.proc.poll() is not None:
                raise AssertionError(f"callcenter up exited with {self.proc.returncode}: {self.output()[-3000:]}")
            async with httpx.AsyncClient(base_url=self.base, timeout=5) as c:
                health.update((await c.get("/api/health")).json())
            return bool(health["ami"]["connected"])

        await wait_for(connected, 30, "AMI connected and resynced")
        return health

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def kill9(self) -> None:
        self.proc.send_signal(signal.SIGKILL)  # no cleanup code of the service runs
        assert self.proc.wait(10) == -signal.SIGKILL
        self._log.close()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            finally:
                if self.proc.poll() is None:
                    self.proc.kill()
                    self.proc.wait()
        self._log.close()


def _asterisks(data: Path) -> list[int]:
    """The pids of the Asterisks running from this data directory's rendered config."""
    conf = str(data / "asterisk" / "etc" / "asterisk.conf")
    out = []
    for proc in Path("/proc").iterdir():
        try:
            cmd = (proc / "cmdline").read_bytes().split(b"\0")
            state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if state != "Z" and cmd and Path(cmd[0].decode(errors="replace")).name == "asterisk" and conf.encode() in cmd:
            out.append(int(proc.name))
    return out


def _rx(data: Path, command: str) -> str:
    """A command on the Asterisk console (its control socket), as an operator would type it."""
    r = subprocess.run(["asterisk", "-C", str(data / "asterisk" / "etc" / "asterisk.conf"), "-rx", command],
                       capture_output=True, text=True, timeout=10)
    assert r.returncode == 0, r.stderr
    return r.stdout


def _channels(data: Path) -> dict[str, list[str]]:
    """Asterisk's channels now: name → the fields of ``core show channels concise``."""
    out = {}
    for line in _rx(data, "core show channels concise").splitlines():
        fields = line.split("!")
        if len(fields) > 4:
            out[fields[0]] = fields
    return out


def _up(fields: list[str]) -> bool:
    return fields[4] == "Up"


async def test_call_backs_survive_kill_9_of_the_service_during_the_call_and_before_the_outcome(
        db_url: str, workdir: Path) -> None:
    data = workdir / "data"
    customer_port = free_udp_port("127.0.0.2")
    env, s = up_env(db_url, data, CALLCENTER_ASTERISK__STOP_WITH_SERVICE="false",
                    CALLCENTER_ASTERISK__OUTBOUND_HOST=f"127.0.0.2:{customer_port}",
                    CALLCENTER_RECORDING__ENABLED="false")
    base = f"http://127.0.0.1:{s.http.port}"
    sipp = Sipp(s, workdir / "sipp")
    lives: list[Service] = []

    def start() -> Service:
        svc = Service(env, workdir / f"up-{len(lives)}.log", base)
        lives.append(svc)
        return svc

    try:
        first = start()
        await first.ready()
        [ast] = _asterisks(data)  # started detached by the service: it outlives it
        async with httpx.AsyncClient(base_url=base, timeout=10) as http:
            async def login(username: str, password: str) -> dict[str, str]:
                r = await http.post("/api/auth/login", json={"username": username, "password": password})
                assert r.status_code == 200, r.text
                return {"Authorization": f"Bearer {r.json()['token']}"}

            async def ok(method: str, url: str, who: dict[str, str], **kw: Any) -> Any:
                r = await http.request(method, url, headers=who, **kw)
                assert r.status_code in (200, 201), (method, url, r.status_code, r.text)
                return r.json()

            boss = await login("admin", "admin-dev-password")
            # the agent, at seat 1001 with a SIPp phone that answers
            user = await ok("POST", "/api/admin/users", boss, json={
                "username": AGENT, "password": AGENT_PASSWORD, "display_name": "Li", "roles": ["agent"]})
            await ok("PUT", f"/api/admin/users/{user['id']}/skills", boss,
                     json={"skills": [{"queue": "support", "level": "senior"}]})
            seat = s.agents[0]
            phone_port = free_udp_port()
            sipp.register(seat.extension, seat.password, phone_port)
            phone = sipp.answer(seat.extension, phone_port)  # answers the call-back 1 s after it rings
            agent = await login(AGENT, AGENT_PASSWORD)
            await ok("POST", "/api/agent/login", agent, json={"extension": seat.extension})
            assert (await ok("POST", "/api/agent/ready", agent))["agent"]["state"] == "ready"

            dept = await ok("POST", "/api/departments", boss, json={"name": "After-sales"})

            async def resolved_task(number: str) -> dict[str, Any]:
                """A complaint of a customer with ``number``, worked to resolved: its call-back task."""
                customer = await ok("POST", "/api/customers", boss, json={"name": f"Customer {number}",
                                                                          "numbers": [number]})
                c = await ok("POST", "/api/cases", boss, json={"type": "complaint", "customer_id": customer["id"],
                                                               "description": "the line keeps dropping"})
                for action, body in (("dispatch", {"department_id": dept["id"]}), ("investigate", {}),
                                     ("report", {"text": "a faulty line card"}),
                                     ("resolve", {"decision": "card replaced"})):
                    c = await ok("POST", f"/api/cases/{c['number']}/{action}", boss,
                                 json={"version": c["version"], **body})
                [task] = [t for t in (await ok("GET", "/api/callbacks", agent))["items"]
                          if t["case_number"] == c["number"]]
                assert (task["state"], task["number"], task["attempts"]) == ("open", number, 0)
                return task  # type: ignore[no-any-return]

            def customer_answers(number: str) -> subprocess.Popen[bytes]:
                """The customer behind the trunk: answers and speaks until hung up."""
                p = subprocess.Popen(
                    [Sipp.binary(), sipp.target, "-sf", str(SIPP_DIR / "customer_answer.xml"), "-s", number,
                     "-i", "127.0.0.2", "-p", str(customer_port), "-mp", str(free_media_port()), "-m", "1",
                     "-nostdin"], cwd=sipp.workdir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                sipp.procs.append(p)
                return p

            task = await resolved_task(NUMBER)
            tid = task["id"]
            customer_phone = customer_answers(NUMBER)
            placed = await ok("POST", f"/api/callbacks/{tid}/call", agent, json={"version": task["version"]})
            uid = placed["attempt"]["call_uniqueid"]
            assert uid

            # the checks below read the current ``uid`` and ``tid`` (3. calls a second task)
            async def calls_of_uid() -> list[dict[str, Any]]:
                items = (await ok("GET", "/api/calls", boss, params={"limit": 1000}))["items"]
                return [x for x in items if x["uniqueid"] == uid]

            async def answered_and_stored() -> bool:
                rows = await calls_of_uid()
                return len(rows) == 1 and rows[0]["answered_at"] is not None

            async def agent_on(state: str) -> bool:
                a = (await ok("GET", "/api/agent/me", agent))["agent"]
                return bool(a["state"] == state and a["call_uniqueid"] == uid)

            def both_legs_up() -> bool:
                ch = _channels(data)
                return (any(k.startswith("PJSIP/1001-") and _up(v) for k, v in ch.items())
                        and any(k.startswith("PJSIP/trunk-") and _up(v) for k, v in ch.items()))

            await wait_for(both_legs_up, 20, "the agent and the customer to be connected")
            await wait_for(lambda: agent_on("on_call"), 10, "the agent to be on the call-back")
            await wait_for(answered_and_stored, 10, "the customer's answer to be stored")

            # 1. kill -9 of the service with the call up ------------------------------------------------------
            first.kill9()
            assert _asterisks(data) == [ast] and both_legs_up()  # Asterisk kept the call
            assert phone.poll() is None and customer_phone.poll() is None  # both still talking
            second = start()
            health = await second.ready()
            assert _asterisks(data) == [ast], health  # attached, not a second Asterisk
            agent = await login(AGENT, AGENT_PASSWORD)  # sessions are stored: the old token would do too
            boss = await login("admin", "admin-dev-password")

            d = await ok("GET", f"/api/callbacks/{tid}", agent)
            assert d["task"]["state"] == "open"
            [att] = d["attempts"]
            assert (att["call_uniqueid"], att["agent_username"], att["call_outcome"], att["outcome"]) == (
                uid, AGENT, None, None)
            [call] = await calls_of_uid()
            assert (call["direction"], call["agent_username"], call["ended_at"]) == ("outbound", AGENT, None)
            assert call["answered_at"] is not None
            r = await http.post(f"/api/callbacks/{tid}/call", headers=agent, json={})
            assert r.status_code == 409 and r.json()["code"] == "callbacks.call_in_progress", r.text
            await wait_for(lambda: agent_on("on_call"), 10, "the agent on the call after the restart")
            assert both_legs_up()

            # the agent hangs up: the call ends in the new service, once
            [leg] = [k for k in _channels(data) if k.startswith("PJSIP/1001-")]
            _rx(data, f"channel request hangup {leg}")

            async def call_ended() -> bool:
                rows = await calls_of_uid()
                return len(rows) == 1 and rows[0]["ended_at"] is not None

            async def attempt_has_call_outcome() -> bool:
                [a] = (await ok("GET", f"/api/callbacks/{tid}", agent))["attempts"]
                return a["call_outcome"] is not None

            await wait_for(call_ended, 15, "the call record to be completed")
            await wait_for(attempt_has_call_outcome, 10, "the attempt to have its call's outcome")
            # the ACD handles the Hangup before the tracker's write of the call's end is stored: decided by now
            await wait_for(lambda: agent_on("wrapup"), 5, "the agent's wrap-up")
            [call] = await calls_of_uid()
            assert (call["outcome"], call["end_reason"]) == ("answered", "completed"), call
            assert call["talk_seconds"] is not None and call["talk_seconds"] > 0
            await asyncio.to_thread(phone.wait, 10)
            await asyncio.to_thread(customer_phone.wait, 10)
            assert (phone.returncode, customer_phone.returncode) == (0, 0)

            # 2. kill -9 between the call's end and the agent's outcome --------------------------------------
            second.kill9()
            third = start()
            await third.ready()
            agent = await login(AGENT, AGENT_PASSWORD)
            boss = await login("admin", "admin-dev-password")
            d = await ok("GET", f"/api/callbacks/{tid}", agent)
            [att] = d["attempts"]
            assert (d["task"]["state"], att["call_uniqueid"], att["call_outcome"], att["outcome"]) == (
                "open", uid, "answered", None)
            me = (await ok("GET", "/api/agent/me", agent))["agent"]
            assert (me["state"], me["call_uniqueid"]) in (("wrapup", uid), ("ready", None)), me
            [call] = await calls_of_uid()
            assert (call["outcome"], call["end_reason"]) == ("answered", "completed"), call

            done = await ok("POST", f"/api/callbacks/{tid}/outcome", agent, json={
                "version": d["task"]["version"], "outcome": "reached", "note": "happy with the repair",
                "survey": SURVEY})
            assert (done["task"]["state"], done["task"]["attempts"], done["task"]["closed_by"]) == (
                "reached", 1, AGENT)
            [att] = done["attempts"]
            assert (att["call_uniqueid"], att["call_outcome"], att["outcome"]) == (uid, "answered", "reached")
            again = await http.post(f"/api/callbacks/{tid}/outcome", headers=agent, json={
                "version": done["task"]["version"], "outcome": "reached", "survey": SURVEY})
            assert again.status_code == 409, again.text
            d = await ok("GET", f"/api/callbacks/{tid}", agent)
            assert len(d["attempts"]) == 1 and d["task"]["attempts"] == 1
            month = datetime.now(ZoneInfo(s.timezone)).strftime("%Y-%m")
            rated = (await ok("GET", "/api/surveys/monthly", boss, params={"month": month}))["items"]
            assert [(x["agent"], x["surveys"], x["by_channel"]) for x in rated] == [("admin", 1, {"callback": 1})]
            assert len(await calls_of_uid()) == 1

            # 3. kill -9 during a second call-back call, which ends while the service is down ----------------
            task = await resolved_task(OTHER)
            tid = task["id"]
            phone = sipp.answer(seat.extension, phone_port)
            customer_phone = customer_answers(OTHER)
            placed = await ok("POST", f"/api/callbacks/{tid}/call", agent, json={"version": task["version"]})
            uid = placed["attempt"]["call_uniqueid"]
            assert uid
            await wait_for(both_legs_up, 20, "the agent and the second customer to be connected")
            await wait_for(lambda: agent_on("on_call"), 10, "the agent to be on the second call-back")
            await wait_for(answered_and_stored, 10, "the second customer's answer to be stored")
            third.kill9()
            [leg] = [k for k in _channels(data) if k.startswith("PJSIP/1001-")]
            _rx(data, f"channel request hangup {leg}")  # the agent hangs up while the service is down
            await asyncio.to_thread(phone.wait, 10)
            await asyncio.to_thread(customer_phone.wait, 10)
            assert (phone.returncode, customer_phone.returncode) == (0, 0)
            assert not _channels(data)
            fourth = start()
            await fourth.ready()
            agent = await login(AGENT, AGENT_PASSWORD)
            boss = await login("admin", "admin-dev-password")
            # the new start finds the call gone: completed once, answered, its end when the service saw it
            await wait_for(call_ended, 10, "the call that ended meanwhile to be completed")
            await wait_for(attempt_has_call_outcome, 10, "the attempt to have its call's outcome")
            [call] = await calls_of_uid()
            assert (call["outcome"], call["end_reason"], call["agent_username"]) == (
                "answered", "lost_during_disconnect", AGENT), call
            me = (await ok("GET", "/api/agent/me", agent))["agent"]
            assert (me["state"], me["call_uniqueid"]) == ("wrapup", uid), me
            d = await ok("GET", f"/api/callbacks/{tid}", agent)
            [att] = d["attempts"]
            assert (d["task"]["state"], att["call_uniqueid"], att["call_outcome"], att["outcome"]) == (
                "open", uid, "answered", None)
            done = await ok("POST", f"/api/callbacks/{tid}/outcome", agent, json={
                "version": d["task"]["version"], "outcome": "refused", "note": "no time for a survey"})
            assert (done["task"]["state"], done["task"]["attempts"]) == ("refused", 1)
            assert [(a["call_uniqueid"], a["outcome"]) for a in done["attempts"]] == [(uid, "refused")]
            assert len(await calls_of_uid()) == 1
        fourth.stop()
        assert fourth.proc.returncode == 0, fourth.output()[-3000:]
        for life in lives:
            assert "Traceback" not in life.output(), life.output()[-3000:]
    finally:
        sipp.close()
        for life in lives:
            life.stop()
        for pid in _asterisks(data):  # left running by design (stop_with_service=false): the test's to end
            os.kill(pid, signal.SIGKILL)
        await wait_for(lambda: not _asterisks(data), 10, "the test's Asterisk to be gone")
