"""The pure attendance rules of callcenter.shifts.rules at their boundaries (no database): late at 19:59 vs 20:00,
absence, early leave, early arrival, night shifts across midnight, approved leave, the relief rule; and the shifts
settings."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from callcenter.settings import SettingsError, load_settings
from callcenter.shifts.rules import (
    LiveState,
    Relief,
    Session,
    Slot,
    Thresholds,
    evaluate,
    is_night,
    leave_level,
    patch_live,
    sessions_from_log,
    shift_bounds,
)

TZ = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 3, 2)
TH = Thresholds()


def at(hhmmss: str, day: date = DAY) -> datetime:
    h, m, *s = (int(x) for x in hhmmss.split(":"))
    return datetime(day.year, day.month, day.day, h, m, s[0] if s else 0, tzinfo=TZ).astimezone(UTC)


def slot(start: str = "08:00", end: str = "20:00", seat: str = "", day: date = DAY) -> Slot:
    s, e = shift_bounds(day, start, end, TZ)
    return Slot(1, day, 1, "day", "a1", seat, s, e)


def run(sl: Slot, sessions: list[Session], now: datetime, *, excused: bool = False,
        relief: Relief | None = None) -> dict[str, Any]:
    att = evaluate(sl, sessions, now, TH, window_start=sl.starts_at - TH.login_window, excused=excused,
                   relief_of=lambda seat: relief)
    return {f.kind: (f.seconds, f.open) for f in att.findings}


def test_shift_bounds_in_centre_time_and_night_across_midnight() -> None:
    assert shift_bounds(DAY, "08:00", "20:00", TZ) == (datetime(2026, 3, 2, 0, 0, tzinfo=UTC),
                                                       datetime(2026, 3, 2, 12, 0, tzinfo=UTC))
    # the night shift of 2 March ends on the morning of 3 March and belongs to 2 March
    assert shift_bounds(DAY, "20:00", "08:00", TZ) == (datetime(2026, 3, 2, 12, 0, tzinfo=UTC),
                                                       datetime(2026, 3, 3, 0, 0, tzinfo=UTC))
    assert is_night("20:00", "08:00") and is_night("22:00", "22:00") and not is_night("08:00", "20:00")


@pytest.mark.parametrize(("login", "late"), [
    ("08:00:00", None), ("08:19:59", None), ("08:20:00", (1200, False)), ("08:45:30", (2730, False))])
def test_late_login_boundary(login: str, late: tuple[int, bool] | None) -> None:
    sl = slot()
    found = run(sl, [Session(at(login), None, "1001")], at("12:00"))
    assert found.get("late") == late


def test_late_is_known_at_start_plus_20_without_login_then_absence_at_the_end() -> None:
    sl = slot()
    assert run(sl, [], at("08:19:59")) == {}
    assert run(sl, [], at("08:20:00")) == {"late": (1200, True)}  # open: not logged in yet
    assert run(sl, [], at("19:59:59")) == {"late": (1200, True)}
    assert run(sl, [], at("20:00:00")) == {"absence": (12 * 3600, False)}
    # logging in later closes the late finding with its real length
    assert run(sl, [Session(at("09:10"), None, "1001")], at("09:10")) == {"late": (70 * 60, False)}


def test_early_arrival_and_early_leave() -> None:
    sl = slot()
    assert run(sl, [Session(at("07:50:00"), at("20:05"), "1001")], at("21:00")) == {"early_arrival": (600, False)}
    assert run(sl, [Session(at("07:50:01"), at("20:05"), "1001")], at("21:00")) == {}
    # the last logout counts: out for lunch and back is not an early leave; gone at 19:30 is
    sessions = [Session(at("07:58"), at("12:00"), "1001"), Session(at("12:30"), at("19:30"), "1001")]
    assert run(sl, sessions, at("19:30")) == {"early_leave": (1800, False)}
    assert run(sl, sessions, at("12:10")) == {"early_leave": (8 * 3600, False)}  # as known at 12:10
    assert run(sl, sessions, at("13:00")) == {}


def test_night_shift_across_midnight() -> None:
    sl = slot("20:00", "08:00")
    nxt = DAY + timedelta(days=1)
    sessions = [Session(at("20:25"), at("07:00", nxt), "1001")]
    assert run(sl, sessions, at("23:00")) == {"late": (25 * 60, False)}
    assert run(sl, sessions, at("08:30", nxt)) == {"late": (25 * 60, False), "early_leave": (3600, False)}
    assert run(sl, [], at("08:00", nxt)) == {"absence": (12 * 3600, False)}


def test_approved_leave_excuses_lateness_absence_and_early_leave() -> None:
    sl = slot()
    assert run(sl, [], at("21:00"), excused=True) == {}
    assert run(sl, [Session(at("09:00"), at("10:00"), "1001")], at("21:00"), excused=True) == {}


def test_left_before_relief_with_grace() -> None:
    sl = slot(seat="1001")
    night_start = at("20:00")

    def relief(*sessions: Session) -> Relief:
        return Relief("b1", 2, "night", night_start, tuple(sessions), False)

    mine = [Session(at("07:55"), at("20:05"), "1001")]
    # the relief logs in at the seat 2 minutes after the logout (the grace): not flagged
    assert run(sl, mine, at("21:00"), relief=relief(Session(at("20:07"), None, "1001"))) == {}
    # 2 minutes and 1 second: flagged, known only once the grace has passed
    late_relief = relief(Session(at("20:07:01"), None, "1001"))
    assert run(sl, mine, at("20:06"), relief=late_relief) == {}
    assert run(sl, mine, at("21:00"), relief=late_relief) == {"left_before_relief": (0, False)}
    # the relief already logged in elsewhere (roll call at another seat) counts as there
    assert run(sl, mine, at("21:00"), relief=relief(Session(at("19:50"), None, "1002"))) == {}
    # a relief on approved leave: nobody is expected
    assert run(sl, mine, at("21:00"), relief=Relief("b1", 2, "night", night_start, (), True)) == {}


def test_sessions_from_log_and_live_patch() -> None:
    rows = [("paused", at("07:55"), "1001"), ("ready", at("07:56"), "1001"), ("on_call", at("08:10"), "1001"),
            ("logged_out", at("12:00"), None), ("logged_out", at("12:01"), None), ("paused", at("12:30"), "1002")]
    assert sessions_from_log(rows) == [Session(at("07:55"), at("12:00"), "1001"), Session(at("12:30"), None, "1002")]
    stored = [Session(at("07:55"), at("12:00"), "1001")]
    # a login the write-behind has not stored yet
    assert patch_live(stored, LiveState(True, at("12:30"), at("12:30"), "1002"))[-1] == Session(at("12:30"), None,
                                                                                                 "1002")
    # a logout not stored yet
    assert patch_live([Session(at("07:55"), None, "1001")], LiveState(False, None, at("19:00"), "")) == [
        Session(at("07:55"), at("19:00"), "1001")]
    assert patch_live(stored, None) == stored


def test_leave_levels() -> None:
    assert leave_level(1, False) == "department_head"
    assert leave_level(2, False) == "centre_director"
    assert leave_level(1, True) == "centre_director"


def test_shift_settings_defaults_and_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    s = load_settings().shifts
    assert (s.late_minutes, s.early_arrival_minutes, s.max_swaps_per_month, s.night_leave_cutoff) == (20, 10, 2,
                                                                                                      "12:00")
    monkeypatch.setenv("CALLCENTER_SHIFTS__LATE_MINUTES", "15")
    assert load_settings().shifts.late_minutes == 15
    with pytest.raises(SettingsError, match=r"shifts.night_leave_cutoff \(CALLCENTER_SHIFTS__NIGHT_LEAVE_CUTOFF\)"):
        load_settings(shifts={"night_leave_cutoff": "24:00"})
    with pytest.raises(SettingsError, match="shifts.max_swaps_per_month"):
        load_settings(shifts={"max_swaps_per_month": -1})
