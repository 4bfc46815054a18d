"""A call's customer-survey result typed in by a lead: the four points (attitude, skill, timeliness, promises),
each on the four levels (1 很满意 .. 4 较差), stored as a survey of channel ``manual`` (``callcenter.surveys``) that
rates the call's agent; a poor point weighs the call in the monthly draw. One such survey per call: typing it in
again replaces it (and a migrated ``legacy`` score of that call). Audited."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from callcenter.qc.access import LEADS, Actor, Audit, require
from callcenter.qc.errors import BAD_SURVEY_LEVEL, CALL_NOT_ENDED, CALL_NOT_FOUND, SURVEY_EMPTY
from callcenter.qc.repository import QcRepository
from callcenter.qc.views import iso
from callcenter.surveys.models import LEVELS, POINTS, Survey
from callcenter.surveys.service import Surveys

CHANNEL = "manual"
REPLACES = (CHANNEL, "legacy")  # what a lead typed in before: the old 1-5 score, copied by migration 0018


def check_points(points: Mapping[str, Any]) -> dict[str, int | None]:
    """The four points, each a level 1..4 or None (not answered), at least one given."""
    for k in points:
        if k not in POINTS:
            raise BAD_SURVEY_LEVEL(field=k)
    out: dict[str, int | None] = {}
    for p in POINTS:
        v = points.get(p)
        if v is not None and (isinstance(v, bool) or not isinstance(v, int) or v not in LEVELS):
            raise BAD_SURVEY_LEVEL(field=p)
        out[p] = v
    if all(v is None for v in out.values()):
        raise SURVEY_EMPTY(fields=list(POINTS))
    return out


def survey_out(s: Survey) -> dict[str, Any]:
    return {"id": s.id, "channel": s.channel, "call_uniqueid": s.call_uniqueid, "case_id": s.case_id,
            "agent_username": s.agent_username, "month": s.month, **{p: getattr(s, p) for p in POINTS},
            "taken_by": s.taken_by, "taken_at": iso(s.taken_at)}


class QcSurveys:
    def __init__(self, repo: QcRepository, surveys: Surveys, audit: Audit) -> None:
        self.repo = repo
        self.surveys = surveys
        self.audit = audit

    async def set_survey(self, actor: Actor, call_uniqueid: str, points: Mapping[str, Any]) -> dict[str, Any]:
        """Store the call's survey (``points``: attitude, skill, timeliness, promises → 1..4 or None). The rated
        agent is the call's as QC sees it: the recording's username, else the call's agent username, else its
        agent name; the month is the centre's month of the call's answer."""
        require(actor, LEADS, "storing a survey result")
        levels = check_points(points)
        async with self.repo.session() as s:
            call = await self.repo.call(s, call_uniqueid)
            if call is None:
                raise CALL_NOT_FOUND({"call_uniqueid": call_uniqueid}, field="call_uniqueid")
            if call.ended_at is None:  # a post-call survey rates a finished call
                raise CALL_NOT_ENDED({"call_uniqueid": call_uniqueid})
            rec = await self.repo.recording(s, call_uniqueid)
            agent = (rec.agent_username if rec is not None else None) or call.agent_username or call.agent_name
            rated_at = call.answered_at or call.arrived_at or call.ended_at
        survey, before = await self.surveys.record_for_call(
            channel=CHANNEL, call_uniqueid=call_uniqueid, points=levels, taken_by=actor.username,
            agent_username=agent, rated_at=rated_at, replaces=REPLACES)
        previous = None if before is None else {
            **{k: before[k] for k in ("channel", "month", *POINTS, "taken_by")}, "taken_at": iso(before["taken_at"])}
        await self.audit(actor.username, "qc.survey", f"call:{call_uniqueid}",
                         {"survey": survey.id, "agent": agent, "points": levels, "previous": previous})
        return {**survey_out(survey), "replaced": previous}
