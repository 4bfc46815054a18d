"""`callcenter up` end to end, as the README runs it: the seeded default IVR flow answers a real SIP call,
the caller presses 0, an agent phone answers, the call appears in GET /api/calls as answered, and SIGTERM
stops everything with nothing left running."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
import pytest

from tests.helpers import ROOT, RunningUp, Sipp, free_udp_port, up_env, wait_http_ok

pytestmark = [pytest.mark.asterisk, pytest.mark.sipp, pytest.mark.db]


def _asterisk_procs(conf_dir: Path) -> list[psutil.Process]:
    out = []
    for p in psutil.process_iter(["name", "cmdline"]):
        cmd = " ".join(p.info["cmdline"] or [])
        if "asterisk" in (p.info["name"] or "") and str(conf_dir) in cmd:
            out.append(p)
    return out


def test_up_serves_a_real_call_and_stops_cleanly(db_url: str, workdir: Path) -> None:
    data = workdir / "data"
    env, s = up_env(db_url, data)
    base = f"http://127.0.0.1:{s.http.port}"
    with RunningUp(env, workdir / "up.log") as up:  # leaving it: SIGTERM, exit 0, no traceback
        sipp = Sipp(s, workdir / "sipp")
        try:
            health = up.wait_healthy(base).json()
            assert health["asterisk"]["managed"] is True and health["asterisk"]["running"] is True
            assert len(_asterisk_procs(data)) == 1

            # the first run created the admin from the (dev) bootstrap settings; log in as it
            anon = httpx.get(f"{base}/api/calls")
            assert anon.status_code == 401
            login = httpx.post(f"{base}/api/auth/login",
                               json={"username": "admin", "password": "admin-dev-password"})
            assert login.status_code == 200, login.text
            auth = {"Authorization": f"Bearer {login.json()['token']}"}
            # the admin makes an agent who serves `support`; the agent logs in at seat 1001 and goes ready
            agent = s.agents[0]
            user = httpx.post(f"{base}/api/admin/users", headers=auth, json={
                "username": "wang", "password": "wang-password", "display_name": "Wang", "roles": ["agent"]})
            assert user.status_code == 201, user.text
            skills = httpx.put(f"{base}/api/admin/users/{user.json()['id']}/skills", headers=auth,
                               json={"skills": [{"queue": "support", "level": "junior"}]})
            assert skills.status_code == 200, skills.text
            token = httpx.post(f"{base}/api/auth/login",
                               json={"username": "wang", "password": "wang-password"}).json()["token"]
            as_agent = {"Authorization": f"Bearer {token}"}
            r = httpx.post(f"{base}/api/agent/login", headers=as_agent, json={"extension": agent.extension})
            assert r.status_code == 200, r.text
            assert httpx.post(f"{base}/api/agent/ready", headers=as_agent).json()["agent"]["state"] == "ready"

            phone_port = free_udp_port()
            sipp.register(agent.extension, agent.password, phone_port)
            sipp.answer(agent.extension, phone_port)
            # the seeded default flow: welcome, main menu; the caller presses 0 (human service → support queue)
            caller = sipp.call_pressing([(4.0, "0")], hold=6.0)
            assert caller.wait(40) == 0, "the SIPp caller's scenario failed"
            deadline = time.monotonic() + 10
            call = None
            while time.monotonic() < deadline:
                items = httpx.get(f"{base}/api/calls", params={"outcome": "answered"}, headers=auth).json()["items"]
                if items and not items[0]["in_progress"]:
                    call = items[0]
                    break
                time.sleep(0.2)
            assert call is not None, "no answered call in GET /api/calls"
            assert call["queue"] == "support" and call["agent_extension"] == agent.extension
            menu = [st for st in call["ivr_path"] if st["node"] == "main"]
            assert menu and menu[-1]["digits"] == "0" and menu[-1]["result"] == "option", call["ivr_path"]
            assert call["answered_at"] and call["ended_at"] and call["answered_at"] < call["ended_at"]
        finally:
            sipp.close()
    assert _asterisk_procs(data) == [], "Asterisk left running after SIGTERM"
    for port in (s.http.port, s.ami.port, s.agi.port):
        with socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(("127.0.0.1", port))


def test_up_refuses_bad_settings_and_taken_http_port(workdir: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALLCENTER_")}
    env["CALLCENTER_AMI__PORT"] = "0"
    r = subprocess.run([sys.executable, "-m", "callcenter", "up"], cwd=ROOT, env=env, capture_output=True,
                       text=True, timeout=30)
    assert r.returncode == 2
    assert "ami.port" in r.stderr and "CALLCENTER_AMI__PORT" in r.stderr

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        env = {k: v for k, v in os.environ.items() if not k.startswith("CALLCENTER_")}
        env["CALLCENTER_HTTP__PORT"] = str(sock.getsockname()[1])
        env["CALLCENTER_PATHS__DATA_DIR"] = str(workdir / "data")
        r = subprocess.run([sys.executable, "-m", "callcenter", "up"], cwd=ROOT, env=env, capture_output=True,
                           text=True, timeout=30)
    assert r.returncode == 1
    assert "http.port" in r.stderr and "in use" in r.stderr
    assert not (workdir / "data" / "asterisk").exists()  # refused before anything started


def test_killed_service_leaves_no_asterisk_behind(workdir: Path) -> None:
    data = workdir / "data"
    env, s = up_env(f"sqlite+aiosqlite:///{workdir / 'k.db'}", data)
    proc = subprocess.Popen([sys.executable, "-m", "callcenter", "up"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_http_ok(f"http://127.0.0.1:{s.http.port}/api/health", proc, 40)  # type: ignore[attr-defined]
        [ast] = _asterisk_procs(data)
        proc.kill()  # SIGKILL: no cleanup code runs in the service
        proc.wait(10)
        gone, alive = psutil.wait_procs([ast], timeout=10)
        assert alive == [], "managed Asterisk outlived a SIGKILLed service"
    finally:
        if proc.poll() is None:
            proc.kill()
        for p in _asterisk_procs(data):
            p.kill()
