"""Evaluations: a sample scored on a form (version 1, locked once submitted), corrected only as a new version with a
reason. Every submission and correction is audited."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError

from callcenter.clock import Clock
from callcenter.qc.access import LEADS, QC_ROLES, Actor, Audit, require
from callcenter.qc.errors import (
    CLAIM_FIRST,
    CORRECTION_NEEDS_REASON,
    CORRECTION_NOT_ALLOWED,
    EVALUATION_CHANGED,
    EVALUATION_NOT_FOUND,
    SAMPLE_CLAIMED_BY_OTHER,
    SAMPLE_SCORED_RACE,
    SCORE_LOCKED,
)
from callcenter.qc.forms import score
from callcenter.qc.models import QcEvaluation, QcEvaluationVersion
from callcenter.qc.repository import QcRepository
from callcenter.qc.templates import QcForms
from callcenter.qc.views import evaluation_out, load_sample


class QcEvaluations:
    def __init__(self, repo: QcRepository, clock: Clock, audit: Audit, forms: QcForms) -> None:
        self.repo = repo
        self.clock = clock
        self.audit = audit
        self.forms = forms

    async def submit(self, actor: Actor, sample_id: int, *, template_id: int | None, scores: Any,
                     comments: dict[str, str] | None = None, summary: str = "") -> dict[str, Any]:
        """Score a sample: version 1 of its evaluation, locked at once (status submitted; the sample is scored)."""
        require(actor, QC_ROLES, "scoring a QC sample")
        comments = comments or {}
        async with self.repo.session() as s:
            x = await load_sample(self.repo, s, sample_id)
            ev = await self.repo.evaluation_id_of_sample(s, sample_id)
            if ev is not None:
                raise SCORE_LOCKED({"sample_id": sample_id}, evaluation_id=ev)
            if not actor.has(LEADS):
                if x.assignee is None:
                    raise CLAIM_FIRST({"sample_id": sample_id})
                if x.assignee != actor.username:
                    raise SAMPLE_CLAIMED_BY_OTHER({"sample_id": sample_id}, assignee=x.assignee)
            t = await self.forms.active(s, template_id)
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
        require(actor, QC_ROLES, "correcting a QC evaluation")
        reason = (reason or "").strip()
        if not reason:
            raise CORRECTION_NEEDS_REASON(field="reason")
        comments = comments or {}
        async with self.repo.session() as s:
            e = await self.repo.evaluation(s, evaluation_id)
            if e is None:
                raise EVALUATION_NOT_FOUND({"evaluation_id": evaluation_id})
            x = await load_sample(self.repo, s, e.sample_id)
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
