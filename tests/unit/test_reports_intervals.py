"""GET /api/reports/intervals: intervals in the centre's timezone, the limits, bad input, who sees what, CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from callcenter.app import create_app
from callcenter.clock import FakeClock
from callcenter.reports.intervals import intervals
from tests.helpers import bearer
from tests.unit.test_reports_rollups import call_mix
from tests.unit.test_wallboard import Env
from tests.unit.wired import close_wired, wired_stack

pytestmark = pytest.mark.db
T0 = datetime(2026, 3, 2, 1, 5, tzinfo=UTC)  # Monday 09:05 in Asia/Shanghai
URL = "/api/reports/intervals"


class Api:
    def __init__(self, env: Env, client: httpx.AsyncClient) -> None:
        self.env = env
        self.c = client

    async def get(self, q: dict[str, str] | None = None, *, roles: tuple[str, ...] = ("supervisor",),
                  username: str = "", **params: str) -> httpx.Response:
        return await self.c.get(URL, params={**(q or {}), **params},
                                headers=await bearer(self.env.stack, roles, username))


@pytest.fixture
async def api(db_url: str, workdir: Path) -> AsyncIterator[Api]:
    clock = FakeClock(T0)
    stack, ami = await wired_stack(db_url, workdir, clock)
    env = Env(stack, ami, clock)
    app = create_app(stack.settings, stack=stack, manage_stack=False)
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
            yield Api(env, c)
    finally:
        await close_wired(stack)


def test_intervals_in_the_centres_timezone() -> None:
    sh = ZoneInfo("Asia/Shanghai")
    day = intervals(datetime(2026, 3, 1, 16, tzinfo=UTC), datetime(2026, 3, 2, 16, tzinfo=UTC), "15m", sh)
    assert len(day) == 96 and day[0].label == "2026-03-02T00:00:00+08:00"
    # a 45-minute offset: local hours start at :15 UTC
    ktm = ZoneInfo("Asia/Kathmandu")
    hours = intervals(datetime(2026, 3, 1, 18, 15, tzinfo=UTC), datetime(2026, 3, 2, 18, 15, tzinfo=UTC), "hour",
                      ktm)
    assert len(hours) == 24 and hours[1].start == datetime(2026, 3, 1, 19, 15, tzinfo=UTC)
    assert hours[1].label == "2026-03-02T01:00:00+05:45"
    # the spring change: a local day of 23 hours
    be = ZoneInfo("Europe/Berlin")
    dst = intervals(datetime(2026, 3, 28, 23, tzinfo=UTC), datetime(2026, 3, 29, 22, tzinfo=UTC), "hour", be)
    assert len(dst) == 23
    # ISO weeks from Monday, months by the calendar, clipped to the range
    weeks = intervals(datetime(2026, 2, 28, 16, tzinfo=UTC), datetime(2026, 3, 15, 16, tzinfo=UTC), "week", sh)
    assert [w.label[:10] for w in weeks] == ["2026-02-23", "2026-03-02", "2026-03-09"]
    assert weeks[0].start == datetime(2026, 2, 28, 16, tzinfo=UTC)  # clipped: the range starts on a Sunday
    months = intervals(datetime(2026, 1, 15, 16, tzinfo=UTC), datetime(2026, 3, 31, 16, tzinfo=UTC), "month", sh)
    assert [m.label[:7] for m in months] == ["2026-01", "2026-02", "2026-03"]


async def test_a_day_by_15_minutes_and_the_figures(api: Api) -> None:
    await call_mix(api.env, api.env.stack.reports.rollups)
    r = await api.get(by="15m", q={"from": "2026-03-02", "to": "2026-03-02"}, queue="support")
    assert r.status_code == 200, r.text
    rep = r.json()
    assert len(rep["intervals"]) == 96 and rep["from"] == "2026-03-01T16:00:00Z" and rep["to"] == "2026-03-02T16:00:00Z"
    iv = {i["label"][11:16]: i for i in rep["intervals"]}
    assert iv["09:00"]["offered"] == 2 and iv["09:00"]["service_level"] == 50.0 and iv["09:00"]["asa"] == 20.0
    assert iv["09:15"]["abandoned"] == 1 and iv["09:15"]["timed_out"] == 1 and iv["09:15"]["completed"] == 1
    assert iv["10:00"]["offered"] == 0 and iv["10:00"]["service_level"] is None  # empty: zeros, no rate
    assert rep["thresholds"]["support"]["service_level_seconds"] == 20
    assert rep["totals"]["longest_wait"] == 30.0
    # agents: occupancy = (talk + wrap-up) / (logged in - paused)
    r = await api.get(kind="agent", by="day", agent="li")
    li = r.json()["totals"]
    assert li["answered"] == 2 and li["paused_by_reason"] == {"meeting": 1391.0}
    assert li["occupancy"] == round(100 * (li["on_call"] + li["wrapup"]) / (li["logged_in"] - li["paused"]), 1)
    both = (await api.get(kind="agent", by="hour", agents="li,wang")).json()
    assert set(both["by_key"]) == {"li", "wang"} and both["by_key"]["wang"]["made"] == 1


async def test_limits_and_bad_input(api: Api) -> None:
    r = await api.get(by="15m", q={"from": "2026-01-01", "to": "2026-02-15"})
    assert r.status_code == 400 and r.json()["details"]["limit_days"] == 31 and "31" in r.json()["message"]
    assert "31" in r.json()["messages"]["zh-CN"]
    assert (await api.get(by="day", q={"from": "2025-01-01", "to": "2026-03-01"})).status_code == 400
    assert (await api.get(by="month", q={"from": "2024-01-01", "to": "2026-03-01"})).status_code == 200
    r = await api.get(q={"from": "2026-02-30"})
    assert r.status_code == 400 and r.json()["details"]["field"] == "from"
    r = await api.get(to="yesterday")
    assert r.status_code == 400 and r.json()["details"]["field"] == "to"
    assert (await api.get(q={"from": "0001-01-01"})).status_code == 400
    assert (await api.get(to="9999-12-31")).status_code == 400
    assert (await api.get(q={"from": "2026-03-05", "to": "2026-03-01"})).status_code == 400
    assert (await api.get(by="fortnight")).status_code == 400
    r = await api.get(queue="nope")
    assert r.status_code == 404 and r.json()["details"]["queue"] == "nope"
    assert (await api.get(kind="agent", agent="nobody")).status_code == 404
    assert (await api.get(kind="agent", team="no-such-team")).status_code == 404
    # an empty period: zeros
    r = await api.get(by="hour", q={"from": "2025-06-01"})
    rep = r.json()
    assert r.status_code == 200 and len(rep["intervals"]) == 24 and rep["rows"] == []
    assert rep["totals"]["offered"] == 0 and rep["totals"]["service_level"] is None


async def test_who_sees_what(api: Api) -> None:
    await call_mix(api.env, api.env.stack.reports.rollups)
    me = await api.get(roles=("agent",), username="li", kind="agent", by="day")
    assert me.status_code == 200 and set(me.json()["by_key"]) == {"li"}
    assert (await api.get(roles=("agent",), username="li", kind="agent", agent="wang")).status_code == 403
    assert (await api.get(roles=("agent",), username="li", kind="queue")).status_code == 403
    assert (await api.get(roles=("qc",), kind="queue")).status_code == 200
    assert (await api.get(roles=("admin",), kind="agent")).status_code == 200
    r = await api.c.get(URL)
    assert r.status_code == 401


async def test_csv(api: Api) -> None:
    await call_mix(api.env, api.env.stack.reports.rollups)
    r = await api.get(by="hour", format="csv", queue="support")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0]["label"].startswith("2026-03-02T09:00") and rows[0]["offered"] == "5"
    assert rows[-1]["label"] == "total" and rows[-1]["offered"] == "5" and rows[-1]["service_level"] == "50.0"
    r = await api.get(kind="agent", by="day", format="csv")
    assert "paused_by_reason" in r.content.decode("utf-8-sig").splitlines()[0]
