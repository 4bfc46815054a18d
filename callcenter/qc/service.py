"""QC rules: the monthly draw and hand-picks, the work queue (assign/claim/release), evaluations (locked once
submitted; corrected only as new versions with a reason), the agent's acknowledgement or dispute, notes.

Every change is written to the audit log (``qc.*``). Times come from the injected clock; months and weeks are
the centre's (``settings.timezone``).
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.clock import Clock
from callcenter.errors import DomainError
from callcenter.qc import reports
from callcenter.qc.errors import (
    ALREADY_RESPONDED,
    BAD_MIN_TALK,
    BAD_PER_AGENT,
    BAD_POOR_SURVEY_MAX,
    BAD_SEED,
    BAD_SURVEY_SCORE,
    BAD_WEIGHT,
    CALL_IN_SAMPLE,
    CALL_IN_SAMPLE_RACE,
    CALL_NO_RECORDING,
    CALL_NOT_ANSWERED,
    CALL_NOT_ENDED,
    CALL_NOT_FOUND,
    CLAIM_FIRST,
    CORRECTION_NEEDS_REASON,
    CORRECTION_NOT_ALLOWED,
    DISPUTE_NEEDS_COMMENT,
    DRAW_NOT_FOUND,
    EVALUATION_CHANGED,
    EVALUATION_NOT_FOUND,
    FORM_NAME_LENGTH,
    FORM_NOT_FOUND,
    FORM_RETIRED,
    FORM_VERSION_RACE,
    MONTH_DRAWN,
    MONTH_NOT_STARTED,
    NEEDS_ROLE,
    NOT_QC_USER,
    NOTE_EMPTY,
    NOTE_NEGATIVE_TIME,
    NOTE_PAST_END,
    RELEASE_NOT_OWN,
    RESPONSE_NOT_AGENT,
    SAMPLE_CHANGED,
    SAMPLE_CLAIMED,
    SAMPLE_CLAIMED_BY_OTHER,
    SAMPLE_NOT_CLAIMED,
    SAMPLE_NOT_FOUND,
    SAMPLE_SCORED,
    SAMPLE_SCORED_ASSIGN,
    SAMPLE_SCORED_RACE,
    SCORE_LOCKED,
    UNKNOWN_SAMPLE_STATUS,
)
from callcenter.qc.forms import score, validate_criteria
from callcenter.qc.models import (
    SAMPLE_STATUSES,
    QcDraw,
    QcEvaluation,
    QcEvaluationVersion,
    QcNote,
    QcSample,
    QcTemplate,
)
from callcenter.qc.repository import QcRepository
from callcenter.qc.sampling import (
    Candidate,
    Policy,
    candidates,
    fingerprint,
    month_bounds,
    month_of,
    parse_month,
    select_sample,
    week_of,
)

Audit = Callable[[str, str, str, dict[str, Any] | None], Awaitable[None]]
LEADS = frozenset({"supervisor", "admin"})
QC_ROLES = frozenset({"qc", "supervisor", "admin"})
MAX_SEED = 2**63 - 1


@dataclass(frozen=True)
class Actor:
    username: str
    roles: frozenset[str]

    @classmethod
    def of(cls, user: Any) -> Actor:
        return cls(user.username, frozenset(user.roles))

    def has(self, roles: Iterable[str]) -> bool:
        return bool(self.roles & set(roles))


def iso(dt: datetime | None) -> str | None:
    return None if dt is None else dt.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _require(actor: Actor, roles: Iterable[str], what: str) -> None:
    roles = frozenset(roles)
    if not actor.has(roles):
        raise NEEDS_ROLE({"what": what, "roles": ' or '.join(sorted(roles))}, needed=sorted(roles))


def template_out(t: QcTemplate) -> dict[str, Any]:
    return {"id": t.id, "name": t.name, "version": t.version, "criteria": t.criteria, "active": t.active,
            "is_default": t.is_default, "created_by": t.created_by, "created_at": iso(t.created_at)}


def sample_out(x: QcSample, evaluation_id: int | None = None) -> dict[str, Any]:
    return {"id": x.id, "month": x.month, "call_uniqueid": x.call_uniqueid, "agent": x.agent, "draw_id": x.draw_id,
            "week": x.week, "weight": x.weight, "hand_picked": x.hand_picked, "picked_by": x.picked_by,
            "reason": x.reason, "status": x.status, "assignee": x.assignee, "assigned_by": x.assigned_by,
            "assigned_at": iso(x.assigned_at), "created_at": iso(x.created_at), "evaluation_id": evaluation_id}


def version_out(v: QcEvaluationVersion) -> dict[str, Any]:
    return {"version": v.version, "scores": v.scores, "comments": v.comments, "summary": v.summary,
            "points": v.points, "total": v.total, "grade": v.grade, "reason": v.reason, "by": v.created_by,
            "at": iso(v.created_at), "agent_response": v.agent_response, "agent_comment": v.agent_comment,
            "agent_responded_at": iso(v.agent_responded_at)}


def evaluation_out(e: QcEvaluation, versions: list[QcEvaluationVersion]) -> dict[str, Any]:
    versions = sorted(versions, key=lambda v: v.version)
    cur = next(v for v in versions if v.version == e.current_version)
    return {"id": e.id, "sample_id": e.sample_id, "template_id": e.template_id, "agent": e.agent,
            "evaluator": e.evaluator, "status": e.status, "submitted_at": iso(e.submitted_at),
            "current_version": e.current_version, "scores": cur.scores, "comments": cur.comments,
            "summary": cur.summary, "points": cur.points, "total": cur.total, "grade": cur.grade,
            "agent_response": cur.agent_response, "agent_comment": cur.agent_comment,
            "agent_responded_at": iso(cur.agent_responded_at), "versions": [version_out(v) for v in versions]}


def note_out(n: QcNote) -> dict[str, Any]:
    return {"id": n.id, "at_seconds": n.at_seconds, "text": n.text, "author": n.author,
            "created_at": iso(n.created_at)}


class QcService:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock, timezone: str, *,
                 audit: Audit) -> None:
        self.repo = QcRepository(sessions, clock)
        self.clock = clock
        self.tz = timezone
        self.audit = audit

    # templates ---------------------------------------------------------------------------------------------
    async def templates(self) -> list[dict[str, Any]]:
        async with self.repo.session() as s:
            await self.repo.default_template(s)
            return [template_out(t) for t in await self.repo.templates(s)]

    async def create_template(self, actor: Actor, name: str, criteria: Any, is_default: bool = False
                              ) -> dict[str, Any]:
        """A new form, or a new version of the form called ``name`` (the older versions become inactive; a new
        version of the default form stays the default)."""
        _require(actor, ("qc", "admin"), "creating a QC form")
        name = (name or "").strip()
        if not name or len(name) > 100:
            raise FORM_NAME_LENGTH(field="name")
        crit = validate_criteria(criteria)
        async with self.repo.session() as s:
            await self.repo.default_template(s)
            older = await self.repo.templates_named(s, name)
            version = max((t.version for t in older), default=0) + 1
            make_default = is_default or any(t.is_default for t in older)
            if make_default:
                await self.repo.clear_default(s)
            for t in older:
                t.active = False
            t = QcTemplate(name=name, version=version, criteria=crit, active=True, is_default=make_default,
                           created_by=actor.username, created_at=self.clock.now())
            s.add(t)
            try:
                await s.commit()
            except IntegrityError as e:
                raise FORM_VERSION_RACE({"version": version}, name=name) from e
        await self.audit(actor.username, "qc.template", f"qc_template:{t.id}",
                         {"name": name, "version": version, "is_default": make_default})
        return template_out(t)

    async def _template(self, s: AsyncSession, template_id: int | None) -> QcTemplate:
        if template_id is None:
            return await self.repo.default_template(s)
        t = await self.repo.template(s, template_id)
        if t is None:
            raise FORM_NOT_FOUND({"template_id": template_id}, field="template_id")
        if not t.active:
            raise FORM_RETIRED({"name": t.name, "version": t.version}, field="template_id")
        return t

    # the monthly draw --------------------------------------------------------------------------------------
    async def draw(self, actor: Actor, month: str, policy: Policy, seed: int | None = None) -> dict[str, Any]:
        _require(actor, QC_ROLES, "drawing the QC sample")
        _check_policy(policy)
        start, _ = month_bounds(month, self.tz)
        if start > self.clock.now():
            raise MONTH_NOT_STARTED({"month": month}, field="month")
        if seed is None:
            seed = random.SystemRandom().getrandbits(63)
        elif not 0 <= seed <= MAX_SEED:
            raise BAD_SEED(field="seed")
        async with self.repo.session() as s:
            prev = await self.repo.draw_of_month(s, month)
            if prev is not None:
                raise _drawn(prev)
            cands = await candidates(s, month, policy, self.tz)
            picks = select_sample(cands, policy.per_agent, seed)
            counts = Counter(c.agent for c in cands)
            d = QcDraw(month=month, seed=seed, policy=policy.as_json(self.tz), drawn_by=actor.username,
                       drawn_at=self.clock.now(), candidate_count=len(cands), agent_candidates=dict(sorted(
                           counts.items())), fingerprint=fingerprint(cands))
            s.add(d)
            try:
                await s.flush()
            except IntegrityError as e:
                await s.rollback()
                async with self.repo.session() as s2:
                    prev = await self.repo.draw_of_month(s2, month)
                assert prev is not None  # the unique month refused ours: the other draw is there
                raise _drawn(prev) from e
            already = {x.call_uniqueid: x for x in await self.repo.samples_of_month(s, month)}
            now = self.clock.now()
            for c in picks:
                if c.uniqueid in already:  # hand-picked before the draw: now drawn too
                    already[c.uniqueid].draw_id = d.id
                    continue
                s.add(_sample_of(c, month, now, draw_id=d.id))
            await s.commit()
            samples = await self.repo.samples_of_draw(s, d.id)
        short = {a: n for a, n in sorted(counts.items()) if n < policy.per_agent}
        await self.audit(actor.username, "qc.draw", f"qc_draw:{d.id}",
                         {"month": month, "seed": seed, "policy": d.policy, "candidates": len(cands),
                          "samples": len(samples)})
        return {**_draw_out(d), "short": short, "samples": [sample_out(x) for x in samples]}

    async def draws(self, month: str | None = None) -> list[dict[str, Any]]:
        if month is not None:
            parse_month(month)
        async with self.repo.session() as s:
            return [_draw_out(d) for d in await self.repo.draws(s, month)]

    async def rerun_draw(self, draw_id: int) -> dict[str, Any]:
        """Re-run a stored draw's selection from its seed and policy on today's data; ``matches`` tells whether it
        gives the stored sample, ``candidates_unchanged`` whether the candidate calls are still the same."""
        async with self.repo.session() as s:
            d = await self.repo.draw(s, draw_id)
            if d is None:
                raise DRAW_NOT_FOUND({"draw_id": draw_id})
            policy = Policy.from_json(d.policy)
            cands = await candidates(s, d.month, policy, d.policy["timezone"])
            stored = await self.repo.drawn_calls(s, d.id)
        rerun = [c.uniqueid for c in select_sample(cands, policy.per_agent, d.seed)]
        return {"draw_id": d.id, "month": d.month, "seed": d.seed, "matches": sorted(stored) == sorted(rerun),
                "candidates_unchanged": fingerprint(cands) == d.fingerprint, "stored": sorted(stored),
                "rerun": sorted(rerun)}

    async def hand_pick(self, actor: Actor, call_uniqueid: str, reason: str) -> dict[str, Any]:
        _require(actor, QC_ROLES, "hand-picking a call")
        async with self.repo.session() as s:
            call = await self.repo.call(s, call_uniqueid)
            if call is None:
                raise CALL_NOT_FOUND({"call_uniqueid": call_uniqueid}, field="call_uniqueid")
            rec = await self.repo.recording(s, call_uniqueid)
            if rec is None or rec.status != "ok":
                why = "no recording" if rec is None else f"its recording is {rec.status}"
                raise CALL_NO_RECORDING({"call_uniqueid": call_uniqueid, "why": why}, field="call_uniqueid")
            agent = rec.agent_username or call.agent_name
            if call.answered_at is None or not agent:
                raise CALL_NOT_ANSWERED({"call_uniqueid": call_uniqueid}, field="call_uniqueid")
            month = month_of(call.answered_at, self.tz)
            dup = await self.repo.sample_of_call(s, month, call_uniqueid)
            if dup is not None:
                raise CALL_IN_SAMPLE({"call_uniqueid": call_uniqueid, "month": month}, sample_id=dup.id)
            c = Candidate(call_uniqueid, agent, call.answered_at, week_of(call.answered_at, self.tz), 1.0)
            x = _sample_of(c, month, self.clock.now(), draw_id=None)
            x.hand_picked, x.picked_by, x.reason = True, actor.username, reason.strip()
            s.add(x)
            try:
                await s.commit()
            except IntegrityError as e:
                raise CALL_IN_SAMPLE_RACE({"call_uniqueid": call_uniqueid, "month": month}) from e
        await self.audit(actor.username, "qc.handpick", f"qc_sample:{x.id}",
                         {"call": call_uniqueid, "month": month, "agent": agent, "reason": x.reason})
        return sample_out(x)

    # the work queue ----------------------------------------------------------------------------------------
    async def samples(self, *, month: str | None = None, status: str | None = None, agent: str | None = None,
                      assignee: str | None = None, limit: int = 500, offset: int = 0) -> dict[str, Any]:
        if month is not None:
            parse_month(month)
        if status is not None and status not in SAMPLE_STATUSES:
            raise UNKNOWN_SAMPLE_STATUS({"sample_statuses": ', '.join(SAMPLE_STATUSES)}, field="status")
        async with self.repo.session() as s:
            total, rows = await self.repo.sample_page(s, month=month, status=status, agent=agent,
                                                      assignee=assignee, limit=limit, offset=offset)
        # the list shows the talk time and, once scored, the current version's total and grade
        items = [{**sample_out(x, eid), "answered_at": iso(at), "queue": q, "talk_seconds": talk,
                  "evaluation": None if eid is None else {"id": eid, "status": est, "total": total, "grade": grade}}
                 for x, eid, at, q, talk, est, total, grade in rows]
        return {"total": total, "limit": limit, "offset": offset, "items": items}

    async def _sample(self, s: AsyncSession, sample_id: int) -> QcSample:
        x = await self.repo.sample(s, sample_id)
        if x is None:
            raise SAMPLE_NOT_FOUND({"sample_id": sample_id})
        return x

    async def assign(self, actor: Actor, sample_id: int, username: str) -> dict[str, Any]:
        _require(actor, LEADS, "assigning QC work")
        async with self.repo.session() as s:
            u = await self.repo.user(s, username)
            if u is None or not u.active or "qc" not in (u.roles or []):
                raise NOT_QC_USER({"username": username}, field="username")
            x = await self._sample(s, sample_id)
            if x.status == "scored":
                raise SAMPLE_SCORED_ASSIGN({"sample_id": sample_id})
            before = x.assignee
            x.assignee, x.assigned_by, x.assigned_at = username, actor.username, self.clock.now()
            if x.status == "open":
                x.status = "claimed"
            await s.commit()
        await self.audit(actor.username, "qc.assign", f"qc_sample:{sample_id}", {"to": username, "from": before})
        return sample_out(x)

    async def claim(self, actor: Actor, sample_id: int) -> dict[str, Any]:
        _require(actor, ("qc",), "claiming a QC sample")
        now = self.clock.now()
        async with self.repo.session() as s:
            claimed = await self.repo.claim(s, sample_id, actor.username, now)
            await s.commit()
            x = await self._sample(s, sample_id)
            await s.refresh(x)
        if claimed == 0:
            if x.assignee == actor.username and x.status != "scored":
                return sample_out(x)  # claimed already by this user
            if x.status == "scored":
                raise SAMPLE_SCORED({"sample_id": sample_id})
            raise SAMPLE_CLAIMED({"sample_id": sample_id}, assignee=x.assignee)
        await self.audit(actor.username, "qc.claim", f"qc_sample:{sample_id}", None)
        return sample_out(x)

    async def release(self, actor: Actor, sample_id: int) -> dict[str, Any]:
        async with self.repo.session() as s:
            x = await self._sample(s, sample_id)
            if x.assignee is None:
                raise SAMPLE_NOT_CLAIMED({"sample_id": sample_id})
            if x.assignee != actor.username and not actor.has(LEADS):
                raise RELEASE_NOT_OWN({"sample_id": sample_id, "assignee": x.assignee})
            if x.status == "scored":
                raise SAMPLE_SCORED({"sample_id": sample_id})
            released = await self.repo.release(s, sample_id, x.assignee, x.status)
            await s.commit()
            if released == 0:
                raise SAMPLE_CHANGED({"sample_id": sample_id})
            was = x.assignee
            await s.refresh(x)
        await self.audit(actor.username, "qc.release", f"qc_sample:{sample_id}", {"was": was})
        return sample_out(x)

    async def add_note(self, actor: Actor, sample_id: int, at_seconds: float, text: str) -> dict[str, Any]:
        _require(actor, QC_ROLES, "writing a QC note")
        text = (text or "").strip()
        if not text:
            raise NOTE_EMPTY(field="text")
        if at_seconds < 0:
            raise NOTE_NEGATIVE_TIME(field="at_seconds")
        async with self.repo.session() as s:
            x = await self._sample(s, sample_id)
            dur = await self.repo.recording_duration(s, x.call_uniqueid)
            if dur is not None and at_seconds > dur:
                raise NOTE_PAST_END({"at_seconds": at_seconds, "dur": dur}, field="at_seconds")
            n = QcNote(sample_id=sample_id, at_seconds=at_seconds, text=text, author=actor.username,
                       created_at=self.clock.now())
            s.add(n)
            await s.commit()
        await self.audit(actor.username, "qc.note", f"qc_sample:{sample_id}", {"at_seconds": at_seconds})
        return note_out(n)

    async def sample_detail(self, sample_id: int) -> dict[str, Any]:
        async with self.repo.session() as s:
            x = await self._sample(s, sample_id)
            ev = await self.repo.evaluation_of_sample(s, sample_id)
            out = sample_out(x, ev.id if ev else None)
            out.update(await self._call_parts(s, x))
            if ev is not None:
                out["evaluation"] = evaluation_out(ev, await self.repo.versions(s, ev.id))
                t = await self.repo.template(s, ev.template_id)
            else:
                out["evaluation"] = None
                t = await self.repo.default_template(s)
            out["template"] = template_out(t) if t else None
            return out

    async def _call_parts(self, s: AsyncSession, x: QcSample) -> dict[str, Any]:
        rec = await self.repo.recording(s, x.call_uniqueid)
        call = await self.repo.call(s, x.call_uniqueid)
        notes = await self.repo.notes(s, x.id)
        return {
            "recording": None if rec is None else {"id": rec.id, "duration_seconds": rec.duration_seconds,
                                                   "format": rec.format, "status": rec.status},
            "call": None if call is None else {"queue": call.queue, "answered_at": iso(call.answered_at),
                                               "talk_seconds": call.talk_seconds,
                                               "caller_number": call.caller_number},
            "notes": [note_out(n) for n in notes],
        }

    # evaluations -------------------------------------------------------------------------------------------
    async def submit(self, actor: Actor, sample_id: int, *, template_id: int | None, scores: Any,
                     comments: dict[str, str] | None = None, summary: str = "") -> dict[str, Any]:
        """Score a sample: version 1 of its evaluation, locked at once (status submitted; the sample is scored)."""
        _require(actor, QC_ROLES, "scoring a QC sample")
        comments = comments or {}
        async with self.repo.session() as s:
            x = await self._sample(s, sample_id)
            ev = await self.repo.evaluation_id_of_sample(s, sample_id)
            if ev is not None:
                raise SCORE_LOCKED({"sample_id": sample_id}, evaluation_id=ev)
            if not actor.has(LEADS):
                if x.assignee is None:
                    raise CLAIM_FIRST({"sample_id": sample_id})
                if x.assignee != actor.username:
                    raise SAMPLE_CLAIMED_BY_OTHER({"sample_id": sample_id}, assignee=x.assignee)
            t = await self._template(s, template_id)
            r = score(t.criteria, scores, comments)
            now = self.clock.now()
            e = QcEvaluation(sample_id=sample_id, template_id=t.id, agent=x.agent, evaluator=actor.username,
                             status="submitted", current_version=1, submitted_at=now)
            s.add(e)
            try:
                await s.flush()
            except IntegrityError as err:
                raise SAMPLE_SCORED_RACE({"sample_id": sample_id}) from err
            v = QcEvaluationVersion(evaluation_id=e.id, version=1, scores=scores, comments=comments,
                                    summary=summary.strip(), points=r.points, total=r.total, grade=r.grade,
                                    reason="", created_by=actor.username, created_at=now)
            s.add(v)
            x.status = "scored"
            if x.assignee is None:
                x.assignee, x.assigned_by, x.assigned_at = actor.username, actor.username, now
            try:
                await s.commit()
            except IntegrityError as err:
                raise SAMPLE_SCORED_RACE({"sample_id": sample_id}) from err
        await self.audit(actor.username, "qc.submit", f"qc_evaluation:{e.id}",
                         {"sample": sample_id, "agent": x.agent, "total": r.total, "grade": r.grade})
        return evaluation_out(e, [v])

    async def correct(self, actor: Actor, evaluation_id: int, *, scores: Any, comments: dict[str, str] | None,
                      summary: str, reason: str) -> dict[str, Any]:
        """A new version of a locked evaluation (the earlier ones are kept); status ``corrected``."""
        _require(actor, QC_ROLES, "correcting a QC evaluation")
        reason = (reason or "").strip()
        if not reason:
            raise CORRECTION_NEEDS_REASON(field="reason")
        comments = comments or {}
        async with self.repo.session() as s:
            e = await self.repo.evaluation(s, evaluation_id)
            if e is None:
                raise EVALUATION_NOT_FOUND({"evaluation_id": evaluation_id})
            x = await self._sample(s, e.sample_id)
            if not actor.has(LEADS) and actor.username not in (e.evaluator, x.assignee):
                raise CORRECTION_NOT_ALLOWED({"evaluation_id": evaluation_id, "evaluator": e.evaluator})
            t = await self.repo.template(s, e.template_id)
            assert t is not None
            r = score(t.criteria, scores, comments)
            old = e.current_version
            prev = next(v for v in await self.repo.versions(s, e.id) if v.version == old)
            now = self.clock.now()
            if await self.repo.next_version(s, e.id, old) == 0:
                raise EVALUATION_CHANGED({"evaluation_id": evaluation_id})
            s.add(QcEvaluationVersion(evaluation_id=e.id, version=old + 1, scores=scores, comments=comments,
                                      summary=summary.strip(), points=r.points, total=r.total, grade=r.grade,
                                      reason=reason, created_by=actor.username, created_at=now))
            x.status = "scored"
            try:
                await s.commit()
            except IntegrityError as err:
                raise EVALUATION_CHANGED({"evaluation_id": evaluation_id}) from err
            await s.refresh(e)
            out = evaluation_out(e, await self.repo.versions(s, e.id))
        await self.audit(actor.username, "qc.correct", f"qc_evaluation:{e.id}",
                         {"version": old + 1, "reason": reason, "total": r.total, "previous_total": prev.total})
        return out

    async def respond(self, actor: Actor, evaluation_id: int, response: str, comment: str = "") -> dict[str, Any]:
        """The evaluated agent acknowledges or disputes the current version (once per version). A dispute puts the
        sample back in QC's work queue (status disputed)."""
        assert response in ("acknowledged", "disputed")
        comment = (comment or "").strip()
        if response == "disputed" and not comment:
            raise DISPUTE_NEEDS_COMMENT(field="comment")
        async with self.repo.session() as s:
            e = await self.repo.evaluation(s, evaluation_id)
            if e is None:
                raise EVALUATION_NOT_FOUND({"evaluation_id": evaluation_id})
            if e.agent != actor.username:
                raise RESPONSE_NOT_AGENT({"agent": e.agent, "evaluation_id": evaluation_id})
            now = self.clock.now()
            if await self.repo.record_response(s, e.id, e.current_version, response, comment, now) == 0:
                cur = next(v for v in await self.repo.versions(s, e.id) if v.version == e.current_version)
                raise ALREADY_RESPONDED({"current_version": e.current_version, "evaluation_id": evaluation_id},
                                        agent_response=cur.agent_response)
            e.status = response
            if response == "disputed":  # back in QC's work queue, for any inspector to claim
                x = await self._sample(s, e.sample_id)
                x.status, x.assignee, x.assigned_by, x.assigned_at = "disputed", None, None, None
            await s.commit()
            await s.refresh(e)
            out = evaluation_out(e, await self.repo.versions(s, e.id))
        action = "qc.acknowledge" if response == "acknowledged" else "qc.dispute"
        await self.audit(actor.username, action, f"qc_evaluation:{evaluation_id}",
                         {"version": e.current_version, "comment": comment})
        return out

    async def mine(self, actor: Actor) -> list[dict[str, Any]]:
        """The agent's own evaluations (all are submitted: there are no drafts), newest first."""
        async with self.repo.session() as s:
            out = []
            for e, x in await self.repo.evaluations_of(s, actor.username):
                parts = await self._call_parts(s, x)
                t = await self.repo.template(s, e.template_id)
                out.append({**evaluation_out(e, await self.repo.versions(s, e.id)), "month": x.month,
                            "call_uniqueid": x.call_uniqueid,
                            "recording_id": parts["recording"]["id"] if parts["recording"] else None,
                            "call": {k: v for k, v in (parts["call"] or {}).items() if k != "caller_number"},
                            "notes": parts["notes"],
                            "template": template_out(t) if t else None})
            return out

    async def agent_may_play(self, username: str, call_uniqueid: str) -> bool:
        """True only when the call has a submitted evaluation of ``username`` (an agent plays only their own
        scored calls)."""
        async with self.repo.session() as s:
            return await self.repo.is_evaluated(s, username, call_uniqueid)

    async def set_survey(self, actor: Actor, call_uniqueid: str, score_: int) -> dict[str, Any]:
        _require(actor, LEADS, "storing a survey result")
        if isinstance(score_, bool) or not isinstance(score_, int) or not 1 <= score_ <= 5:
            raise BAD_SURVEY_SCORE(field="score")
        async with self.repo.session() as s:
            call = await self.repo.call(s, call_uniqueid)
            if call is None:
                raise CALL_NOT_FOUND({"call_uniqueid": call_uniqueid}, field="call_uniqueid")
            if call.ended_at is None:
                # the call tracker still writes this row until the call ends
                raise CALL_NOT_ENDED({"call_uniqueid": call_uniqueid})
            before = call.survey_score
            call.survey_score = score_
            await s.commit()
        await self.audit(actor.username, "qc.survey", f"call:{call_uniqueid}", {"score": score_, "previous": before})
        return {"call_uniqueid": call_uniqueid, "survey_score": score_}

    # reports -----------------------------------------------------------------------------------------------
    async def agents_report(self, month: str) -> dict[str, Any]:
        parse_month(month)
        async with self.repo.session() as s:
            return await reports.agents_report(s, month)

    async def weekly_report(self, week_start: date) -> dict[str, Any]:
        async with self.repo.session() as s:
            return await reports.weekly_report(s, week_start, self.tz)


def _check_policy(p: Policy) -> None:
    if isinstance(p.per_agent, bool) or not isinstance(p.per_agent, int) or not 1 <= p.per_agent <= 5:
        raise BAD_PER_AGENT(field="per_agent")
    if not 0 <= p.min_talk_seconds <= 36_000:
        raise BAD_MIN_TALK(field="min_talk_seconds")
    for f in ("weight_complaints", "weight_poor_survey"):
        if not 0 <= getattr(p, f) <= 1000:
            raise BAD_WEIGHT(field=f)
    if not 1 <= p.poor_survey_max <= 5:
        raise BAD_POOR_SURVEY_MAX(field="poor_survey_max")


def _drawn(d: QcDraw) -> DomainError:  # a Conflict (MONTH_DRAWN's kind)
    return MONTH_DRAWN({"drawn_by": d.drawn_by, "drawn_at": iso(d.drawn_at)}, draw_id=d.id, month=d.month)


def _draw_out(d: QcDraw) -> dict[str, Any]:
    return {"id": d.id, "month": d.month, "seed": d.seed, "policy": d.policy, "drawn_by": d.drawn_by,
            "drawn_at": iso(d.drawn_at), "candidate_count": d.candidate_count,
            "agent_candidates": d.agent_candidates}


def _sample_of(c: Candidate, month: str, now: datetime, draw_id: int | None) -> QcSample:
    return QcSample(month=month, call_uniqueid=c.uniqueid, agent=c.agent, draw_id=draw_id, week=c.week,
                    weight=c.weight, hand_picked=False, picked_by=None, reason="", status="open", created_at=now)
