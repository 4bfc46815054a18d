"""The evaluated agent's side: their own evaluations, their acknowledgement or dispute of the current version (a
dispute puts the sample back in QC's work queue), and whether they may hear a call (their own scored calls)."""

from __future__ import annotations

from typing import Any

from callcenter.clock import Clock
from callcenter.qc.access import Actor, Audit
from callcenter.qc.errors import ALREADY_RESPONDED, DISPUTE_NEEDS_COMMENT, EVALUATION_NOT_FOUND, RESPONSE_NOT_AGENT
from callcenter.qc.repository import QcRepository
from callcenter.qc.views import call_parts, evaluation_out, load_sample, template_out


class QcAppeals:
    def __init__(self, repo: QcRepository, clock: Clock, audit: Audit) -> None:
        self.repo = repo
        self.clock = clock
        self.audit = audit

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
                x = await load_sample(self.repo, s, e.sample_id)
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
                parts = await call_parts(self.repo, s, x)
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
