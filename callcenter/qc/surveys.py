"""A call's customer-survey result, stored by a lead (a poor one weighs in the monthly draw). Audited."""

from __future__ import annotations

from typing import Any

from callcenter.qc.access import LEADS, Actor, Audit, require
from callcenter.qc.errors import BAD_SURVEY_SCORE, CALL_NOT_ENDED, CALL_NOT_FOUND
from callcenter.qc.repository import QcRepository


class QcSurveys:
    def __init__(self, repo: QcRepository, audit: Audit) -> None:
        self.repo = repo
        self.audit = audit

    async def set_survey(self, actor: Actor, call_uniqueid: str, score_: int) -> dict[str, Any]:
        require(actor, LEADS, "storing a survey result")
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
