"""The knowledge base's rules (``models.py`` has the shape): who writes, reviews, publishes, confirms and
withdraws an entry (``settings.knowledge``; the issuing department's heads confirm), what a reader finds (agents:
the published revisions valid now on the injected clock; editors: everything), the search (``search.py``), the
suggestions for a call's queue and IVR choice, and the uses of an entry on a call (the call must be one the agent
is handling or answered: the customers' call access rule). Every change checks the entry's ``version``; every
change is audited (``knowledge.create``, ``knowledge.edit``, ``knowledge.review``, ``knowledge.publish``,
``knowledge.confirm``, ``knowledge.withdraw``, ``knowledge.use``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from callcenter.auth.actor import Actor
from callcenter.clock import Clock
from callcenter.departments.repository import DepartmentRepository
from callcenter.errors import any_of
from callcenter.knowledge import search as rules
from callcenter.knowledge.config import KnowledgeSettings
from callcenter.knowledge.errors import (
    ACTIONS,
    ALREADY_CONFIRMED,
    BAD_STATE,
    CALL_NOT_YOURS,
    DEPARTMENT_NEEDED,
    DEPARTMENT_NOT_FOUND,
    ENTRY_NOT_FOUND,
    NEEDS_ROLE,
    NO_SUCH_DOCUMENT,
    NOT_DEPARTMENT_HEAD,
    NOT_IN_USE,
    OWN_REVIEW,
    REASON_NEEDED,
    STALE_VERSION,
    STATE_WORDS,
    STEP_WORDS,
    TEXT_EMPTY,
    UNKNOWN_CATEGORY,
    VALIDITY_ORDER,
)
from callcenter.knowledge.models import KnowledgeEntry, KnowledgeRevision, KnowledgeUse
from callcenter.knowledge.repository import Change, KnowledgeRepository, Visibility

Audit = Callable[[str, str, str, dict[str, Any] | None], Awaitable[None]]
MayUseCall = Callable[[Actor, str], Awaitable[bool]]
CONTENT = ("title", "body", "category", "tags", "queues", "ivr_choices", "valid_from", "valid_to",
           "department_id", "document_id", "note")
USERS = frozenset({"agent", "supervisor", "admin"})  # who marks an entry used on a call
USAGE_READERS = frozenset({"supervisor", "qc", "admin"})


def target(entry_id: int) -> str:
    return f"knowledge:{entry_id}"


def require(actor: Actor, roles: frozenset[str] | set[str] | list[str], what: str) -> None:
    if not actor.has(roles):
        raise NEEDS_ROLE({"what": ACTIONS[what], "roles": any_of(sorted(roles))}, needed=sorted(roles),
                         has=sorted(actor.roles))


@dataclass(frozen=True)
class EntryView:
    entry: KnowledgeEntry
    published: KnowledgeRevision | None  # what agents find (None: never published, or withdrawn)
    open: KnowledgeRevision | None  # the draft or reviewed revision (editors only)
    valid_now: bool


@dataclass(frozen=True)
class Hit:
    entry: KnowledgeEntry
    revision: KnowledgeRevision
    score: float
    title_marks: list[tuple[int, int]]
    snippet: str
    snippet_marks: list[tuple[int, int]]
    valid_now: bool


class Knowledge:
    def __init__(self, repo: KnowledgeRepository, settings: KnowledgeSettings, clock: Clock, timezone: str,
                 audit: Audit, departments: DepartmentRepository, may_use_call: MayUseCall) -> None:
        self.repo = repo
        self.settings = settings
        self.clock = clock
        self.tz = ZoneInfo(timezone)
        self.audit = audit
        self.departments = departments
        self.may_use_call = may_use_call

    # who ----------------------------------------------------------------------------------------------------
    def editor(self, actor: Actor) -> bool:
        """Writers, reviewers and publishers see every entry in every state; everyone else what agents see."""
        s = self.settings
        return actor.has({*s.editor_roles, *s.review_roles, *s.publish_roles})

    def visibility(self, actor: Actor) -> Visibility:
        if self.editor(actor):
            return Visibility(None)
        return Visibility(self.clock.now(), self.settings.agents_need_confirmation)

    def valid_at(self, r: KnowledgeRevision | None, now: datetime) -> bool:
        return (r is not None and r.state == "published" and (r.valid_from is None or r.valid_from <= now)
                and (r.valid_to is None or r.valid_to > now)
                and (r.confirmed or not self.settings.agents_need_confirmation))

    # checks -------------------------------------------------------------------------------------------------
    async def _checked(self, values: dict[str, Any]) -> dict[str, Any]:
        """The content fields cleaned and checked (title and wording not empty, a known category, an existing
        department and document, ``valid_to`` after ``valid_from``)."""
        out = dict(values)
        for f in ("title", "body"):
            if f in out:
                out[f] = (out[f] or "").strip()
                if not out[f]:
                    raise TEXT_EMPTY(field=f)
        if "category" in out and out["category"] not in self.settings.category_codes:
            raise UNKNOWN_CATEGORY(category=out["category"], categories=", ".join(self.settings.category_codes))
        for f in ("tags", "queues", "ivr_choices"):
            if f in out:
                out[f] = list(dict.fromkeys(v.strip() for v in out[f] if v.strip()))
        if out.get("department_id") is not None and await self.departments.get(out["department_id"]) is None:
            raise DEPARTMENT_NOT_FOUND(department_id=out["department_id"])
        if out.get("document_id") is not None and await self.repo.document(out["document_id"]) is None:
            raise NO_SUCH_DOCUMENT(document_id=out["document_id"])
        self._order(out.get("valid_from"), out.get("valid_to"))
        if "note" in out:
            out["note"] = out["note"].strip()
        return out

    @staticmethod
    def _order(valid_from: datetime | None, valid_to: datetime | None) -> None:
        if valid_from is not None and valid_to is not None and valid_to <= valid_from:
            raise VALIDITY_ORDER(valid_from=valid_from.isoformat(), valid_to=valid_to.isoformat())

    @staticmethod
    def _derived(r: dict[str, Any]) -> dict[str, Any]:
        return {"tags_text": " ".join(r["tags"]), "search_text": rules.search_text(r["title"], r["tags"], r["body"])}

    async def _load(self, entry_id: int) -> KnowledgeEntry:
        e = await self.repo.entry(entry_id)
        if e is None:
            raise ENTRY_NOT_FOUND(entry_id=entry_id)
        return e

    async def _fresh(self, entry_id: int, version: int) -> KnowledgeEntry:
        e = await self._load(entry_id)
        if e.version != version:
            raise STALE_VERSION(entry_id=entry_id, given=version, current=e.version)
        return e

    async def _apply(self, e: KnowledgeEntry, version: int, change: Change) -> tuple[KnowledgeEntry,
                                                                                    KnowledgeRevision | None]:
        done = await self.repo.change(e.id, version, change, self.clock.now())
        if done is None:  # lost a race: someone changed it between the read and the write
            now = await self._load(e.id)
            raise STALE_VERSION(entry_id=e.id, given=version, current=now.version)
        return done

    async def view(self, e: KnowledgeEntry, editor: bool = True) -> EntryView:
        revs = await self.repo.revisions([i for i in (e.published_revision_id, e.open_revision_id) if i])
        pub = revs.get(e.published_revision_id) if e.published_revision_id else None
        opened = revs.get(e.open_revision_id) if e.open_revision_id and editor else None
        return EntryView(e, pub, opened, self.valid_at(pub, self.clock.now()))

    # the workflow -------------------------------------------------------------------------------------------
    async def create(self, actor: Actor, values: dict[str, Any]) -> EntryView:
        require(actor, set(self.settings.editor_roles), "writing a knowledge entry")
        lists = ("tags", "queues", "ivr_choices")
        r = await self._checked({k: values.get(k) or ([] if k in lists else "" if k == "note" else None)
                                 for k in CONTENT})
        e, rev = await self.repo.create({**r, **self._derived(r)}, actor.username, self.clock.now())
        await self.audit(actor.username, "knowledge.create", target(e.id), {"revision": rev.number,
                                                                            "title": rev.title})
        return await self.view(e)

    async def edit(self, actor: Actor, entry_id: int, version: int, values: dict[str, Any]) -> EntryView:
        """Change the open revision (a reviewed one goes back to draft: reviewed again), or, when there is none,
        start a new revision from the newest one; the published revision stays what agents find meanwhile."""
        require(actor, set(self.settings.editor_roles), "writing a knowledge entry")
        e = await self._fresh(entry_id, version)
        changed = await self._checked({k: v for k, v in values.items() if k in CONTENT})
        base = await self.repo.revision(e.open_revision_id or e.published_revision_id)
        if base is None:
            base = (await self.repo.revisions_of(entry_id))[-1]
        merged = {k: getattr(base, k) for k in CONTENT}
        merged.update(changed)
        if "note" not in changed:
            merged["note"] = base.note if e.open_revision_id else ""
        self._order(merged["valid_from"], merged["valid_to"])
        content = {**merged, **self._derived(merged)}
        if e.open_revision_id is not None:
            rv = {**content, "state": "draft", "reviewed_by": None, "reviewed_at": None, "review_note": ""}
            change = Change(revisions={e.open_revision_id: rv}, targets=(merged["queues"], merged["ivr_choices"]))
        else:
            change = Change(new_revision={**content, "created_by": actor.username},
                            targets=(merged["queues"], merged["ivr_choices"]))
        e2, made = await self._apply(e, version, change)
        number = made.number if made is not None else base.number
        await self.audit(actor.username, "knowledge.edit", target(entry_id),
                         {"revision": number, "fields": sorted(changed), "new_revision": made is not None})
        return await self.view(e2)

    async def _open(self, e: KnowledgeEntry, state: str, wanted: str) -> KnowledgeRevision:
        r = await self.repo.revision(e.open_revision_id)
        if r is None or r.state != state:
            now = r.state if r is not None else "none"
            raise BAD_STATE({"wanted": STEP_WORDS[wanted], "state": STATE_WORDS[now]}, entry_id=e.id,
                            step=wanted, found=now)
        return r

    async def review(self, actor: Actor, entry_id: int, version: int, note: str) -> EntryView:
        require(actor, set(self.settings.review_roles), "reviewing a knowledge entry")
        e = await self._fresh(entry_id, version)
        r = await self._open(e, "draft", "reviewed")
        if self.settings.reviewer_not_author and r.created_by == actor.username:
            raise OWN_REVIEW(entry_id=entry_id, number=r.number)
        e2, _ = await self._apply(e, version, Change(revisions={r.id: {
            "state": "reviewed", "reviewed_by": actor.username, "reviewed_at": self.clock.now(),
            "review_note": note.strip()}}))
        await self.audit(actor.username, "knowledge.review", target(entry_id), {"revision": r.number})
        return await self.view(e2)

    async def publish(self, actor: Actor, entry_id: int, version: int) -> EntryView:
        """The reviewed revision becomes what agents find (from its ``valid_from``, or now); the one it replaces is
        superseded."""
        require(actor, set(self.settings.publish_roles), "publishing a knowledge entry")
        e = await self._fresh(entry_id, version)
        r = await self._open(e, "reviewed", "published")
        now = self.clock.now()
        self._order(r.valid_from or now, r.valid_to)  # no valid_from: valid from now, its publication
        if r.department_id is None:
            raise DEPARTMENT_NEEDED(entry_id=entry_id)
        revs: dict[int, dict[str, Any]] = {r.id: {"state": "published", "published_by": actor.username,
                                                  "published_at": now}}
        if e.published_revision_id is not None:
            revs[e.published_revision_id] = {"state": "superseded", "ended_at": now}
        e2, _ = await self._apply(e, version, Change(
            entry={"state": "published", "published_revision_id": r.id, "open_revision_id": None,
                   "withdrawn_by": None, "withdrawn_at": None, "withdraw_reason": ""}, revisions=revs))
        await self.audit(actor.username, "knowledge.publish", target(entry_id), {
            "revision": r.number, "title": r.title, "valid_from": (r.valid_from or now).isoformat(),
            "valid_to": r.valid_to.isoformat() if r.valid_to else None, "document_id": r.document_id,
            "replaces": e.published_revision_id})
        return await self.view(e2)

    async def confirm(self, actor: Actor, entry_id: int, version: int) -> EntryView:
        """The issuing department's head (its named head or a member with the role ``head``) confirms the
        published wording."""
        e = await self._fresh(entry_id, version)
        r = await self.repo.revision(e.published_revision_id)
        if r is None:
            raise BAD_STATE({"wanted": STEP_WORDS["confirmed"], "state": STATE_WORDS[e.state]}, entry_id=entry_id,
                            step="confirmed", found=e.state)
        if r.confirmed:
            raise ALREADY_CONFIRMED(entry_id=entry_id, number=r.number, by=r.confirmed_by or "")
        dept = await self.departments.get(r.department_id) if r.department_id is not None else None
        if dept is None:
            raise DEPARTMENT_NEEDED(entry_id=entry_id)
        if actor.username not in dept.heads():
            raise NOT_DEPARTMENT_HEAD(entry_id=entry_id, department=dept.department.name)
        e2, _ = await self._apply(e, version, Change(revisions={r.id: {
            "confirmed": True, "confirmed_by": actor.username, "confirmed_at": self.clock.now()}}))
        await self.audit(actor.username, "knowledge.confirm", target(entry_id),
                         {"revision": r.number, "department_id": dept.department.id})
        return await self.view(e2)

    async def withdraw(self, actor: Actor, entry_id: int, version: int, reason: str) -> EntryView:
        require(actor, set(self.settings.publish_roles), "withdrawing a knowledge entry")
        reason = reason.strip()
        if not reason:
            raise REASON_NEEDED()
        e = await self._fresh(entry_id, version)
        if e.published_revision_id is None:
            raise BAD_STATE({"wanted": STEP_WORDS["withdrawn"], "state": STATE_WORDS[e.state]}, entry_id=entry_id,
                            step="withdrawn", found=e.state)
        now = self.clock.now()
        e2, _ = await self._apply(e, version, Change(
            entry={"state": "withdrawn", "published_revision_id": None, "withdrawn_by": actor.username,
                   "withdrawn_at": now, "withdraw_reason": reason},
            revisions={e.published_revision_id: {"state": "withdrawn", "ended_at": now}}))
        await self.audit(actor.username, "knowledge.withdraw", target(entry_id),
                         {"revision_id": e.published_revision_id, "reason": reason})
        return await self.view(e2)

    # reading ------------------------------------------------------------------------------------------------
    async def detail(self, actor: Actor, entry_id: int) -> EntryView:
        e = await self._load(entry_id)
        editor = self.editor(actor)
        v = await self.view(e, editor)
        if not editor and not v.valid_now:
            raise ENTRY_NOT_FOUND(entry_id=entry_id)  # an agent knows of no entry they cannot use
        return v

    async def versions(self, actor: Actor, entry_id: int) -> tuple[KnowledgeEntry, list[KnowledgeRevision]]:
        if not self.editor(actor):
            s = self.settings
            require(actor, {*s.editor_roles, *s.review_roles, *s.publish_roles}, "reading the versions of an entry")
        e = await self._load(entry_id)
        return e, await self.repo.revisions_of(entry_id)

    async def catalogue(self, actor: Actor, category: str | None, department_id: int | None, state: str | None,
                        limit: int, offset: int) -> tuple[list[Hit], int]:
        vis = self.visibility(actor)
        rows, total = await self.repo.catalogue(vis, category, department_id, state if vis.now is None else None,
                                                limit, offset)
        return await self._hits([(r, 0.0) for r in rows], rules.Query(())), total

    async def _hits(self, ranked: list[tuple[KnowledgeRevision, float]], q: rules.Query) -> list[Hit]:
        entries = await self.repo.entries(r.entry_id for r, _ in ranked)
        now = self.clock.now()
        out = []
        for r, sc in ranked:
            snip, marks = rules.snippet(r.body, q.terms)
            out.append(Hit(entries[r.entry_id], r, sc, rules.spans(r.title, q.terms), snip, marks,
                           self.valid_at(r, now)))
        return out

    async def search(self, actor: Actor, raw: str, category: str | None, limit: int, offset: int
                     ) -> tuple[list[Hit], int, rules.Query]:
        """Ranked hits (one per entry) of a query of any text; an empty or unusable one finds nothing. The total
        counts the candidates ranked (at most ``repository.CANDIDATES``)."""
        q = rules.parse(raw)
        found = await self.repo.search(q, self.visibility(actor), category)
        scored = sorted(((c, rules.score(q, c.title, c.tags, c.body)) for c in found),
                        key=lambda x: (-x[1], -(x[0].published_at or x[0].updated_at).timestamp(), -x[0].id))
        seen: set[int] = set()
        best = []
        for c, sc in scored:
            if c.entry_id not in seen:
                seen.add(c.entry_id)
                best.append((c.id, sc))
        page = best[offset:offset + limit]
        revs = await self.repo.revisions(i for i, _ in page)
        return await self._hits([(revs[i], sc) for i, sc in page if i in revs], q), len(best), q

    async def suggest(self, actor: Actor, queue: str | None, ivr: str | None, limit: int) -> list[Hit]:
        """What applies to a call's queue and IVR choice (both first), for the desktop: what agents find."""
        vis = Visibility(self.clock.now(), self.settings.agents_need_confirmation)
        rows = await self.repo.suggest(vis, queue, ivr, limit)
        return await self._hits([(r, float(n)) for r, n in rows], rules.Query(()))

    # uses on calls ------------------------------------------------------------------------------------------
    def month_of(self, at: datetime) -> str:
        return at.astimezone(self.tz).strftime("%Y-%m")

    async def use(self, actor: Actor, entry_id: int, call_uniqueid: str) -> tuple[KnowledgeUse, bool]:
        """Mark the entry used on a call the agent handles now or answered (once per call: again is a no-op)."""
        require(actor, USERS, "marking an entry used on a call")
        e = await self._load(entry_id)
        v = await self.view(e, editor=False)
        if not v.valid_now or v.published is None:
            raise NOT_IN_USE(entry_id=entry_id)
        if not await self.may_use_call(actor, call_uniqueid):
            await self.audit(actor.username, "knowledge.use_denied", target(entry_id),
                             {"call_uniqueid": call_uniqueid})
            raise CALL_NOT_YOURS(call_uniqueid=call_uniqueid)
        now = self.clock.now()
        use, new = await self.repo.add_use({"entry_id": entry_id, "revision_id": v.published.id,
                                            "call_uniqueid": call_uniqueid, "username": actor.username,
                                            "used_at": now, "month": self.month_of(now)})
        if new:
            await self.audit(actor.username, "knowledge.use", target(entry_id),
                             {"call_uniqueid": call_uniqueid, "revision": v.published.number})
        return use, new

    async def usage_month(self, actor: Actor, month: str) -> list[tuple[KnowledgeEntry, str, int, int]]:
        """(entry, its title, uses, calls) for the month, most used first."""
        require(actor, USAGE_READERS, "reading the usage counts")
        rows = await self.repo.uses_in_month(month)
        entries = await self.repo.entries(i for i, _, _ in rows)
        newest = {e.id: e.published_revision_id or e.open_revision_id for e in entries.values()}
        revs = await self.repo.revisions(i for i in newest.values() if i)
        titles = {eid: revs[rid].title if rid in revs else "" for eid, rid in newest.items() if rid}
        return [(entries[i], titles.get(i, ""), n, calls) for i, n, calls in rows if i in entries]

    async def usage_of(self, actor: Actor, entry_id: int) -> list[tuple[str, int]]:
        require(actor, USAGE_READERS, "reading the usage counts")
        await self._load(entry_id)
        return await self.repo.uses_of(entry_id)
