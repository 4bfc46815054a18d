"""Property-based fuzz run of the whole HTTP API (schemathesis over the app's own OpenAPI document).

Every operation is called with generated requests, both inside its schema (positive) and outside it (negative:
wrong types, out-of-range numbers, odd keys, broken bodies), as each role in turn — nobody logged in, agent,
supervisor, qc, admin — against the app wired as in production but with a fake AMI (no Asterisk, no network): what
would act on Asterisk gets the fake's answer or a 503, never a 500. Two properties are checked: no 5xx (a 503 only
as our own "unavailable" answer), and every 2xx answer matches the response schema the operation publishes (its
response model: schemathesis' response-schema conformance), so the models are proven against what the routes really
send. Deterministic (``derandomize``) and bounded (``EXAMPLES`` per operation and mode),
so a failure reproduces and the run costs a couple of minutes.

Requests go through httpx's ASGI transport on this test's own event loop, so the database pool, the stack's tasks
and the requests all live on one loop; schemathesis generates the cases and checks them.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.core.failures import FailureGroup
from schemathesis.generation.modes import GenerationMode

from callcenter.app import Stack, create_app
from callcenter.customers.access import Actor
from tests.conftest import DB_BACKENDS
from tests.helpers import bearer, stack_settings
from tests.unit.test_acd_service import FakeAmi

pytestmark = [pytest.mark.db, pytest.mark.fuzz]

BASE = "http://testserver"
PROGRESS = bool(os.environ.get("CALLCENTER_FUZZ_PROGRESS"))  # print each operation's time
# generated requests per operation and generation mode (each sent as every role)
EXAMPLES = 5
ROLES = ("anonymous", "agent", "qc", "supervisor", "admin")
# logging out would end the session the rest of the role's run uses; it is fuzzed logged out only
# a request that takes longer is a failure (a hang), reported with the others
TIMEOUT = 10.0
SESSION_ENDING = {("POST", "/api/auth/logout")}
# the generator's own headers; ours (Authorization) are added per role
_DROP_HEADERS = {"user-agent", "accept-encoding", "connection"}


def _param(v: Any) -> str | list[str]:
    """A generated query value as the wire carries it (nested values arrive as text, as a browser would send)."""
    if isinstance(v, list):
        return [x if isinstance(x, str) else json.dumps(x) for x in v]
    if isinstance(v, str):
        return v
    return json.dumps(v)


def _request(kw: dict[str, Any], auth: dict[str, str]) -> dict[str, Any]:
    """schemathesis' requests-style arguments → httpx.AsyncClient.request arguments."""
    out: dict[str, Any] = {"method": kw["method"], "url": kw["url"]}
    headers = {k: v for k, v in (kw.get("headers") or {}).items() if k.lower() not in _DROP_HEADERS}
    out["headers"] = {**headers, **auth}
    if kw.get("params"):
        out["params"] = {str(k): _param(v) for k, v in kw["params"].items()}
    if "json" in kw:
        out["content"] = json.dumps(kw["json"]).encode()
        out["headers"].setdefault("Content-Type", "application/json")
    if kw.get("files"):
        out["files"] = kw["files"]
        if isinstance(kw.get("data"), dict):
            out["data"] = kw["data"]
    elif isinstance(kw.get("data"), bytes | str):
        out["content"] = kw["data"]
    elif isinstance(kw.get("data"), dict):
        out["data"] = kw["data"]
    return out


def _server_error(path: str, r: httpx.Response) -> bool:
    if r.status_code < 500:
        return False
    if r.status_code == 503 and path == "/api/health":
        return False  # health says what is down (AMI, FastAGI, Asterisk: none of them runs here)
    if r.status_code == 503:  # Asterisk/AMI is not there: our own answer, saying so
        try:
            return r.json().get("error") != "unavailable"
        except ValueError:
            return True
    return True


async def _seed(stack: Stack) -> dict[str, dict[str, str]]:
    """A little of everything so that small ids hit real rows; a session per role."""
    t0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
    for i in range(3):
        await stack.calls_repo.upsert({"uniqueid": f"1.{i}", "queue": "support", "agent_extension": "1001",
                                       "outcome": "answered", "arrived_at": t0 + timedelta(hours=i),
                                       "ended_at": t0 + timedelta(hours=i, minutes=3), "caller_number": "13800000000"})
    admin = Actor("seed", frozenset({"admin"}))
    await stack.crm.create(admin, name="张伟", numbers=["13800000000"], tags=["vip"])
    auth = {"anonymous": {}}
    for role in ROLES[1:]:
        auth[role] = await bearer(stack, (role,), username=f"fuzz-{role}")
    return auth


class Fuzz:
    """One stack, one app, one client on the test's event loop; failures are collected, not raised, so one run
    reports every operation that answered 5xx."""

    def __init__(self, runner: asyncio.Runner, client: httpx.AsyncClient, auth: dict[str, dict[str, str]]) -> None:
        self.runner = runner
        self.client = client
        self.auth = auth
        self.failures: list[str] = []
        self.requests = 0

    def send(self, op: Any, mode: GenerationMode, case: Any, role: str) -> None:
        kw = _request(case.as_transport_kwargs(base_url=BASE), self.auth[role])
        shown = {k: v for k, v in kw.items() if k != "headers"}
        where = f"{role} {mode.value} {op.method.upper()} {op.path}"
        try:
            r = self.runner.run(asyncio.wait_for(self.client.request(**kw), TIMEOUT))
        except TimeoutError:
            self.failures.append(f"{where}: no answer in {TIMEOUT}s\n    request: {shown!r}"[:1500])
            return
        self.requests += 1
        if _server_error(op.path, r):
            self.failures.append(f"{where}: {r.status_code} {r.text[:300]!r}\n    request: {shown!r}"[:1500])
        elif r.is_success:
            try:  # the answer is what the OpenAPI says it is (the response model, or the declared media type)
                op.validate_response(r, case=case)
            except (AssertionError, FailureGroup) as e:
                self.failures.append(f"{where}: {r.status_code} does not match its schema: {e}\n"
                                     f"    body: {r.text[:300]!r}\n    request: {shown!r}"[:2000])

    def operation(self, op: Any, mode: GenerationMode) -> None:
        """``EXAMPLES`` generated requests for one operation, each sent as every role in turn (generating is the
        costly part, so it is shared)."""
        roles = [r for r in ROLES if r == "anonymous" or (op.method.upper(), op.path) not in SESSION_ENDING]

        @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        @given(case=op.as_strategy(generation_mode=mode))
        def run(case: Any) -> None:
            for role in roles:
                self.send(op, mode, case, role)

        t = time.monotonic()
        try:
            run()
        except Unsatisfiable:
            pass  # nothing to break in this mode (an operation without parameters has no negative inputs)
        if PROGRESS:
            print(f"{time.monotonic() - t:6.2f}s {mode.value} {op.method.upper()} {op.path}", flush=True)


@pytest.fixture
def fuzz(db_url: str, workdir: Path) -> Iterator[tuple[Fuzz, Any]]:
    runner = asyncio.Runner()
    # the AMI actions (agent desktop, recording mute) are taken by the fake; it never connects (health: AMI down)
    stack = Stack(stack_settings(db_url, workdir / "data", recording={"enabled": False}), run_migrations=False,
                  ami=FakeAmi())  # type: ignore[arg-type]
    runner.run(stack.load_directory())
    auth = runner.run(_seed(stack))
    app = create_app(stack.settings, stack=stack, manage_stack=False)
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app, raise_app_exceptions=False), base_url=BASE,
                               timeout=30)
    schema = schemathesis.openapi.from_dict(app.openapi())
    try:
        yield Fuzz(runner, client, auth), schema
    finally:
        async def close() -> None:
            await client.aclose()
            for a in stack.acd.agents.values():
                if a.wrapup_task is not None:
                    a.wrapup_task.cancel()
            await stack.pop.close()
            await stack.engine.dispose()

        runner.run(close())
        runner.close()


# The operations are shared out over this many tests (each its own stack and time limit; run side by side), and the
# shards over the databases: each operation is fuzzed on one of them (shard k on DB_BACKENDS[k % 2] when the run has
# PostgreSQL), so a run fuzzes every operation once, half the API on each database. Fuzzing all of it on both cost
# six minutes of CPU per run on a 2-core machine, next to the real-Asterisk tests whose SIP timers it slowed.
SHARDS = 4


@pytest.mark.parametrize(("db_url", "shard"), [(DB_BACKENDS[k % len(DB_BACKENDS)], k) for k in range(SHARDS)],
                         indirect=["db_url"])
def test_no_operation_answers_5xx_for_any_role(fuzz: tuple[Fuzz, Any], shard: int) -> None:
    f, schema = fuzz
    everything = [r.ok() for r in schema.get_all_operations()]
    assert len(everything) > 100  # the whole API is in the document
    operations = everything[shard::SHARDS]  # every operation is in exactly one shard
    started = time.monotonic()
    for op in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            f.operation(op, mode)
    took = time.monotonic() - started
    print(f"fuzz shard {shard}: {f.requests} requests over {len(operations)} of {len(everything)} operations "
          f"in {took:.0f}s")
    assert f.requests > len(operations) * len(ROLES) * 3  # most operations were really exercised
    assert not f.failures, f"{len(f.failures)} failures (5xx, or 2xx off schema):\n" + "\n".join(f.failures[:40])
