"""The interval rollups, recomputed from the raw rows.

:func:`roll` recomputes every bucket of a span ``[a, b)`` from the stored rows, so a replayed event, a restart or
a second run cannot double count: the incremental path (:class:`Rollups`, a background task that rolls the
buckets touched since its last pass, after the call and agent-state writers flushed), the repair at start (from
the stored high-water mark) and ``callcenter reports rebuild`` all call it and write the same numbers.

What is counted where (the board's rules, ``callcenter/wallboard/figures.py``; docs/wallboard.md and
docs/reports.md):

- a queued call: offered at its queue entry (``queued_at``), answered at the answer (wait = ``wait_seconds``, or
  answer - entry; within the queue's threshold or not), and at its end completed (with its talk time), abandoned
  (the caller hung up while queued), a call-back asked (neither abandoned nor timed out) or timed out;
- a call-back's place (``callback_of``): answered when an agent took it (wait from the caller's join), then
  completed or timed out at its end; never offered a second time;
- a call that never reached a queue whose caller hung up in the IVR: ``ivr_abandoned`` of the queue ``""`` at its
  end;
  transfers (outcome ``transferred``) at the end, in the call's queue (``""`` if none);
- the IVR: each menu choice (node, digits) and each caller hang-up (node, ``hangup``) at the step's time;
- wrap-up: the agent's ``wrapup`` state after a queued call, counted in the call's queue when it ends;
- an agent's states: the time between two state-log rows, split across the buckets it covers, counted once the
  state has ended (the next row exists); calls answered (an ``on_call`` row, as the board's "calls today"),
  missed rings (a ``ringing`` row not followed by ``on_call``, at the next row); calls made (an outbound call the
  agent placed, at its start), away time and violations (an away episode, whole, at its end), call-backs done
  (an attempt, at its start), cases accepted (at acceptance).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, insert, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.acd.models import AgentStateLog, AgentStatus
from callcenter.callbacks.models import CallbackAttempt
from callcenter.calls.models import Call
from callcenter.cases.models import Case
from callcenter.directory.models import QueueDef
from callcenter.reports.models import (
    AGENT_COUNTS,
    AGENT_STATE_SECONDS,
    BUCKET_SECONDS,
    QUEUE_COUNTS,
    AgentBucket,
    AgentPauseBucket,
    IvrBucket,
    QueueBucket,
    RollupMark,
)
from callcenter.seat.models import AwayEpisode

log = logging.getLogger(__name__)

IN_QUEUE_HANGUP = "caller_hangup_in_queue"  # figures.IN_QUEUE_HANGUP
CALLBACK_ASKED = "callback_requested"  # figures.CALLBACK_ASKED
IN_IVR_HANGUP = "caller_hangup_in_ivr"  # the tracker's end_reason for a caller who hung up in the IVR
MARK = "rolled_until"
CHUNK = timedelta(days=1)  # a long span is rolled a day at a time (memory stays small)

QCOLS = (*QUEUE_COUNTS, "wait_sum", "talk_sum", "wrapup_sum", "wait_max")
_QI = {c: i for i, c in enumerate(QCOLS)}
# the agent's columns from the state log (recomputed per agent over the span its intervals cover) ...
SCOLS = (*AGENT_STATE_SECONDS, "answered", "missed_rings")
# ... and from point facts of other tables (recomputed for every agent over the span)
PCOLS = ("made", "away_seconds", "away_violations", "callbacks_done", "cases_accepted")
_SI = {c: i for i, c in enumerate(SCOLS)}
_PI = {c: i for i, c in enumerate(PCOLS)}
assert set(SCOLS) | set(PCOLS) == {*AGENT_STATE_SECONDS, *AGENT_COUNTS, "away_seconds"}


def utc(t: datetime) -> datetime:
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)


def floor15(t: datetime) -> datetime:
    t = utc(t)
    s = int(t.timestamp()) // BUCKET_SECONDS * BUCKET_SECONDS
    return datetime.fromtimestamp(s, UTC)


def ceil15(t: datetime) -> datetime:
    f = floor15(t)
    return f if f == utc(t) else f + timedelta(seconds=BUCKET_SECONDS)


def _in(t: datetime | None, a: datetime, b: datetime) -> bool:
    return t is not None and a <= utc(t) < b


class _Acc:
    """Sums per key while a span is recomputed."""

    def __init__(self, width: int) -> None:
        self.width = width
        self.rows: dict[tuple[Any, ...], list[float]] = {}

    def add(self, key: tuple[Any, ...], i: int, v: float, maximum: bool = False) -> None:
        row = self.rows.get(key)
        if row is None:
            row = self.rows[key] = [0.0] * self.width
        row[i] = max(row[i], v) if maximum else row[i] + v


# calls -----------------------------------------------------------------------------------------------------------
_CALL_COLS = (Call.uniqueid, Call.queue, Call.direction, Call.arrived_at, Call.queued_at, Call.answered_at,
              Call.taken_at, Call.ended_at, Call.wait_seconds, Call.talk_seconds, Call.end_reason, Call.outcome,
              Call.callback_of, Call.agent_username, Call.ivr_path)


def call_facts(c: Any, sl_of: Callable[[str], int], a: datetime, b: datetime, q: _Acc, ivr: _Acc,
               agents: _Acc) -> None:
    """One call's facts with a time in ``[a, b)``, added to the queue, IVR and agent sums."""
    direction = c.direction or "inbound"

    def put(t: datetime | None, queue: str, **parts: float) -> None:
        if not _in(t, a, b):
            return
        assert t is not None
        key = (floor15(t), queue, direction)
        for col, v in parts.items():
            q.add(key, _QI[col], v, maximum=col == "wait_max")

    queue = c.queue or ""
    if c.queued_at is not None and c.queue:
        if c.callback_of is not None:  # a call-back's place: answered when taken, never offered again
            if c.taken_at is not None:
                wait = max(0.0, (utc(c.taken_at) - utc(c.queued_at)).total_seconds())
                put(c.taken_at, queue, answered=1, answered_in_sl=1 if wait <= sl_of(queue) else 0, wait_sum=wait,
                    wait_max=wait)
            if c.ended_at is not None:
                if c.taken_at is not None:
                    put(c.ended_at, queue, completed=1, talk_sum=c.talk_seconds or 0.0)
                else:
                    put(c.ended_at, queue, timed_out=1)
        else:
            put(c.queued_at, queue, offered=1)
            if c.answered_at is not None:
                wait = c.wait_seconds if c.wait_seconds is not None else \
                    max(0.0, (utc(c.answered_at) - utc(c.queued_at)).total_seconds())
                put(c.answered_at, queue, answered=1, answered_in_sl=1 if wait <= sl_of(queue) else 0,
                    wait_sum=wait, wait_max=wait)
            if c.ended_at is not None:
                if c.answered_at is not None:
                    put(c.ended_at, queue, completed=1, talk_sum=c.talk_seconds or 0.0)
                elif c.end_reason == IN_QUEUE_HANGUP:
                    put(c.ended_at, queue, abandoned=1)
                elif c.end_reason == CALLBACK_ASKED:
                    put(c.ended_at, queue, callbacks=1)
                else:
                    put(c.ended_at, queue, timed_out=1)
    elif c.queued_at is None and c.ended_at is not None and c.end_reason == IN_IVR_HANGUP:
        put(c.ended_at, "", ivr_abandoned=1)
    if c.outcome == "transferred" and c.ended_at is not None:
        put(c.ended_at, queue if c.queued_at is not None else "", transfers=1)
    if direction == "outbound" and c.agent_username and _in(c.arrived_at, a, b):
        agents.add((floor15(c.arrived_at), c.agent_username), _PI["made"], 1)
    for step in c.ivr_path or ():
        if not isinstance(step, dict) or not step.get("node") or not step.get("at"):
            continue
        try:
            at = utc(datetime.fromisoformat(str(step["at"])))
        except ValueError:
            continue
        if not a <= at < b:
            continue
        if step.get("result") == "caller_hangup":
            ivr.add((floor15(at), str(step["node"])[:64], "hangup"), 0, 1)
        elif step.get("kind") == "menu" and step.get("result") == "option" and step.get("digits"):
            ivr.add((floor15(at), str(step["node"])[:64], str(step["digits"])[:32]), 0, 1)


async def _wrapups(s: AsyncSession, ended: list[tuple[str | None, datetime, datetime]], q: _Acc) -> None:
    """Wrap-ups that ended in the span (found in the agents' state-log intervals: a ``wrapup`` row and the next
    row of the same agent), in the queue of their (queued) call."""
    uid_list = sorted({uid for uid, _, _ in ended if uid})
    queue_of: dict[str, tuple[str, str]] = {}
    for i in range(0, len(uid_list), 500):
        for call_uid, queue, direction in (await s.execute(
                select(Call.uniqueid, Call.queue, Call.direction).where(
                    Call.uniqueid.in_(uid_list[i:i + 500]), Call.queued_at.is_not(None),
                    Call.queue.is_not(None)))).all():
            queue_of[call_uid] = (queue or "", direction or "inbound")
    for wrapped, start, end in ended:
        where = queue_of.get(wrapped or "")
        if where is None:
            continue
        key = (floor15(end), where[0], where[1])
        q.add(key, _QI["wrapup_sum"], max(0.0, (end - start).total_seconds()))
        q.add(key, _QI["wrapups"], 1)


# agents ----------------------------------------------------------------------------------------------------------
async def _agent_states(s: AsyncSession, a: datetime, b: datetime, full: bool, st: _Acc, pauses: _Acc,
                        wrapups: list[tuple[str | None, datetime, datetime]]) -> dict[str, datetime]:
    """Each agent's state-log intervals (closed ones) over the buckets they cover from ``a`` on; returns, per
    agent recomputed, the first bucket recomputed (before ``a`` when a state that began earlier ended in the span).
    ``full``: every agent (a past span, where a state may cover it whole), else those with rows in the span.
    ``wrapups``: gets the wrap-ups that ended in ``[a, b)`` (call uniqueid, start, end)."""
    ids = set((await s.execute(select(AgentStateLog.user_id).where(
        AgentStateLog.at >= a, AgentStateLog.at < b).distinct())).scalars())
    if full:
        ids |= set((await s.execute(select(AgentStatus.user_id))).scalars())
    starts: dict[str, datetime] = {}
    cols = (AgentStateLog.username, AgentStateLog.state, AgentStateLog.reason, AgentStateLog.at,
            AgentStateLog.call_uniqueid)

    async def last_before(uid: int, t: datetime) -> Any:
        return (await s.execute(select(*cols).where(AgentStateLog.user_id == uid, AgentStateLog.at < t)
                                .order_by(AgentStateLog.at.desc(), AgentStateLog.id.desc()).limit(1))).first()

    for uid in sorted(ids):
        p = await last_before(uid, a)
        start = floor15(p.at) if p is not None else a
        seq: list[Any] = []
        if p is not None and start < a:
            p2 = await last_before(uid, start)
            if p2 is not None:
                seq.append(p2)
        elif p is not None:
            seq.append(p)
        seq += (await s.execute(select(*cols).where(AgentStateLog.user_id == uid, AgentStateLog.at >= start,
                                                     AgentStateLog.at < b)
                                 .order_by(AgentStateLog.at, AgentStateLog.id))).all()
        if full:  # a past span: the row that ends its last state (a pass's span ends now: there is none)
            nxt = (await s.execute(select(*cols).where(AgentStateLog.user_id == uid, AgentStateLog.at >= b)
                                   .order_by(AgentStateLog.at, AgentStateLog.id).limit(1))).first()
            if nxt is not None:
                seq.append(nxt)
        if not seq:
            continue
        name = seq[-1].username
        starts[name] = start
        for i, row in enumerate(seq):
            at = utc(row.at)
            if row.state == "on_call" and start <= at < b:
                st.add((floor15(at), row.username), _SI["answered"], 1)
            if i + 1 >= len(seq):
                break  # the state in progress: counted once it ends
            end = utc(seq[i + 1].at)
            if row.state == "wrapup" and a <= end < b:
                wrapups.append((row.call_uniqueid, at, end))
            if row.state == "ringing" and seq[i + 1].state != "on_call" and start <= end < b:
                st.add((floor15(end), row.username), _SI["missed_rings"], 1)
            if row.state == "logged_out":
                continue
            lo, hi = max(at, start), min(end, b)
            while lo < hi:
                bucket = floor15(lo)
                upto = min(hi, bucket + timedelta(seconds=BUCKET_SECONDS))
                secs = (upto - lo).total_seconds()
                key = (bucket, row.username)
                st.add(key, _SI["logged_in"], secs)
                if row.state in _SI:
                    st.add(key, _SI[row.state], secs)
                if row.state == "paused":
                    pauses.add((bucket, row.username, (row.reason or "")[:32]), 0, secs)
                lo = upto
    return starts


async def _agent_points(s: AsyncSession, a: datetime, b: datetime, pt: _Acc) -> None:
    for name, started, ended, violation in (await s.execute(
            select(AwayEpisode.username, AwayEpisode.started_at, AwayEpisode.ended_at, AwayEpisode.violation_at)
            .where(AwayEpisode.ended_at >= a, AwayEpisode.ended_at < b))).all():
        if ended is None:
            continue
        key = (floor15(ended), name)
        pt.add(key, _PI["away_seconds"], max(0.0, (utc(ended) - utc(started)).total_seconds()))
        if violation is not None:
            pt.add(key, _PI["away_violations"], 1)
    for name, at in (await s.execute(select(CallbackAttempt.agent_username, CallbackAttempt.started_at).where(
            CallbackAttempt.started_at >= a, CallbackAttempt.started_at < b))).all():
        pt.add((floor15(at), name), _PI["callbacks_done"], 1)
    for name, at in (await s.execute(select(Case.accepted_by, Case.accepted_at).where(
            Case.accepted_at >= a, Case.accepted_at < b))).all():
        pt.add((floor15(at), name), _PI["cases_accepted"], 1)


# the pass ----------------------------------------------------------------------------------------------------------
async def _one_at_a_time(s: AsyncSession) -> None:
    """Two rolls of the same buckets (the service's pass and ``callcenter reports rebuild``) never interleave: each
    takes the write lock first — PostgreSQL a transaction-scoped advisory lock, SQLite its database write lock, by
    writing before it reads (so no stale read snapshot has to be upgraded)."""
    if s.get_bind().dialect.name == "postgresql":
        await s.execute(text("SELECT pg_advisory_xact_lock(1702601)"))
    else:
        await s.execute(text("UPDATE report_rollup_marks SET name = name WHERE name = :n"), {"n": MARK})


async def sl_thresholds(s: AsyncSession) -> dict[str, int]:
    return {n: int(v) for n, v in (await s.execute(select(QueueDef.name, QueueDef.service_level_seconds))).all()}


async def roll(s: AsyncSession, a: datetime, b: datetime, *, full: bool = False) -> None:
    """Recompute the buckets from ``floor15(a)`` to ``ceil15(b)`` from the raw rows, inside ``s`` (not committed).
    ``full``: also the agents with no state change in the span (a past span; see :func:`_agent_states`)."""
    a, b = floor15(a), ceil15(b)
    await _one_at_a_time(s)
    sl = await sl_thresholds(s)

    def sl_of(queue: str) -> int:
        return sl.get(queue, 20)

    q, ivr, pt = _Acc(len(QCOLS)), _Acc(1), _Acc(len(PCOLS))
    cols = (Call.arrived_at, Call.queued_at, Call.answered_at, Call.taken_at, Call.ended_at)
    touching = or_(*[and_(c >= a, c < b) for c in cols])
    for c in (await s.execute(select(*_CALL_COLS).where(touching))).all():
        call_facts(c, sl_of, a, b, q, ivr, pt)
    st, pauses = _Acc(len(SCOLS)), _Acc(1)
    ended: list[tuple[str | None, datetime, datetime]] = []
    starts = await _agent_states(s, a, b, full, st, pauses, ended)
    await _wrapups(s, ended, q)
    await _agent_points(s, a, b, pt)

    # queues and the IVR: every row of the span replaced
    await s.execute(delete(QueueBucket).where(QueueBucket.bucket >= a, QueueBucket.bucket < b))
    await s.execute(delete(IvrBucket).where(IvrBucket.bucket >= a, IvrBucket.bucket < b))
    qrows = [{"bucket": k[0], "queue": k[1], "direction": k[2], **{c: (int(v[i]) if c in QUEUE_COUNTS else v[i])
                                                                  for i, c in enumerate(QCOLS)}}
             for k, v in q.rows.items()]
    if qrows:
        await s.execute(insert(QueueBucket), qrows)
    irows = [{"bucket": k[0], "node": k[1], "choice": k[2], "count": int(v[0])} for k, v in ivr.rows.items()]
    if irows:
        await s.execute(insert(IvrBucket), irows)

    # agents: the span for everyone; before it, an agent's state columns where a state that began earlier ended
    # in the span (their point columns there are kept as they are)
    kept: dict[tuple[datetime, str], list[float]] = {}
    for name, start in starts.items():
        if start >= a:
            continue
        old = (await s.execute(select(AgentBucket).where(AgentBucket.agent == name, AgentBucket.bucket >= start,
                                                         AgentBucket.bucket < a))).scalars().all()
        for r in old:
            kept[(utc(r.bucket), name)] = [float(getattr(r, c)) for c in PCOLS]
        await s.execute(delete(AgentBucket).where(AgentBucket.agent == name, AgentBucket.bucket >= start,
                                                  AgentBucket.bucket < a))
        await s.execute(delete(AgentPauseBucket).where(AgentPauseBucket.agent == name,
                                                       AgentPauseBucket.bucket >= start, AgentPauseBucket.bucket < a))
    await s.execute(delete(AgentBucket).where(AgentBucket.bucket >= a, AgentBucket.bucket < b))
    await s.execute(delete(AgentPauseBucket).where(AgentPauseBucket.bucket >= a, AgentPauseBucket.bucket < b))
    points = {**kept, **pt.rows}
    arows = []
    for key in {*st.rows, *points}:
        sv = st.rows.get(key, [0.0] * len(SCOLS))
        pv = points.get(key, [0.0] * len(PCOLS))
        if not any(sv) and not any(pv):
            continue
        row: dict[str, Any] = {"bucket": key[0], "agent": key[1]}
        for i, col in enumerate(SCOLS):
            row[col] = sv[i] if col in AGENT_STATE_SECONDS else int(sv[i])
        for i, col in enumerate(PCOLS):
            row[col] = pv[i] if col == "away_seconds" else int(pv[i])
        arows.append(row)
    if arows:
        await s.execute(insert(AgentBucket), arows)
    prows = [{"bucket": k[0], "agent": k[1], "reason": k[2], "seconds": v[0]} for k, v in pauses.rows.items()]
    if prows:
        await s.execute(insert(AgentPauseBucket), prows)


async def get_mark(s: AsyncSession) -> datetime | None:
    row = await s.get(RollupMark, MARK)
    return utc(row.at) if row is not None else None


async def set_mark(s: AsyncSession, at: datetime) -> None:
    row = await s.get(RollupMark, MARK)
    if row is None:
        s.add(RollupMark(name=MARK, at=at))
    elif utc(row.at) < at:
        row.at = at


async def earliest_fact(s: AsyncSession) -> datetime | None:
    times = [(await s.execute(select(func.min(Call.arrived_at)))).scalar(),
             (await s.execute(select(func.min(Call.queued_at)))).scalar(),
             (await s.execute(select(func.min(AgentStateLog.at)))).scalar()]
    known = [utc(t) for t in times if t is not None]
    return min(known) if known else None


async def roll_span(sessions: async_sessionmaker[AsyncSession], a: datetime, b: datetime, *, full: bool,
                    mark: datetime | None = None) -> int:
    """Roll ``[a, b)`` a day at a time, one transaction each; ``mark``: the high-water mark to store with the last
    one. Returns the number of chunks."""
    a, end = floor15(a), ceil15(b)
    n = 0
    while True:
        upto = min(end, a + CHUNK)
        async with sessions() as s:
            await roll(s, a, upto, full=full)
            if mark is not None and upto >= end:
                await set_mark(s, mark)
            await s.commit()
        n += 1
        if upto >= end:
            return n
        a = upto


class Rollups:
    """The rollups kept as data is written. The call tracker's watcher and the ACD's listener only note the time of
    the newest fact (never wait); a background pass every ``tick_seconds`` waits for the call and state writers to
    have stored what was added so far, then rolls the buckets from the previous pass's (or the earliest noted
    fact's) bucket to now, in one transaction with the high-water mark."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Any,
                 flush: Callable[[], Awaitable[None]], tick_seconds: float = 10.0) -> None:
        self.sessions = sessions
        self.clock = clock
        self.flush = flush
        self.tick_seconds = tick_seconds
        self._from: datetime | None = None  # the start of the next pass (the previous pass's end)
        self._dirty: datetime | None = None  # the earliest fact noted since the previous pass
        self._task: Any = None
        self.repaired = False  # the repair at start has run (:meth:`repair`)
        self.passes = 0
        self.failures = 0

    def _note(self, t: datetime | None) -> None:
        if t is not None:
            t = utc(t)
            self._dirty = t if self._dirty is None or t < self._dirty else self._dirty

    def on_call(self, st: Any) -> None:
        """A tracked call changed (``CallTracker.watch``): its newest fact is what changed."""
        times = [t for t in (st.ended_at, st.answered_at, getattr(st, "taken_at", None), st.queued_at,
                             st.arrived_at) if t is not None]
        self._note(max(times) if times else self.clock.now())

    async def on_agent(self, a: Any, prev: str, ev: dict[str, Any]) -> None:
        """An agent's state changed (``AgentService.listen``)."""
        self._note(a.since or self.clock.now())

    async def tick(self) -> None:
        """One pass (what the task runs; tests call it)."""
        await self.flush()
        now = self.clock.now()
        start = self._from or now
        if self._dirty is not None and self._dirty < start:
            start = self._dirty
        dirty_before = self._dirty
        async with self.sessions() as s:
            await roll(s, start, now)
            await set_mark(s, now)
            await s.commit()
        self._from = now
        if self._dirty == dirty_before:
            self._dirty = None
        self.passes += 1

    async def repair(self) -> int:
        """At start: the buckets after the stored high-water mark (a crash lost the passes since) re-rolled from
        the raw rows; with no mark (a database that had no rollups) every stored fact rolled up. Returns the
        chunks rolled."""
        now = self.clock.now()
        async with self.sessions() as s:
            mark = await get_mark(s)
            first = await earliest_fact(s) if mark is None else None
        if mark is None and first is None:
            async with self.sessions() as s:
                await set_mark(s, now)
                await s.commit()
            self._from = now
            self.repaired = True
            return 0
        start = floor15(mark) - timedelta(seconds=BUCKET_SECONDS) if mark is not None else floor15(first or now)
        n = await roll_span(self.sessions, start, now, full=mark is None, mark=now)
        self._from = now
        self.repaired = True
        log.info("reports: rollups repaired from %s (%d chunk(s))", start.isoformat(), n)
        return n

    async def rebuild(self, a: datetime, b: datetime) -> int:
        """Every bucket of ``[a, b)`` recomputed from the raw rows (``callcenter reports rebuild``)."""
        return await roll_span(self.sessions, a, b, full=True)

    def start(self) -> None:
        import asyncio

        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="report-rollups")

    async def _run(self) -> None:
        """First the repair (in this task, so a start never waits for a long catch-up — a database upgraded with a
        year of calls and no rollups yet is rolled up a day per transaction while the service already runs), then a
        pass every ``tick_seconds``."""
        import asyncio

        while not self.repaired:
            try:
                await self.repair()
            except Exception:
                self.failures += 1
                log.exception("reports: rollup repair failed; tried again in %gs", self.tick_seconds)
                await asyncio.sleep(self.tick_seconds)
        while True:
            await asyncio.sleep(self.tick_seconds)
            try:
                await self.tick()
            except Exception:  # the next pass starts from the same place (nothing is lost, only later)
                self.failures += 1
                log.exception("reports: rollup pass failed; retried at the next one")

    async def stop(self) -> None:
        import asyncio
        import contextlib

        task, self._task = self._task, None
        if task is None:
            return  # never started (a start that failed early): nothing of this run to roll up
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        if not self.repaired:
            return  # stopped during the repair: the next start repairs from the same mark
        try:
            await self.tick()  # what the last seconds added
        except Exception:
            log.exception("reports: last rollup pass failed; repaired at the next start")
