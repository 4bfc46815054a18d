"""QC's work queue: the samples to score, assigned by a lead or claimed by an inspector and released, with notes at
times of the recording; a sample's detail. Every change is audited."""

from __future__ import annotations

from typing import Any

from callcenter.clock import Clock
from callcenter.qc.access import LEADS, QC_ROLES, Actor, Audit, require
from callcenter.qc.errors import (
    NOT_QC_USER,
    NOTE_EMPTY,
    NOTE_NEGATIVE_TIME,
    NOTE_PAST_END,
    RELEASE_NOT_OWN,
    SAMPLE_CHANGED,
    SAMPLE_CLAIMED,
    SAMPLE_NOT_CLAIMED,
    SAMPLE_SCORED,
    SAMPLE_SCORED_ASSIGN,
    UNKNOWN_SAMPLE_STATUS,
)
from callcenter.qc.models import SAMPLE_STATUSES, QcNote
from callcenter.qc.repository import QcRepository
from callcenter.qc.sampling import parse_month
from callcenter.qc.views import call_parts, evaluation_out, iso, load_sample, note_out, sample_out, template_out


class QcWorkQueue:
    def __init__(self, repo: QcRepository, clock: Clock, audit: Audit) -> None:
        self.repo = repo
        self.clock = clock
        self.audit = audit

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

    async def assign(self, actor: Actor, sample_id: int, username: str) -> dict[str, Any]:
        require(actor, LEADS, "assigning QC work")
        async with self.repo.session() as s:
            u = await self.repo.user(s, username)
            if u is None or not u.active or "qc" not in (u.roles or []):
                raise NOT_QC_USER({"username": username}, field="username")
            x = await load_sample(self.repo, s, sample_id)
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
        require(actor, ("qc",), "claiming a QC sample")
        now = self.clock.now()
        async with self.repo.session() as s:
            claimed = await self.repo.claim(s, sample_id, actor.username, now)
            await s.commit()
            x = await load_sample(self.repo, s, sample_id)
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
            x = await load_sample(self.repo, s, sample_id)
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
        require(actor, QC_ROLES, "writing a QC note")
        text = (text or "").strip()
        if not text:
            raise NOTE_EMPTY(field="text")
        if at_seconds < 0:
            raise NOTE_NEGATIVE_TIME(field="at_seconds")
        async with self.repo.session() as s:
            x = await load_sample(self.repo, s, sample_id)
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
            x = await load_sample(self.repo, s, sample_id)
            ev = await self.repo.evaluation_of_sample(s, sample_id)
            out = sample_out(x, ev.id if ev else None)
            out.update(await call_parts(self.repo, s, x))
            if ev is not None:
                out["evaluation"] = evaluation_out(ev, await self.repo.versions(s, ev.id))
                t = await self.repo.template(s, ev.template_id)
            else:
                out["evaluation"] = None
                t = await self.repo.default_template(s)
            out["template"] = template_out(t) if t else None
            return out
