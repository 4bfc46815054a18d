"""Queue figures from call facts, for any window ending now (or at any earlier time).

Every tracked call that entered a queue yields *facts*, each at the time of its event: offered (queue entry),
answered (with its wait and whether it was within the queue's service-level threshold), and at the end of the call
completed (with its talk time), abandoned (the caller hung up while waiting) or timed out (left the queue
unanswered); the agent's wrap-up after it, when it ends. Each queue keeps its facts in time order with running
totals, so the sum over any span ``[a, b)`` is two bisects and a subtraction: "today", "last 60 minutes", "this
shift" and "the 15 minutes before 10:42" all cost the same, whatever the traffic. The same code path takes calls
loaded from the database at start and calls changing live, so a restart gives the same figures as an uninterrupted
run. No I/O here; the time comes from the events and the injected clock.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

# positions in a fact vector
OFFERED, ANSWERED, IN_SL, WAIT, ABANDONED, TIMED_OUT, COMPLETED, TALK, WRAPUP = range(9)
ZERO: tuple[float, ...] = (0.0,) * 9

IN_QUEUE_HANGUP = "caller_hangup_in_queue"  # the call tracker's end_reason for a caller who hung up while queued
CALLBACK_ASKED = "callback_requested"  # ... for a caller who left the queue to be called back in their turn


def _vec(**parts: float) -> tuple[float, ...]:
    v = [0.0] * len(ZERO)
    for k, x in parts.items():
        v[_INDEX[k]] = float(x)
    return tuple(v)


_INDEX = {"offered": OFFERED, "answered": ANSWERED, "in_sl": IN_SL, "wait": WAIT, "abandoned": ABANDONED,
          "timed_out": TIMED_OUT, "completed": COMPLETED, "talk": TALK,
          "wrapup": WRAPUP}


class FactLog:
    """One queue's facts in time order with running totals (``cum[i]`` = sum of facts ``0..i``)."""

    def __init__(self) -> None:
        self.times: list[float] = []
        self.cum: list[tuple[float, ...]] = []
        self.base: tuple[float, ...] = ZERO  # the total of facts pruned away

    def add(self, t: float, vec: tuple[float, ...]) -> None:
        if not self.times or t >= self.times[-1]:
            prev = self.cum[-1] if self.cum else self.base
            self.times.append(t)
            self.cum.append(tuple(p + v for p, v in zip(prev, vec, strict=True)))
            return
        # an event older than the newest one (out-of-order timestamps, a call loaded late): insert and shift
        i = bisect_right(self.times, t)
        prev = self.cum[i - 1] if i else self.base
        self.times.insert(i, t)
        self.cum.insert(i, tuple(p + v for p, v in zip(prev, vec, strict=True)))
        for j in range(i + 1, len(self.cum)):
            self.cum[j] = tuple(c + v for c, v in zip(self.cum[j], vec, strict=True))

    def _before(self, t: float) -> tuple[float, ...]:
        """Sum of the facts strictly before ``t``."""
        i = bisect_left(self.times, t)
        return self.cum[i - 1] if i else self.base

    def span(self, a: float, b: float | None = None) -> tuple[float, ...]:
        """Sum of the facts with ``a <= time < b`` (``b`` None: up to now, included)."""
        hi = (self.cum[-1] if self.cum else self.base) if b is None else self._before(b)
        lo = self._before(a)
        return tuple(h - low for h, low in zip(hi, lo, strict=True))

    def prune(self, before: float) -> None:
        i = bisect_left(self.times, before)
        if i:
            self.base = self.cum[i - 1]
            del self.times[:i]
            del self.cum[:i]


def _pct(part: float, whole: float) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def _service_level(v: tuple[float, ...]) -> float | None:
    return _pct(v[IN_SL], v[ANSWERED] + v[ABANDONED])


def window_figures(v: tuple[float, ...]) -> dict[str, Any]:
    """The figures of one window from its summed facts (definitions in docs/wallboard.md)."""
    concluded = v[ANSWERED] + v[ABANDONED]
    return {
        "offered": int(v[OFFERED]), "answered": int(v[ANSWERED]), "abandoned": int(v[ABANDONED]),
        "timed_out": int(v[TIMED_OUT]), "answered_in_sl": int(v[IN_SL]), "completed": int(v[COMPLETED]),
        "abandon_rate": _pct(v[ABANDONED], concluded),
        "service_level": _service_level(v),
        "asa": round(v[WAIT] / v[ANSWERED], 1) if v[ANSWERED] else None,
        "aht": round((v[TALK] + v[WRAPUP]) / v[COMPLETED], 1) if v[COMPLETED] else None,
        "att": round(v[TALK] / v[COMPLETED], 1) if v[COMPLETED] else None,
        "acw": round(v[WRAPUP] / v[COMPLETED], 1) if v[COMPLETED] else None,
    }


# calendar ------------------------------------------------------------------------------------------------------
def day_start(now: datetime, tz: ZoneInfo) -> datetime:
    """The start of ``now``'s day in the centre's timezone."""
    local = now.astimezone(tz)
    return datetime.combine(local.date(), time(0), tzinfo=tz)


def shift_start(now: datetime, tz: ZoneInfo, shifts: list[tuple[str, str]]) -> tuple[str, datetime]:
    """The shift that started most recently (``shifts``: (name, "HH:MM") in the centre's timezone)."""
    local_day = now.astimezone(tz).date()
    best: tuple[str, datetime] | None = None
    for d in (local_day, local_day - timedelta(days=1)):
        for name, hhmm in shifts:
            h, m = (int(x) for x in hhmm.split(":"))
            start = datetime.combine(d, time(h, m), tzinfo=tz)
            if start <= now and (best is None or start > best[1]):
                best = (name, start)
    assert best is not None  # every shift started at least once since yesterday's same time
    return best


@dataclass
class LiveCall:
    """A call the figures follow until it ends: the queue it was offered to, whether it is still waiting."""

    uniqueid: str
    queue: str
    queued_at: datetime
    caller_number: str | None
    waiting: bool = True
    answered: bool = False
    callback: bool = False  # a call-back's place: the caller who asked (``uniqueid``), waiting since they joined


class Figures:
    """Per-queue facts + the calls still in progress. ``observe`` takes a call (a live ``CallState`` or a stored
    ``Call`` row: same attribute names) whenever it changes and says whether anything on the board changed."""

    def __init__(self, timezone: str, shifts: list[tuple[str, str]], sl_seconds: Callable[[str], int]) -> None:
        self.tz = ZoneInfo(timezone)
        self.shifts = shifts
        self.sl_seconds = sl_seconds
        self.logs: dict[str, FactLog] = {}
        self.live: dict[str, LiveCall] = {}
        self.places: dict[str, LiveCall] = {}  # a call-back's outbound call → its place while it waits in line
        self._done: OrderedDict[str, None] = OrderedDict()  # calls already counted to the end (replay guard)
        self._bulk: list[tuple[float, int, str, tuple[float, ...]]] | None = None

    def _add(self, queue: str, at: datetime, vec: tuple[float, ...]) -> None:
        if self._bulk is not None:
            self._bulk.append((at.timestamp(), len(self._bulk), queue, vec))
        else:
            self._put(queue, at.timestamp(), vec)

    def _put(self, queue: str, t: float, vec: tuple[float, ...]) -> None:
        log = self.logs.get(queue)
        if log is None:
            log = self.logs[queue] = FactLog()
        log.add(t, vec)

    def begin_bulk(self) -> None:
        """Loading many calls (start-up): collect their facts, then add them in time order (:meth:`end_bulk`), not
        one out-of-order insert per answer and hang-up."""
        self._bulk = []

    def end_bulk(self) -> None:
        facts, self._bulk = self._bulk or [], None
        for t, _, queue, vec in sorted(facts):
            self._put(queue, t, vec)

    def observe(self, c: Any) -> str | None:
        """Fold a call's current state in; returns the queue whose figures changed, or None."""
        if getattr(c, "callback_of", None) is not None:
            return self._observe_place(c)
        if c.queued_at is None or not c.queue:
            return None
        uid = c.uniqueid
        lc = self.live.get(uid)
        changed = False
        if lc is None:
            if uid in self._done:
                return None
            lc = self.live[uid] = LiveCall(uid, c.queue, c.queued_at, c.caller_number)
            self._add(lc.queue, c.queued_at, _vec(offered=1))
            changed = True
        if not lc.answered and c.answered_at is not None:
            lc.answered = True
            wait = c.wait_seconds if c.wait_seconds is not None else \
                max(0.0, (c.answered_at - lc.queued_at).total_seconds())
            in_sl = 1 if wait <= self.sl_seconds(lc.queue) else 0
            self._add(lc.queue, c.answered_at, _vec(answered=1, in_sl=in_sl, wait=wait))
            changed = True
        # a caller answering the call-back offer's questions keeps their place: still waiting
        waiting = (c.answered_at is None and c.ended_at is None and not getattr(c, "abandoned", False)
                   and (not getattr(c, "left_queue", False) or getattr(c, "confirming_callback", False)))
        if waiting != lc.waiting:
            lc.waiting = waiting
            changed = True
        if c.ended_at is not None:
            if lc.answered:
                self._add(lc.queue, c.ended_at, _vec(completed=1, talk=c.talk_seconds or 0.0))
            elif c.end_reason == IN_QUEUE_HANGUP:
                self._add(lc.queue, c.ended_at, _vec(abandoned=1))
            elif c.end_reason == CALLBACK_ASKED:
                pass  # left to be called back in their turn: offered, neither abandoned nor timed out
            else:  # left the queue unanswered (its maximum wait), then voicemail, the IVR or a hang-up
                self._add(lc.queue, c.ended_at, _vec(timed_out=1))
            del self.live[uid]
            self._remember(uid)
            changed = True
        return lc.queue if changed else None

    def _observe_place(self, c: Any) -> str | None:
        """A call-back's place (its outbound call, ``callback_of`` the caller who asked): the same contact, offered
        once when they joined (their own call). While the place is in line it waits in its queue as that contact,
        from when they joined; the agent who takes it answers the contact (``taken_at``, the wait counted from
        when they joined); its end completes it with the customer's talk time, or, never taken, it timed out."""
        if c.queued_at is None or not c.queue:
            return None
        uid = c.uniqueid
        lc = self.places.get(uid)
        if lc is None:
            if uid in self._done:
                return None
            lc = self.places[uid] = LiveCall(c.callback_of, c.queue, c.queued_at, c.caller_number, waiting=False,
                                             callback=True)
        changed = False
        if not lc.answered and c.taken_at is not None:
            lc.answered = True
            wait = max(0.0, (c.taken_at - lc.queued_at).total_seconds())
            in_sl = 1 if wait <= self.sl_seconds(lc.queue) else 0
            self._add(lc.queue, c.taken_at, _vec(answered=1, in_sl=in_sl, wait=wait))
            changed = True
        waiting = bool(getattr(c, "place_waiting", False)) and c.taken_at is None and c.ended_at is None
        if waiting != lc.waiting:
            lc.waiting = waiting
            changed = True
        if c.ended_at is not None:
            if lc.answered:
                self._add(lc.queue, c.ended_at, _vec(completed=1, talk=c.talk_seconds or 0.0))
            else:
                self._add(lc.queue, c.ended_at, _vec(timed_out=1))
            del self.places[uid]
            self._remember(uid)
            changed = True
        return lc.queue if changed else None

    def _remember(self, uid: str) -> None:
        self._done[uid] = None
        while len(self._done) > 20000:
            self._done.popitem(last=False)

    def wrapup_done(self, queue: str | None, ended_at: datetime, seconds: float) -> None:
        """An agent's wrap-up after a call of ``queue`` ended (after-call work: part of the handle time)."""
        if queue:
            self._add(queue, ended_at, _vec(wrapup=max(0.0, seconds)))

    # reading -------------------------------------------------------------------------------------------------
    def waiting(self, queue: str | None = None) -> list[LiveCall]:
        """Who waits in ``queue`` (None: every queue) now: callers and call-backs' places."""
        return [lc for lc in [*self.live.values(), *self.places.values()]
                if lc.waiting and (queue is None or lc.queue == queue)]

    def span(self, queue: str | None, a: datetime, b: datetime | None = None) -> tuple[float, ...]:
        """Summed facts of one queue (None: all queues) with ``a <= time < b``."""
        logs = self.logs.values() if queue is None else [self.logs[queue]] if queue in self.logs else []
        total = ZERO
        for log in logs:
            v = log.span(a.timestamp(), None if b is None else b.timestamp())
            total = tuple(x + y for x, y in zip(total, v, strict=True))
        return total

    def windows(self, now: datetime) -> dict[str, tuple[datetime, str | None]]:
        """The board's windows at ``now``: name → (start, label)."""
        name, shift = shift_start(now, self.tz, self.shifts)
        return {"today": (day_start(now, self.tz), None), "hour": (now - timedelta(minutes=60), None),
                "shift": (shift, name)}

    def queue_figures(self, queue: str | None, now: datetime) -> dict[str, Any]:
        """Live waiting + each window's figures for a queue (None: all queues)."""
        waiting = self.waiting(queue)
        oldest = min((lc.queued_at for lc in waiting), default=None)
        out: dict[str, Any] = {
            "waiting": len(waiting), "callbacks_waiting": sum(1 for lc in waiting if lc.callback),
            "oldest_queued_at": oldest,
            "longest_wait": round(max(0.0, (now - oldest).total_seconds()), 1) if oldest else 0.0,
            "windows": {},
        }
        for w, (start, label) in self.windows(now).items():
            fig = window_figures(self.span(queue, start))
            if w != "hour":  # the sliding window's start moves every instant: not sent (it is now - 60 min)
                fig["start"] = start
            if label is not None:
                fig["name"] = label
            out["windows"][w] = fig
        return out

    def service_level(self, queue: str | None, start: datetime, end: datetime | None = None) -> float | None:
        return _service_level(self.span(queue, start, end))

    def horizon(self, now: datetime, chart_hours: int) -> datetime:
        """The oldest fact any window or the chart may still need (a margin over a day)."""
        return min(day_start(now, self.tz), shift_start(now, self.tz, self.shifts)[1],
                   now - timedelta(hours=max(chart_hours, 1))) - timedelta(minutes=5)

    def prune(self, before: datetime) -> None:
        for log in self.logs.values():
            log.prune(before.timestamp())


def local_date(now: datetime, tz: ZoneInfo) -> date:
    return now.astimezone(tz).date()
