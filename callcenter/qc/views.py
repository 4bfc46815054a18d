"""QC's answers as JSON-able dicts (forms, samples, evaluations and their versions, notes), and the reads several
QC parts share: a sample by id, the call parts shown with a sample (recording, call, notes)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.qc.errors import SAMPLE_NOT_FOUND
from callcenter.qc.models import QcEvaluation, QcEvaluationVersion, QcNote, QcSample, QcTemplate
from callcenter.qc.repository import QcRepository


def iso(dt: datetime | None) -> str | None:
    return None if dt is None else dt.astimezone(UTC).isoformat().replace("+00:00", "Z")


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


async def load_sample(repo: QcRepository, s: AsyncSession, sample_id: int) -> QcSample:
    """The sample, or a 404."""
    x = await repo.sample(s, sample_id)
    if x is None:
        raise SAMPLE_NOT_FOUND({"sample_id": sample_id})
    return x


async def call_parts(repo: QcRepository, s: AsyncSession, x: QcSample) -> dict[str, Any]:
    """What is shown with a sample: its recording, its call and the notes on it."""
    rec = await repo.recording(s, x.call_uniqueid)
    call = await repo.call(s, x.call_uniqueid)
    notes = await repo.notes(s, x.id)
    return {
        "recording": None if rec is None else {"id": rec.id, "duration_seconds": rec.duration_seconds,
                                               "format": rec.format, "status": rec.status},
        "call": None if call is None else {"queue": call.queue, "answered_at": iso(call.answered_at),
                                           "talk_seconds": call.talk_seconds,
                                           "caller_number": call.caller_number},
        "notes": [note_out(n) for n in notes],
    }
