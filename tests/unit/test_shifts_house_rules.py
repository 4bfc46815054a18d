"""The seeds' house rules on shifts and leave (issue 12 items 16 and 17), over /api/shifts on the injected clock:
agents read the latest handover (read-only) and their reading is recorded for the leads; no swap gives anyone two
shifts back to back; leave is approved level by level without skipping; sick leave is recorded after the fact (the
certificate handed in on return) and the day then shows sick leave, not absence; the monthly report counts only
late >= 20 min and away >= 20 min as violations."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit import test_shifts_api
from tests.unit.test_shifts_api import Api, at, d

pytestmark = pytest.mark.db
api = test_shifts_api.api  # the same stack-with-fake-AMI fixture as the shifts API tests


async def _swap(api: Api, who: str, mine: int, theirs: int, rule: str | None = None) -> dict[str, Any]:
    body = {"roster_id": mine, "with_roster_id": theirs}
    if rule is None:
        return await api.ok(who, "POST", "/api/shifts/swaps", 201, json=body)  # type: ignore[no-any-return]
    b = await api.err(who, "POST", "/api/shifts/swaps", 409, rule, json=body)
    assert b["details"]["rule"] == rule and f"(rule {rule})" in b["message"]
    return b


# 17 (a) ------------------------------------------------------------------------------------------------------
async def test_a_swap_that_gives_an_agent_two_shifts_back_to_back_is_refused(api: Api) -> None:
    await api.template("day", "08:00", "20:00")
    await api.template("night", "20:00", "08:00")
    await api.template("late", "21:00", "23:00")
    a1_night10 = await api.put("a1", d(10), "night")  # 10th 20:00 → 11th 08:00
    a1_day12 = await api.put("a1", d(12))
    a2_day10 = await api.put("a2", d(10))  # ends 20:00 on the 10th, when a1's night starts
    a2_day11 = await api.put("a2", d(11))  # starts 08:00 on the 11th, when a1's night ends
    # a1 would take a day shift that ends when their night starts, or one that starts when it ends
    b = await _swap(api, "a1", a1_day12, a2_day10, "swap_back_to_back")
    assert (b["details"]["username"], b["details"]["conflicting_entry"]) == ("a1", a1_night10)
    await _swap(api, "a1", a1_day12, a2_day11, "swap_back_to_back")
    # the counterpart's side too: a3 would get a1's night right after their own day shift of the 10th
    await api.put("a3", d(10))
    a3_night14 = await api.put("a3", d(14), "night")
    b = await _swap(api, "a3", a3_night14, a1_night10, "swap_back_to_back")
    assert b["details"]["username"] == "a3"
    # with rest between (the late shift starts an hour after the day shift ends) the swap is accepted
    a4_late10 = await api.put("a4", d(10), "late")
    a5_late13 = await api.put("a5", d(13), "late")
    assert (await _swap(api, "a4", a4_late10, a5_late13))["status"] == "pending"
    await api.put("a5", d(10))  # a5's own day shift on the 10th ends at 20:00; the late one starts at 21:00
    x = (await api.ok("a4", "GET", "/api/shifts/swaps/mine"))[0]
    for lead in ("lead1", "lead2"):
        x = await api.ok(lead, "POST", f"/api/shifts/swaps/{x['id']}/approve", json={})
    assert x["status"] == "approved"


# 17 (b) ------------------------------------------------------------------------------------------------------
async def test_multi_day_leave_is_approved_level_by_level_without_skipping(api: Api) -> None:
    for name, position in (("lead1", "department_head"), ("boss", "centre_director")):
        await api.user(name)
        await api.ok("boss", "PUT", f"/api/shifts/approvers/{name}", json={"position": position})
    x = await api.ok("a1", "POST", "/api/shifts/leave", 201, json={"start_day": "2026-03-10", "end_day": "2026-03-11",
                                                                    "reason": "moving house"})
    assert (x["required_level"], x["approval_chain"], x["next_level"]) == (
        "centre_director", ["department_head", "centre_director"], "department_head")
    b = await api.err("boss", "POST", f"/api/shifts/leave/{x['id']}/approve", 403, "leave_approver_level", json={})
    assert b["details"]["required_level"] == "department_head" and "level by level" in b["message"]
    x = await api.ok("lead1", "POST", f"/api/shifts/leave/{x['id']}/approve", json={"note": "ok"})
    assert (x["status"], x["next_level"], x["decided_by"]) == ("pending", "centre_director", None)
    x = await api.ok("boss", "POST", f"/api/shifts/leave/{x['id']}/approve", json={"note": "approved"})
    assert (x["status"], x["next_level"], x["decided_by"]) == ("approved", None, "boss")
    assert [(a["level"], a["by"], a["note"]) for a in x["approvals"]] == [
        ("department_head", "lead1", "ok"), ("centre_director", "boss", "approved")]
    # one day: the department head's step alone; the director does not take it
    one = await api.ok("a1", "POST", "/api/shifts/leave", 201, json={"start_day": "2026-03-20"})
    await api.err("boss", "POST", f"/api/shifts/leave/{one['id']}/approve", 403, "leave_approver_level", json={})
    assert (await api.ok("lead1", "POST", f"/api/shifts/leave/{one['id']}/approve", json={}))["status"] == "approved"


# 17 (c) ------------------------------------------------------------------------------------------------------
async def test_sick_leave_recorded_after_the_fact_turns_the_absence_into_sick_leave(api: Api) -> None:
    await api.template("day", "08:00", "20:00")
    await api.user("head", ("supervisor",))
    await api.ok("boss", "PUT", "/api/shifts/approvers/head", json={"position": "department_head"})
    await api.put("a1", d(2))
    api.clock.set(at(d(2), "20:00"))  # nobody logged in: an absence
    await api.stack.shifts.attendance.check()
    kinds = [r["kind"] for r in await api.ok("lead1", "GET", "/api/shifts/attendance/records?from=2026-03-02")]
    assert kinds == ["absence"]
    api.clock.set(at(d(4), "08:30"))  # back at work on the 4th, with the certificate
    leave = "/api/shifts/leave"
    sick = {"start_day": "2026-03-02", "kind": "sick", "reason": "flu", "certificate": True,
            "phoned_in_at": "2026-03-02T07:10:00+08:00"}
    await api.err("a1", "POST", leave, 409, "leave_in_past", json={"start_day": "2026-03-02", "reason": "flu"})
    await api.err("a1", "POST", leave, 409, "sick_leave_certificate", json={**sick, "certificate": False})
    await api.err("a1", "POST", leave, 400, "invalid_input", json={k: v for k, v in sick.items()
                                                                    if k != "phoned_in_at"})
    b = await api.err("a1", "POST", leave, 409, "sick_leave_not_phoned_in",
                      json={**sick, "phoned_in_at": "2026-03-02T09:00:00+08:00"})  # after the shift began
    assert b["details"]["shift_start"] == "2026-03-02T00:00:00Z"
    await api.err("a1", "POST", leave, 409, "sick_leave_too_old", json={**sick, "start_day": "2026-01-20"})
    x = await api.ok("a1", "POST", leave, 201, json=sick)
    assert (x["kind"], x["certificate"], x["phoned_in_at"], x["status"]) == ("sick", True, "2026-03-01T23:10:00Z",
                                                                           "pending")
    await api.ok("head", "POST", f"/api/shifts/leave/{x['id']}/approve", json={})
    # re-evaluated at once: the day shows sick leave, not an absence
    recs = await api.ok("lead1", "GET", "/api/shifts/attendance/records?from=2026-03-02")
    assert [(r["kind"], r["minutes"]) for r in recs] == [("sick_leave", 720)]
    sheet = await api.ok("lead1", "GET", "/api/shifts/attendance?day=2026-03-02")
    [row] = sheet["rows"]
    assert (row["absent"], row["sick_leave"], row["leave"]["kind"]) == (False, True, "sick")
    assert (await api.ok("lead1", "POST", "/api/shifts/attendance/recompute", json={"day": "2026-03-02"})
            )["rows"][0]["kind"] == "sick_leave"
    rep = await api.ok("lead1", "GET", "/api/shifts/reports/violations?month=2026-03")
    [a1] = [a for a in rep["agents"] if a["username"] == "a1"]
    assert (a1["absence_count"], a1["sick_leave_count"], a1["violations"]) == (0, 1, 0)
    assert [r["kind"] for r in await api.ok("a1", "GET", "/api/shifts/attendance/mine?from=2026-03-01")] == [
        "sick_leave"]


# 17 (d) ------------------------------------------------------------------------------------------------------
async def test_the_monthly_violations_are_late_and_away_only(api: Api) -> None:
    await api.template("day", "08:00", "20:00")
    for n in (2, 3, 4):
        await api.put("a1", d(n), seat="1001")
    acd, user = api.stack.acd, api.users["a1"]
    # the 2nd: on time, logs out one minute early; the 3rd: 20 minutes late; the 4th: absent
    for when, action in ((at(d(2), "07:55"), "login"), (at(d(2), "19:59"), "logout"),
                         (at(d(3), "08:20"), "login"), (at(d(3), "20:00"), "logout")):
        api.clock.set(when)
        if action == "login":
            await acd.login(user, "1001")
            await acd.ready(user)
        else:
            await acd.logout(user)
    api.clock.set(at(d(5), "08:00"))
    for n in (2, 3, 4):
        await api.ok("lead1", "POST", "/api/shifts/attendance/recompute", json={"day": f"2026-03-0{n}"})
    rep = await api.ok("lead1", "GET", "/api/shifts/reports/violations?month=2026-03")
    [a1] = rep["agents"]
    assert {k: a1[k] for k in ("late_count", "early_leave_count", "early_leave_minutes", "absence_count",
                               "away_count", "violations")} == {
        "late_count": 1, "early_leave_count": 1, "early_leave_minutes": 1, "absence_count": 1, "away_count": 0,
        "violations": 1}


# 16 ---------------------------------------------------------------------------------------------------------
async def test_agents_read_the_latest_handover_and_the_leads_see_who_read_it(api: Api) -> None:
    day = await api.template("day", "08:00", "20:00")
    url = f"/api/shifts/handovers/2026-03-01/{day}"
    api.clock.set(at(d(1), "19:45"))
    await api.ok("lead1", "PUT", url, json={"equipment": "headset at 1002 crackles", "notices": "new tariff"})
    # an agent of the incoming shift reads it: allowed, read-only, without colleagues' attendance flags
    api.clock.set(at(d(1), "19:50"))
    h = await api.ok("a1", "GET", "/api/shifts/handovers/latest")
    assert (h["notices"], h["equipment"], h["read_at"]) == ("new tariff", "headset at 1002 crackles",
                                                            "2026-03-01T11:50:00Z")
    assert "left_before_relief" not in h and "reads" not in h
    await api.err("a1", "PUT", url, 403, json={"notices": "agents do not write it"})
    await api.err("a1", "POST", url + "/acknowledge", 403, json={})
    await api.err("a1", "GET", "/api/shifts/handovers", 403)
    api.clock.set(at(d(1), "20:10"))
    assert (await api.ok("a1", "GET", "/api/shifts/handovers/latest"))["read_at"] == "2026-03-01T11:50:00Z"
    await api.ok("lead1", "GET", "/api/shifts/handovers/latest")  # the author's own reading is not recorded
    # the lead sees who has read it, and when
    h = await api.ok("lead2", "GET", "/api/shifts/handovers/latest")
    assert h["reads"] == [
        {"username": "a1", "read_at": "2026-03-01T11:50:00Z", "last_read_at": "2026-03-01T12:10:00Z"},
        {"username": "lead2", "read_at": "2026-03-01T12:10:00Z", "last_read_at": "2026-03-01T12:10:00Z"}]
    [listed] = await api.ok("lead2", "GET", "/api/shifts/handovers?from=2026-03-01&to=2026-03-01")
    assert [r["username"] for r in listed["reads"]] == ["a1", "lead2"]
    assert (await api.ok("a2", "GET", "/api/shifts/handovers/latest"))["id"] == h["id"]
