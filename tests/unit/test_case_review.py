"""The monthly responsibility review of closed complaints and the employee flag (issue 14, "6. Responsibility";
callcenter/cases/review.py), through the API on the fake clock, on both databases: the deadline (the 10th 23:59:59
in time, the 11th 00:00 overdue, in the centre's timezone) and the reminder window, the months taken in the
centre's timezone, who may review and see what, every refusal, the timeline and audit rows, the board's alerts,
and the flag at the third upheld complaint within six months (one older does not count)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import ValidationError
from sqlalchemy import select

from callcenter.app import Stack, create_app
from callcenter.auth.models import AuditEntry
from callcenter.cases.config import CasesSettings
from callcenter.clock import FakeClock
from tests.helpers import session_headers, stack_settings
from tests.unit.test_case_live import Listener
from tests.unit.test_cases_api import Api as CasesApi

pytestmark = pytest.mark.db

T0 = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)
USERS = {"boss": ("admin",), "lead": ("supervisor",), "qc1": ("qc",), "a1": ("agent",), "head1": ("agent",),
         "head2": ("agent",)}
MONTH = "/api/cases/review/month"
FLAGS = "/api/cases/review/flags"


def sh(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> datetime:
    """A Shanghai wall-clock time (UTC+8) as UTC."""
    return datetime(y, mo, d, h, mi, s, tzinfo=UTC) - timedelta(hours=8)


class Api(CasesApi):
    """The cases API client of tests/unit/test_cases_api.py, with the review's own steps."""

    async def closed(self, accepted: datetime, closed: datetime, employee: str | None = "a1",
                     dept: int | None = None, type_: str = "complaint") -> str:
        """A case accepted and closed at those instants (the whole workflow, by the supervisor)."""
        self.clock.set(accepted)
        c = await self.ok("lead", "POST", "/api/cases", 201,
                          json={"type": type_, "description": "rude", **({"employee": employee} if employee else {})})
        self.clock.set(closed)
        steps: list[tuple[str, dict[str, Any]]] = [
            ("dispatch", {"department_id": dept or self.dept}), ("investigate", {}), ("report", {"text": "found"}),
            ("resolve", {"decision": "apologise"}), ("inform", {"how": "phone"}), ("close", {})]
        for action, body in steps:
            c = await self.ok("lead", "POST", f"/api/cases/{c['number']}/{action}",
                              json={"version": c["version"], **body})
        assert c["state"] == "closed"
        return str(c["number"])

    async def review(self, who: str, number: str, status: int = 201, **body: Any) -> dict[str, Any]:
        return await self.ok(who, "POST", f"/api/cases/{number}/responsibility", status,
                             json={"responsibility": "upheld", **body})

    async def audit(self, action: str) -> list[tuple[str, str, Any]]:
        async with self.stack.sessions() as s:
            rows = (await s.execute(select(AuditEntry).where(AuditEntry.action == action)
                                    .order_by(AuditEntry.id))).scalars()
            return [(a.username, a.target, a.detail) for a in rows]

    def alerts(self) -> dict[str, dict[str, Any]]:
        return self.stack.board.current_alerts(self.clock.now())


async def _user(stack: Stack, name: str, roles: tuple[str, ...]) -> dict[str, str]:
    return await session_headers(stack, name, roles, T0, 400)


MakeApi = Callable[..., Awaitable[Api]]


def _at(text: str) -> datetime:
    """A time as a socket message or an answer writes it."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.fixture
async def make_api(db_url: str, workdir: Path) -> AsyncIterator[MakeApi]:
    made: list[tuple[Stack, httpx.AsyncClient]] = []

    async def make(**review: Any) -> Api:
        clock = FakeClock(T0)
        stack = Stack(stack_settings(db_url, workdir / "data", cases={"review": review}), clock=clock,
                      run_migrations=False)
        app = create_app(stack.settings, stack=stack, manage_stack=False)
        headers = {name: await _user(stack, name, roles) for name, roles in USERS.items()}
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")
        made.append((stack, client))
        a = Api(stack, client, clock, headers)
        d = await a.ok("lead", "POST", "/api/departments", 201, json={"name": "After-sales", "head": "head1"})
        o = await a.ok("lead", "POST", "/api/departments", 201, json={"name": "R&D", "head": "head2"})
        a.dept, a.other_dept = d["id"], o["id"]
        return a

    yield make
    for stack, client in made:
        await client.aclose()
        await stack.engine.dispose()


async def test_the_deadline_is_the_10th_midnight_and_the_reminder_the_last_three_days(make_api: MakeApi) -> None:
    api = await make_api()
    late_nov = await api.closed(sh(2026, 11, 20, 9), sh(2026, 11, 30, 23, 30))  # 15:30 UTC: November in Shanghai
    await api.closed(sh(2026, 11, 25, 9), sh(2026, 12, 1, 0, 10))  # 30 November 16:10 UTC: December's
    api.clock.set(sh(2026, 12, 7, 23, 59, 59))
    m = await api.ok("lead", "GET", MONTH)
    assert (m["month"], m["state"], m["overdue"], m["total"], m["pending"], m["done"]) == ("2026-11", "open", False,
                                                                                          1, 1, 0)
    assert m["deadline"] == "2026-12-10T16:00:00Z" and m["reminder_from"] == "2026-12-07T16:00:00Z"
    assert m["due_day"] == "2026-12-10"
    assert [i["number"] for i in m["items"]] == [late_nov] and m["items"][0]["review"] is None
    assert await api.stack.review.reviews.check() == [] and not any(
        k.startswith("case_review:") for k in api.alerts())

    api.clock.set(sh(2026, 12, 8))  # 00:00 on the 8th: three days before the deadline, the reminder
    assert (await api.ok("lead", "GET", MONTH))["state"] == "reminder"
    await api.stack.review.reviews.check()
    alert = api.alerts()["case_review:2026-11"]
    assert alert["kind"] == "review_due" and alert["detail"]["pending"] == 1

    api.clock.set(sh(2026, 12, 10, 23, 59, 59))  # the 10th's last second: still in time
    m = await api.ok("lead", "GET", MONTH)
    assert (m["state"], m["overdue"], m["items"][0]["overdue"]) == ("reminder", False, False)
    api.clock.set(sh(2026, 12, 11))  # the 11th 00:00: overdue
    m = await api.ok("lead", "GET", MONTH)
    assert (m["state"], m["overdue"], m["items"][0]["overdue"]) == ("overdue", True, True)
    await api.stack.review.reviews.check()
    assert api.alerts()["case_review:2026-11"]["kind"] == "review_overdue"
    # still overdue in January, when December is the month under review (restart-safe: derived from the rows)
    api.clock.set(sh(2027, 1, 3))
    assert {a[1] for a in await api.stack.review.reviews.check()} == {"review_overdue"}
    assert (await api.ok("lead", "GET", MONTH, params={"month": "2026-11"}))["state"] == "overdue"
    assert (await api.ok("lead", "GET", MONTH))["month"] == "2026-12"

    r = await api.review("lead", late_nov, outcome="written warning", note="third rudeness this year")
    assert (r["late"], r["review"]["month"], r["review"]["employee"], r["review"]["reviewed_by"]) == (
        True, "2026-11", "a1", "lead")
    m = await api.ok("lead", "GET", MONTH, params={"month": "2026-11"})
    assert (m["state"], m["pending"], m["done"]) == ("done", 0, 1)
    assert m["items"][0]["late"] is True and m["items"][0]["review"]["outcome"] == "written warning"
    assert all(a[0] != "case_review:2026-11" for a in await api.stack.review.reviews.check())


async def test_a_review_in_time_is_on_the_timeline_and_audited_once(make_api: MakeApi) -> None:
    api = await make_api()
    n = await api.closed(sh(2026, 11, 3, 9), sh(2026, 11, 5, 9))
    api.clock.set(sh(2026, 12, 10, 23, 59, 59))
    r = await api.review("boss", n, responsibility="no_fault", employee=None, note="the network was down")
    assert (r["late"], r["review"]["responsibility"], r["review"]["employee"], r["flagged"]) == (
        False, "no_fault", "a1", False)
    detail = await api.ok("lead", "GET", f"/api/cases/{n}")
    row = detail["timeline"][-1]
    assert (row["action"], row["by"], row["at"]) == ("responsibility_reviewed", "boss", "2026-12-10T15:59:59Z")
    assert row["detail"]["responsibility"] == "no_fault" and row["detail"]["late"] is False
    assert detail["state"] == "closed"  # the case itself is unchanged
    body = await api.refused("lead", "POST", f"/api/cases/{n}/responsibility", 409, "cases.review_recorded",
                             json={"responsibility": "upheld"})
    assert "boss" in body["messages"]["en"]
    assert [(u, t) for u, t, _ in await api.audit("case.responsibility")] == [("boss", f"case:{n}")]


async def test_refusals(make_api: MakeApi) -> None:
    api = await make_api()
    n = await api.closed(sh(2026, 11, 3, 9), sh(2026, 11, 5, 9), employee=None)
    other = await api.closed(sh(2026, 11, 3, 9), sh(2026, 11, 6, 9), dept=None)
    suggestion = await api.closed(sh(2026, 11, 3, 9), sh(2026, 11, 6, 9), type_="suggestion")
    api.clock.set(sh(2026, 11, 7, 9))
    still_open = (await api.ok("lead", "POST", "/api/cases", 201,
                               json={"type": "complaint", "description": "x"}))["number"]
    url = f"/api/cases/{n}/responsibility"
    up = {"responsibility": "upheld"}
    await api.refused("lead", "POST", url, 400, "cases.review_employee_needed", json=up)  # nobody named
    await api.refused("lead", "POST", f"/api/cases/{still_open}/responsibility", 409,
                      "cases.review_not_closed_complaint", json=up)
    body = await api.refused("lead", "POST", f"/api/cases/{suggestion}/responsibility", 409,
                             "cases.review_not_closed_complaint", json=up)
    assert "为建议，状态 已结案" in body["messages"]["zh-CN"] and "is a suggestion in state closed" in body["message"]
    assert body["details"]["type"] == "suggestion"
    await api.refused("lead", "POST", "/api/cases/TS-20261101-00099/responsibility", 404, "cases.not_found", json=up)
    await api.refused("lead", "POST", url, 400, "request.invalid", json={"responsibility": "maybe"})
    body = await api.refused("a1", "POST", url, 403, "cases.review_not_reviewer", json=up)
    assert body["messages"]["zh-CN"].count("班长或管理员") == 1
    await api.refused("qc1", "POST", url, 403, "cases.review_not_reviewer", json=up)
    await api.refused("head2", "POST", url, 403, "cases.review_not_reviewer", json=up)  # not head2's department
    await api.refused("a1", "GET", MONTH, 403, "cases.review_list_not_yours")
    await api.refused("a1", "GET", FLAGS, 403, "cases.review_list_not_yours")
    await api.refused("lead", "GET", MONTH, 400, "request.invalid", params={"month": "2026-13"})
    assert [u for u, _, _ in await api.audit("case.action_denied")] == ["a1", "qc1", "head2"]
    # QC reads the list; a department head sees (and reviews) their department's only
    assert (await api.ok("qc1", "GET", MONTH, params={"month": "2026-11"}))["total"] == 2
    assert [i["number"] for i in (await api.ok("head1", "GET", MONTH, params={"month": "2026-11"}))["items"]] == [
        n, other]
    await api.review("head1", n, responsibility="not_upheld", outcome="none")
    assert (await api.ok("head2", "GET", MONTH, params={"month": "2026-11"}))["total"] == 0


async def test_the_reminder_and_the_overdue_mark_are_told_once_to_the_reviewers_and_the_heads(
        make_api: MakeApi) -> None:
    api = await make_api()
    n = await api.closed(sh(2026, 11, 3, 9), sh(2026, 11, 5, 9))  # After-sales (head1)
    m = await api.closed(sh(2026, 11, 4, 9), sh(2026, 11, 6, 9), dept=api.other_dept)  # R&D (head2)
    told = {name: Listener(api.stack, name) for name in ("lead", "head1", "head2", "boss", "a1")}
    reviews = api.stack.review.reviews
    api.clock.set(sh(2026, 12, 2, 10))
    await api.review("head2", m, responsibility="not_upheld")  # R&D's part is done
    api.clock.set(sh(2026, 12, 7, 23, 59, 59))
    await reviews.check()
    assert [await t.take("case_notice") for t in told.values()] == [[]] * len(told)  # before the reminder window
    api.clock.set(sh(2026, 12, 8))
    await reviews.check()
    for name in ("lead", "head1"):  # the supervisors (no reviewer set) and the head with complaints pending
        [notice] = await told[name].take("case_notice")
        assert (notice["kind"], notice["month"], notice["numbers"], notice["to"], _at(notice["at"])) == (
            "review_due", "2026-11", [n], "reviewer", sh(2026, 12, 8))
        assert "by the end of 2026-12-10" in notice["text"]["en"] and "截止 2026-12-10" in notice["text"]["zh-CN"]
    for name in ("head2", "boss", "a1"):
        assert await told[name].take("case_notice") == []
    api.clock.advance(3600)
    await reviews.check()
    assert await told["lead"].take("case_notice") == []  # told once, not at every check
    # read back while it holds, however long ago it arose
    [back] = (await api.ok("head1", "GET", "/api/cases/notices", params={"hours": 1}))["items"]
    assert (back["kind"], back["month"], back["number"]) == ("review_due", "2026-11", n)
    assert (await api.ok("head2", "GET", "/api/cases/notices"))["items"] == []
    api.clock.set(sh(2026, 12, 11))
    await reviews.check()
    [late] = await told["head1"].take("case_notice")
    assert (late["kind"], _at(late["at"])) == ("review_overdue", sh(2026, 12, 11))
    assert "overdue (due by the end of 2026-12-10)" in late["text"]["en"] and "已逾期" in late["text"]["zh-CN"]
    assert [x["kind"] for x in await told["lead"].take("case_notice")] == ["review_overdue"]
    await api.review("head1", n, responsibility="no_fault")
    await reviews.check()
    assert (await api.ok("lead", "GET", "/api/cases/notices"))["items"] == []  # reviewed: nothing holds


async def test_the_reviewer_setting_names_who_reviews(make_api: MakeApi) -> None:
    api = await make_api(reviewer="qc1")
    n = await api.closed(sh(2026, 11, 3, 9), sh(2026, 11, 5, 9))
    qc1, lead = Listener(api.stack, "qc1"), Listener(api.stack, "lead")
    api.clock.set(sh(2026, 12, 9))
    await api.stack.review.reviews.check()
    assert [x["kind"] for x in await qc1.take("case_notice")] == ["review_due"]
    assert await lead.take("case_notice") == []  # the reviewer named, not the supervisors
    body = await api.refused("lead", "POST", f"/api/cases/{n}/responsibility", 403, "cases.review_not_reviewer",
                             json={"responsibility": "upheld"})
    assert "qc1" in body["messages"]["en"] and "qc1" in body["messages"]["zh-CN"]
    r = await api.review("qc1", n, outcome="training")
    assert r["review"]["reviewed_by"] == "qc1"
    assert (await api.ok("lead", "GET", MONTH))["reviewer"] == "qc1"  # supervisors still read it


async def test_an_employee_is_flagged_at_the_third_upheld_complaint_within_six_months(make_api: MakeApi, db_url: str,
                                                                                       workdir: Path) -> None:
    api = await make_api()
    old = await api.closed(sh(2026, 5, 20, 9), sh(2026, 5, 25, 9))  # accepted more than six months before
    n1 = await api.closed(sh(2026, 7, 10, 9), sh(2026, 7, 12, 9))
    n2 = await api.closed(sh(2026, 9, 1, 9), sh(2026, 9, 3, 9), dept=api.other_dept)
    n3 = await api.closed(sh(2026, 11, 2, 9), sh(2026, 11, 4, 9))
    n4 = await api.closed(sh(2026, 11, 6, 9), sh(2026, 11, 8, 9))
    nu = await api.closed(sh(2026, 11, 7, 9), sh(2026, 11, 9, 9))
    api.clock.set(sh(2026, 12, 5, 10))  # the window: from 5 June 10:00
    assert (await api.review("lead", old, outcome="warning"))["upheld_in_window"] == 0  # outside the window
    assert (await api.review("lead", nu, responsibility="not_upheld"))["upheld_in_window"] == 0
    r = await api.review("lead", n1, outcome="coaching")
    assert (r["upheld_in_window"], r["flagged"]) == (1, False)
    r = await api.review("lead", n2, outcome="warning")
    assert (r["upheld_in_window"], r["flagged"]) == (2, False)
    assert (await api.ok("lead", "GET", FLAGS))["items"] == []
    assert "case_flag:a1" not in api.alerts()
    told = {name: Listener(api.stack, name) for name in ("lead", "head1", "head2", "boss", "a1")}
    r = await api.review("lead", n3, outcome="written warning")
    assert (r["upheld_in_window"], r["flagged"]) == (3, True)
    # told at once to the heads of the employee's departments and the supervisors; not the employee, not admins
    for name in ("lead", "head1", "head2"):
        [notice] = await told[name].take("case_notice")
        assert (notice["kind"], notice["employee"], notice["number"], notice["numbers"]) == (
            "employee_flagged", "a1", n3, [n1, n2, n3])
        assert "a1: 3 upheld complaints since 2026-06-05" in notice["text"]["en"]
        assert "3 件投诉认定有责" in notice["text"]["zh-CN"]
    assert await told["boss"].take("case_notice") == [] and await told["a1"].take("case_notice") == []
    # and read back by whoever had no cases page open
    [back] = [n for n in (await api.ok("head2", "GET", "/api/cases/notices"))["items"]
              if n["kind"] == "employee_flagged"]
    assert (back["employee"], back["numbers"]) == ("a1", [n1, n2, n3])
    assert (await api.ok("a1", "GET", "/api/cases/notices"))["items"] == []
    alert = api.alerts()["case_flag:a1"]
    assert alert["kind"] == "employee_flagged" and alert["username"] == "a1"
    assert alert["detail"]["cases"] == [n1, n2, n3] and alert["detail"]["heads"] == ["head1", "head2"]
    timeline = (await api.ok("lead", "GET", f"/api/cases/{n3}"))["timeline"]
    assert timeline[-1]["detail"]["flagged"] is True
    # a restart 2 hours later: the board's alert comes back for the rest of its 12 hours (from the timeline row)
    later = FakeClock(api.clock.now() + timedelta(hours=2))
    other = Stack(stack_settings(db_url, workdir / "data2"), clock=later, run_migrations=False)
    try:
        assert await other.review.reviews.restore_flags() == ["a1"]
        restored = other.board.current_alerts(later.now())["case_flag:a1"]
        assert restored["kind"] == "employee_flagged" and restored["detail"]["cases"] == [n1, n2, n3]
        later.advance(9 * 3600 + 59 * 60)
        assert "case_flag:a1" in other.board.current_alerts(later.now())
        later.advance(60)  # 12 hours after the review
        assert "case_flag:a1" not in other.board.current_alerts(later.now())
        assert await other.review.reviews.restore_flags() == []
    finally:
        await other.engine.dispose()
    f = await api.ok("lead", "GET", FLAGS)
    assert f["since"] == "2026-06-05T02:00:00Z" and (f["threshold"], f["window_months"]) == (3, 6)
    [flag] = f["items"]
    assert (flag["employee"], flag["upheld"], [c["number"] for c in flag["cases"]]) == ("a1", 3, [n1, n2, n3])
    assert flag["department_ids"] == sorted([api.dept, api.other_dept])
    r = await api.review("lead", n4)
    assert (r["upheld_in_window"], r["flagged"]) == (4, False)  # already flagged: it does not arise again
    # a department head sees the flag with their department's complaints
    [mine] = (await api.ok("head2", "GET", FLAGS))["items"]
    assert (mine["upheld"], [c["number"] for c in mine["cases"]]) == (4, [n2])
    # once the older ones leave the window the flag goes with them
    api.clock.set(sh(2027, 5, 2, 10))
    assert [i["upheld"] for i in (await api.ok("lead", "GET", FLAGS))["items"]] == []
    api.clock.set(sh(2027, 1, 10, 10))  # n1 (10 July) has left: n2, n3, n4 remain
    assert [i["upheld"] for i in (await api.ok("lead", "GET", FLAGS))["items"]] == [3]


def test_the_review_settings_are_checked() -> None:
    s = CasesSettings()
    assert (s.review.deadline_day, s.review.reminder_days, s.review.reviewer, s.review.flag_upheld,
            s.review.flag_window_months) == (10, 3, None, 3, 6)
    with pytest.raises(ValidationError, match="reminder_days"):
        CasesSettings.model_validate({"review": {"deadline_day": 2, "reminder_days": 3}})
    with pytest.raises(ValidationError):
        CasesSettings.model_validate({"review": {"deadline_day": 31}})
    with pytest.raises(ValidationError):
        CasesSettings.model_validate({"review": {"flag_upheld": 0}})


async def test_the_migration_matches_the_model_and_goes_down_and_up(workdir: Path) -> None:
    import asyncio

    from alembic import command
    from sqlalchemy import inspect

    from callcenter.cases.models import CaseReview
    from callcenter.db import make_engine
    from callcenter.migrate import alembic_config, upgrade

    url = f"sqlite+aiosqlite:///{workdir / 'm.db'}"
    await asyncio.to_thread(upgrade, url)
    engine = make_engine(url)

    async def shape() -> tuple[set[str], set[str]] | None:
        async with engine.connect() as c:
            def read(sync: Any) -> tuple[set[str], set[str]] | None:
                i = inspect(sync)
                if "case_reviews" not in i.get_table_names():
                    return None
                return ({col["name"] for col in i.get_columns("case_reviews")},
                        {str(x["name"]) for x in i.get_indexes("case_reviews")})
            return await c.run_sync(read)

    got = await shape()
    assert got is not None
    assert got[0] == {c.name for c in CaseReview.__table__.columns}
    assert got[1] >= {"ix_case_reviews_month", "ix_case_reviews_employee"}
    await asyncio.to_thread(command.downgrade, alembic_config(url), "0015_cases")
    assert await shape() is None
    await asyncio.to_thread(upgrade, url)
    assert await shape() == got
    await engine.dispose()


async def test_two_reviews_at_once_one_wins_and_the_watch_raises_after_a_restart(make_api: MakeApi,
                                                                                  db_url: str, workdir: Path) -> None:
    import asyncio

    api = await make_api(check_interval_seconds=0.05)
    n = await api.closed(sh(2026, 11, 3, 9), sh(2026, 11, 5, 9))
    pending = await api.closed(sh(2026, 11, 3, 9), sh(2026, 11, 6, 9))
    api.clock.set(sh(2026, 12, 9))
    first, second = await asyncio.gather(
        api.req("lead", "POST", f"/api/cases/{n}/responsibility", json={"responsibility": "upheld"}),
        api.req("boss", "POST", f"/api/cases/{n}/responsibility", json={"responsibility": "no_fault"}))
    assert sorted([first.status_code, second.status_code]) == [201, 409], (first.text, second.text)
    assert {first.json().get("code"), second.json().get("code")} >= {"cases.review_recorded"}
    rows = [e for e in (await api.ok("lead", "GET", f"/api/cases/{n}"))["timeline"]
            if e["action"] == "responsibility_reviewed"]
    assert len(rows) == 1

    # the periodic check, started as the stack starts it: the reminder is on the board at once
    api.stack.review.watch.start()
    try:
        for _ in range(100):
            if "case_review:2026-11" in api.alerts():
                break
            await asyncio.sleep(0.02)
        alert = api.alerts()["case_review:2026-11"]
        assert alert["kind"] == "review_due" and alert["detail"]["pending"] == 1
    finally:
        await api.stack.review.watch.stop()
    # another instance over the same database (a restart) finds the same: nothing was kept in memory
    other = Stack(stack_settings(db_url, workdir / "data2"), clock=FakeClock(sh(2026, 12, 11)), run_migrations=False)
    try:
        assert await other.review.reviews.due() == [
            ("case_review:2026-11", "review_overdue",
             {"month": "2026-11", "pending": 1, "deadline": "2026-12-10T16:00:00+00:00", "reviewer": None})]
    finally:
        await other.engine.dispose()
    assert pending
