"""Storage for QC: draws, samples (the work queue), forms, evaluations with their versions, notes, and the call,
recording and user rows QC reads.

The service holds the rules and opens the session (its transaction: several of its rules sit between two
statements of one unit of work); every method here takes that session, runs its statements and never commits,
except :meth:`QcRepository.default_template`, which commits the default form the moment it seeds it.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import and_, case, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.auth.models import User
from callcenter.calls.models import Call
from callcenter.clock import Clock
from callcenter.customers.models import ServiceRecord
from callcenter.db import rows_affected
from callcenter.qc.forms import DEFAULT_CRITERIA, DEFAULT_TEMPLATE_NAME
from callcenter.qc.models import QcDraw, QcEvaluation, QcEvaluationVersion, QcNote, QcSample, QcTemplate
from callcenter.recordings.models import Recording
from callcenter.surveys.models import POINTS, Survey

# a sample in the work queue: the sample, its evaluation's id, the call's answer time, queue and talk time, and
# (once scored) the evaluation's status and its current version's total and grade
SampleRow = tuple[QcSample, int | None, datetime | None, str | None, float | None, str | None, float | None,
                  str | None]



class SampleScore(NamedTuple):
    """A sample and, once scored, its form and its evaluation's current total and points."""

    month: str
    agent: str
    template_id: int | None
    total: float | None
    points: dict[str, float] | None


class WeekScore(NamedTuple):
    """A submitted evaluation's agent, form and current total and points."""

    agent: str
    template_id: int
    total: float
    points: dict[str, float]


# (uniqueid, answered at, agent name, has a poor survey, recording's agent, has a complaint) of a candidate call
CandidateRow = tuple[str, datetime, str | None, bool, str | None, bool]


def _current_version() -> Any:
    """Joins an evaluation to its current version."""
    return and_(QcEvaluationVersion.evaluation_id == QcEvaluation.id,
                QcEvaluationVersion.version == QcEvaluation.current_version)


class QcRepository:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self.sessions = sessions
        self.clock = clock

    def session(self) -> AsyncSession:
        """A new session: the service's unit of work (``async with repo.session() as s``)."""
        return self.sessions()

    # forms -------------------------------------------------------------------------------------------------
    async def default_template(self, s: AsyncSession) -> QcTemplate:
        """The default form; seeded (the five criteria of the regulations) and committed when there is none."""
        t = (await s.execute(select(QcTemplate).where(QcTemplate.is_default.is_(True), QcTemplate.active.is_(True))
                             .order_by(QcTemplate.id.desc()).limit(1))).scalar_one_or_none()
        if t is not None:
            return t
        last = (await s.execute(select(func.max(QcTemplate.version))
                                .where(QcTemplate.name == DEFAULT_TEMPLATE_NAME))).scalar()
        t = QcTemplate(name=DEFAULT_TEMPLATE_NAME, version=(last or 0) + 1, criteria=DEFAULT_CRITERIA, active=True,
                       is_default=True, created_by="system", created_at=self.clock.now())
        s.add(t)
        await s.commit()
        return t

    @staticmethod
    async def templates(s: AsyncSession) -> list[QcTemplate]:
        return list((await s.execute(select(QcTemplate).order_by(QcTemplate.name, QcTemplate.version))).scalars())

    @staticmethod
    async def templates_named(s: AsyncSession, name: str) -> list[QcTemplate]:
        return list((await s.execute(select(QcTemplate).where(QcTemplate.name == name))).scalars())

    @staticmethod
    async def clear_default(s: AsyncSession) -> None:
        await s.execute(update(QcTemplate).where(QcTemplate.is_default.is_(True)).values(is_default=False))

    @staticmethod
    async def template(s: AsyncSession, template_id: int) -> QcTemplate | None:
        return await s.get(QcTemplate, template_id)

    # draws -------------------------------------------------------------------------------------------------
    @staticmethod
    async def draw_of_month(s: AsyncSession, month: str) -> QcDraw | None:
        return (await s.execute(select(QcDraw).where(QcDraw.month == month))).scalar_one_or_none()

    @staticmethod
    async def draw(s: AsyncSession, draw_id: int) -> QcDraw | None:
        return await s.get(QcDraw, draw_id)

    @staticmethod
    async def draws(s: AsyncSession, month: str | None = None) -> list[QcDraw]:
        q = select(QcDraw).order_by(QcDraw.month.desc())
        if month is not None:
            q = q.where(QcDraw.month == month)
        return list((await s.execute(q)).scalars())

    @staticmethod
    async def drawn_calls(s: AsyncSession, draw_id: int) -> list[str]:
        """The call uniqueids a draw picked."""
        return list((await s.execute(select(QcSample.call_uniqueid).where(QcSample.draw_id == draw_id))).scalars())

    # samples -----------------------------------------------------------------------------------------------
    @staticmethod
    async def sample(s: AsyncSession, sample_id: int) -> QcSample | None:
        return await s.get(QcSample, sample_id)

    @staticmethod
    async def samples_of_month(s: AsyncSession, month: str) -> list[QcSample]:
        return list((await s.execute(select(QcSample).where(QcSample.month == month))).scalars())

    @staticmethod
    async def samples_of_draw(s: AsyncSession, draw_id: int) -> list[QcSample]:
        return list((await s.execute(select(QcSample).where(QcSample.draw_id == draw_id)
                                     .order_by(QcSample.agent, QcSample.id))).scalars())

    @staticmethod
    async def sample_of_call(s: AsyncSession, month: str, call_uniqueid: str) -> QcSample | None:
        return (await s.execute(select(QcSample).where(QcSample.month == month,
                                                       QcSample.call_uniqueid == call_uniqueid))
                ).scalar_one_or_none()

    @staticmethod
    async def sample_page(s: AsyncSession, *, month: str | None, status: str | None, agent: str | None,
                          assignee: str | None, limit: int, offset: int) -> tuple[int, list[SampleRow]]:
        """The matching samples' count and one page of them (by month, agent, id) with their call and score."""
        conds = []
        if month is not None:
            conds.append(QcSample.month == month)
        if status is not None:
            conds.append(QcSample.status == status)
        if agent is not None:
            conds.append(QcSample.agent == agent)
        if assignee is not None:
            conds.append(QcSample.assignee == assignee)
        total = (await s.execute(select(func.count()).select_from(QcSample).where(*conds))).scalar_one()
        rows = (await s.execute(
            select(QcSample, QcEvaluation.id, Call.answered_at, Call.queue, Call.talk_seconds,
                   QcEvaluation.status, QcEvaluationVersion.total, QcEvaluationVersion.grade)
            .outerjoin(QcEvaluation, QcEvaluation.sample_id == QcSample.id)
            .outerjoin(QcEvaluationVersion, _current_version())
            .outerjoin(Call, Call.uniqueid == QcSample.call_uniqueid)
            .where(*conds).order_by(QcSample.month, QcSample.agent, QcSample.id).limit(limit).offset(offset)
        )).all()
        return int(total), [tuple(r) for r in rows]  # type: ignore[misc]  # the rows are typed Row tuples; mypy cannot unpack them

    @staticmethod
    async def claim(s: AsyncSession, sample_id: int, username: str, at: datetime) -> int:
        """Give an unassigned open or disputed sample to ``username`` (open becomes claimed); rows changed."""
        res = await s.execute(
            update(QcSample).where(QcSample.id == sample_id, QcSample.assignee.is_(None),
                                   QcSample.status.in_(("open", "disputed")))
            .values(assignee=username, assigned_by=username, assigned_at=at,
                    status=case((QcSample.status == "open", "claimed"), else_=QcSample.status)))
        return rows_affected(res)

    @staticmethod
    async def release(s: AsyncSession, sample_id: int, assignee: str, status: str) -> int:
        """Unassign the sample if it is still ``assignee``'s in ``status`` (claimed goes back to open); rows
        changed."""
        res = await s.execute(
            update(QcSample).where(QcSample.id == sample_id, QcSample.assignee == assignee,
                                   QcSample.status == status)
            .values(assignee=None, assigned_by=None, assigned_at=None,
                    status="open" if status == "claimed" else status))
        return rows_affected(res)

    @staticmethod
    async def notes(s: AsyncSession, sample_id: int) -> list[QcNote]:
        return list((await s.execute(select(QcNote).where(QcNote.sample_id == sample_id)
                                     .order_by(QcNote.at_seconds, QcNote.id))).scalars())

    # evaluations -------------------------------------------------------------------------------------------
    @staticmethod
    async def evaluation(s: AsyncSession, evaluation_id: int) -> QcEvaluation | None:
        return await s.get(QcEvaluation, evaluation_id)

    @staticmethod
    async def evaluation_of_sample(s: AsyncSession, sample_id: int) -> QcEvaluation | None:
        return (await s.execute(select(QcEvaluation).where(QcEvaluation.sample_id == sample_id))
                ).scalar_one_or_none()

    @staticmethod
    async def evaluation_id_of_sample(s: AsyncSession, sample_id: int) -> int | None:
        return (await s.execute(select(QcEvaluation.id).where(QcEvaluation.sample_id == sample_id))).scalar()

    @staticmethod
    async def versions(s: AsyncSession, evaluation_id: int) -> list[QcEvaluationVersion]:
        return list((await s.execute(select(QcEvaluationVersion).where(
            QcEvaluationVersion.evaluation_id == evaluation_id).order_by(QcEvaluationVersion.version))).scalars())

    @staticmethod
    async def next_version(s: AsyncSession, evaluation_id: int, current: int) -> int:
        """Move the evaluation from version ``current`` to the next one (status corrected) if no one did it
        meanwhile; rows changed."""
        res = await s.execute(update(QcEvaluation).where(QcEvaluation.id == evaluation_id,
                                                         QcEvaluation.current_version == current)
                              .values(current_version=current + 1, status="corrected"))
        return rows_affected(res)

    @staticmethod
    async def record_response(s: AsyncSession, evaluation_id: int, version: int, response: str, comment: str,
                              at: datetime) -> int:
        """Store the agent's response on ``version`` if it has none yet; rows changed."""
        res = await s.execute(update(QcEvaluationVersion).where(
            QcEvaluationVersion.evaluation_id == evaluation_id, QcEvaluationVersion.version == version,
            QcEvaluationVersion.agent_response.is_(None))
            .values(agent_response=response, agent_comment=comment, agent_responded_at=at))
        return rows_affected(res)

    @staticmethod
    async def evaluations_of(s: AsyncSession, agent: str) -> list[tuple[QcEvaluation, QcSample]]:
        """The agent's evaluations with their samples, newest first."""
        rows = (await s.execute(select(QcEvaluation, QcSample).join(QcSample, QcSample.id == QcEvaluation.sample_id)
                                .where(QcEvaluation.agent == agent)
                                .order_by(QcEvaluation.submitted_at.desc(), QcEvaluation.id.desc()))).all()
        return [(e, x) for e, x in rows]

    @staticmethod
    async def is_evaluated(s: AsyncSession, agent: str, call_uniqueid: str) -> bool:
        """Does the call have an evaluation of ``agent``?"""
        row = (await s.execute(select(QcEvaluation.id).join(QcSample, QcSample.id == QcEvaluation.sample_id)
                               .where(QcSample.call_uniqueid == call_uniqueid, QcEvaluation.agent == agent)
                               .limit(1))).first()
        return row is not None

    # reports and the draw's candidates ---------------------------------------------------------------------
    @staticmethod
    async def templates_by_id(s: AsyncSession, ids: Collection[int]) -> dict[int, QcTemplate]:
        if not ids:
            return {}
        return {t.id: t for t in (await s.execute(select(QcTemplate).where(QcTemplate.id.in_(ids)))).scalars()}

    @staticmethod
    async def sample_scores(s: AsyncSession, months: Collection[str]) -> list[SampleScore]:
        """Every sample of ``months`` with its current score (None while unscored)."""
        rows = (await s.execute(
            select(QcSample.month, QcSample.agent, QcEvaluation.template_id, QcEvaluationVersion.total,
                   QcEvaluationVersion.points)
            .outerjoin(QcEvaluation, QcEvaluation.sample_id == QcSample.id)
            .outerjoin(QcEvaluationVersion, _current_version())
            .where(QcSample.month.in_(months))
        )).all()
        return [SampleScore(*r) for r in rows]

    @staticmethod
    async def week_scores(s: AsyncSession, since: datetime, before: datetime) -> list[WeekScore]:
        """The current score of each evaluation submitted in ``since..before``."""
        rows = (await s.execute(
            select(QcEvaluation.agent, QcEvaluation.template_id, QcEvaluationVersion.total, QcEvaluationVersion.points)
            .join(QcEvaluationVersion, _current_version())
            .where(QcEvaluation.submitted_at >= since, QcEvaluation.submitted_at < before)
        )).all()
        return [WeekScore(*r) for r in rows]

    @staticmethod
    async def candidate_calls(s: AsyncSession, since: datetime, before: datetime, min_talk_seconds: float,
                              poor_level: int) -> list[CandidateRow]:
        """Calls answered in ``since..before``, talk >= ``min_talk_seconds``, with an ``ok`` recording; whether one
        of its surveys (any channel) has a point at ``poor_level`` or worse (levels 1 very satisfied .. 4 poor),
        and whether a complaint was recorded on each."""
        complaint = exists().where(and_(ServiceRecord.call_uniqueid == Call.uniqueid,
                                        ServiceRecord.category == "complaint"))
        poor = exists().where(and_(Survey.call_uniqueid == Call.uniqueid,
                                   or_(*(getattr(Survey, p) >= poor_level for p in POINTS))))
        rows = (await s.execute(
            select(Call.uniqueid, Call.answered_at, Call.agent_name, poor.label("poor"), Recording.agent_username,
                   complaint.label("complaint"))
            .join(Recording, Recording.call_uniqueid == Call.uniqueid)
            .where(Recording.status == "ok", Call.answered_at.is_not(None), Call.answered_at >= since,
                   Call.answered_at < before, Call.talk_seconds.is_not(None),
                   Call.talk_seconds >= min_talk_seconds)
        )).all()
        return [(uid, at, name, bool(p), rec_agent, bool(c)) for uid, at, name, p, rec_agent, c in rows
                if at is not None]  # always (the query asks answered calls only): tells the type checker

    # what QC reads of other domains ------------------------------------------------------------------------
    @staticmethod
    async def call(s: AsyncSession, call_uniqueid: str) -> Call | None:
        return (await s.execute(select(Call).where(Call.uniqueid == call_uniqueid))).scalar_one_or_none()

    @staticmethod
    async def recording(s: AsyncSession, call_uniqueid: str) -> Recording | None:
        return (await s.execute(select(Recording).where(Recording.call_uniqueid == call_uniqueid))
                ).scalar_one_or_none()

    @staticmethod
    async def recording_duration(s: AsyncSession, call_uniqueid: str) -> float | None:
        return (await s.execute(select(Recording.duration_seconds)
                                .where(Recording.call_uniqueid == call_uniqueid))).scalar_one_or_none()

    @staticmethod
    async def user(s: AsyncSession, username: str) -> User | None:
        return (await s.execute(select(User).where(User.username == username))).scalar_one_or_none()

