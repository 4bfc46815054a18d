"""IVR flows: drafts, publishing (validated, immutable versions), rollback, DID entry points, voicemails."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.clock import Clock
from callcenter.ivr.errors import (
    BAD_DID,
    FLOW_EXISTS,
    FLOW_NAME_LENGTH,
    FLOW_NOT_FOUND,
    FLOW_VERSION_NOT_FOUND,
    VERSION_NOT_FOUND,
    VOICEMAIL_NOT_FOUND,
    PublishRefused,
)
from callcenter.ivr.flowdef import FlowDef
from callcenter.ivr.models import IvrEntryPoint, IvrFlow, IvrFlowVersion, Voicemail
from callcenter.ivr.repository import IvrRepository
from callcenter.ivr.validation import Problem, validate
from callcenter.outside_numbers import OutsideUse

DEFAULT_DID = "*"


class IvrService:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock,
                 queues: Callable[[], set[str]], prompt_exists: Callable[[str, str], bool],
                 outside: OutsideUse | None = None,
                 queue_prompts: Callable[[str], list[str]] | None = None) -> None:
        """``outside``: the outside numbers a transfer node may reach (settings ``outside_numbers.ivr``);
        ``queue_prompts(queue)``: the prompts that queue's callers hear besides the flow's (the post-call survey)."""
        self.repo = IvrRepository(sessions)
        self.queue_prompts = queue_prompts
        self.clock = clock
        self.queues = queues
        self.prompt_exists = prompt_exists
        self.outside = outside
        self._versions: dict[int, FlowDef] = {}  # published versions are immutable: cache forever
        self._resolved: dict[str, tuple[float, tuple[int, FlowDef] | None]] = {}
        self.resolve_ttl = 2.0
        self._inflight: dict[str, asyncio.Future[tuple[int, FlowDef] | None]] = {}

    async def _flow(self, s: AsyncSession, flow_id: int) -> IvrFlow:
        flow = await self.repo.flow(s, flow_id)
        if flow is None:
            raise FLOW_NOT_FOUND(flow_id=flow_id)
        return flow

    async def _voicemail(self, s: AsyncSession, vm_id: int) -> Voicemail:
        vm = await self.repo.voicemail(s, vm_id)
        if vm is None:
            raise VOICEMAIL_NOT_FOUND(voicemail_id=vm_id)
        return vm

    # flows -----------------------------------------------------------------------------------------------
    async def create_flow(self, name: str, draft: dict[str, Any], description: str = "") -> IvrFlow:
        name = name.strip()
        if not name or len(name) > 80:
            raise FLOW_NAME_LENGTH(name=name[:100])
        now = self.clock.now()
        async with self.repo.session() as s:
            if await self.repo.flow_named(s, name):
                raise FLOW_EXISTS(name=name)
            flow = IvrFlow(name=name, description=description, draft=draft, draft_updated_at=now, created_at=now)
            s.add(flow)
            await s.commit()
            return flow

    async def get_flow(self, flow_id: int) -> IvrFlow:
        async with self.repo.session() as s:
            return await self._flow(s, flow_id)

    async def list_flows(self) -> list[IvrFlow]:
        async with self.repo.session() as s:
            return await self.repo.flows(s)

    async def save_draft(self, flow_id: int, draft: dict[str, Any]) -> IvrFlow:
        async with self.repo.session() as s:
            flow = await self._flow(s, flow_id)
            flow.draft = draft
            flow.draft_updated_at = self.clock.now()
            await s.commit()
            return flow

    def check(self, draft: dict[str, Any]) -> list[Problem]:
        return validate(draft, queues=self.queues(), prompt_exists=self.prompt_exists, outside=self.outside,
                        queue_prompts=self.queue_prompts)

    async def publish(self, flow_id: int, by: str, note: str = "") -> IvrFlowVersion:
        """Validate the draft; if clean, store it as the next immutable version and make it live."""
        by = by[:80]
        async with self.repo.session() as s:
            flow = await self._flow(s, flow_id)
            problems = self.check(flow.draft)
            if problems:
                raise PublishRefused(flow.name, problems)
            last = await self.repo.last_version(s, flow_id)
            now = self.clock.now()
            v = IvrFlowVersion(flow_id=flow_id, version=(last or 0) + 1, definition=flow.draft,
                               published_at=now, published_by=by, note=note)
            s.add(v)
            await s.flush()
            flow.live_version_id = v.id
            flow.live_since = now
            await s.commit()
            self._invalidate()
            return v

    async def rollback(self, flow_id: int, version: int, by: str) -> IvrFlowVersion:
        """Make an earlier published version live again (the draft is left as it is); refused like a publish
        when that version no longer validates."""
        async with self.repo.session() as s:
            flow = await self._flow(s, flow_id)
            v = await self.repo.version_of(s, flow_id, version)
            if v is None:
                raise VERSION_NOT_FOUND({"name": flow.name}, version=version)
            # what that version needs may be gone since (a deleted prompt, a removed queue): check again
            problems = self.check(v.definition)
            if problems:
                raise PublishRefused(flow.name, problems, version=version)
            flow.live_version_id = v.id
            flow.live_since = self.clock.now()
            await s.commit()
            self._invalidate()
            return v

    async def versions(self, flow_id: int) -> list[IvrFlowVersion]:
        async with self.repo.session() as s:
            return await self.repo.versions(s, flow_id)

    # entry points ----------------------------------------------------------------------------------------
    async def set_entry_point(self, did: str, flow_id: int) -> None:
        did = did.strip()
        if did != DEFAULT_DID and not re.fullmatch(r"\+?[0-9]{2,39}", did, flags=re.ASCII):
            raise BAD_DID({"did": did})
        await self.get_flow(flow_id)
        async with self.repo.session() as s:
            ep = await self.repo.entry_point(s, did)
            if ep is None:
                s.add(IvrEntryPoint(did=did, flow_id=flow_id))
            else:
                ep.flow_id = flow_id
            await s.commit()
        self._invalidate()

    def _invalidate(self) -> None:
        self._resolved.clear()

    async def resolve(self, did: str) -> tuple[int, FlowDef] | None:
        """The live version for a dialled number (or the default entry point).

        Cached per number for ``resolve_ttl`` seconds and dropped on every publish/rollback/entry-point change
        made through this process; the TTL bounds staleness when another instance made the change."""
        now = self.clock.now().timestamp()
        hit = self._resolved.get(did)
        if hit is not None and now - hit[0] < self.resolve_ttl:
            return hit[1]
        task = self._inflight.get(did)
        if task is None:  # one query per number however many calls arrive at once
            task = asyncio.ensure_future(self._resolve_db(did))
            self._inflight[did] = task
            task.add_done_callback(lambda _: self._inflight.pop(did, None))
        result = await asyncio.shield(task)
        self._resolved[did] = (now, result)
        return result

    async def _resolve_db(self, did: str) -> tuple[int, FlowDef] | None:
        async with self.repo.session() as s:
            by_did = await self.repo.live_versions(s, [did, DEFAULT_DID])
        version_id = by_did.get(did) or by_did.get(DEFAULT_DID)
        if version_id is None:
            return None
        return version_id, await self.version(version_id)

    async def entry_points(self) -> dict[str, int]:
        async with self.repo.session() as s:
            return await self.repo.entry_points(s)

    async def version_doc(self, version_id: int) -> dict[str, Any]:
        async with self.repo.session() as s:
            v = await self.repo.version(s, version_id)
        if v is None:
            raise FLOW_VERSION_NOT_FOUND({"version_id": version_id})
        return v.definition

    async def flows_using_queue(self, name: str) -> tuple[list[str], list[str]]:
        """(flows whose live version routes to ``name``, flows whose draft does): the admin service keeps such
        a queue from being deleted or deactivated."""
        def uses(doc: Any) -> bool:
            nodes = doc.get("nodes") if isinstance(doc, dict) else None
            if not isinstance(nodes, dict):
                return False
            return any(isinstance(n, dict) and n.get("kind") == "queue" and n.get("queue") == name
                       for n in nodes.values())

        async with self.repo.session() as s:
            flows = await self.repo.flows(s)
            live_ids = [f.live_version_id for f in flows if f.live_version_id is not None]
            live_docs = {v.id: v.definition for v in await self.repo.versions_by_id(s, live_ids)}
        live = [f.name for f in flows if f.live_version_id is not None and uses(live_docs.get(f.live_version_id))]
        draft = [f.name for f in flows if uses(f.draft)]
        return live, draft

    async def version(self, version_id: int) -> FlowDef:
        cached = self._versions.get(version_id)
        if cached is not None:
            return cached
        flow = FlowDef.model_validate(await self.version_doc(version_id))
        self._versions[version_id] = flow
        return flow

    # voicemail -------------------------------------------------------------------------------------------
    async def add_voicemail(self, *, call_uniqueid: str, caller_number: str | None, mailbox: str, path: str,
                            recorded_at: datetime, duration_seconds: float | None) -> Voicemail:
        vm = Voicemail(call_uniqueid=call_uniqueid, caller_number=caller_number, mailbox=mailbox, path=path,
                       recorded_at=recorded_at, duration_seconds=duration_seconds,
                       empty=not duration_seconds)
        async with self.repo.session() as s:
            s.add(vm)
            await s.commit()
            return vm

    async def voicemails(self, handled: bool | None = None) -> list[Voicemail]:
        async with self.repo.session() as s:
            return await self.repo.voicemails(s, handled)

    async def get_voicemail(self, vm_id: int) -> Voicemail:
        async with self.repo.session() as s:
            return await self._voicemail(s, vm_id)

    async def mark_voicemail_handled(self, vm_id: int, by: str) -> Voicemail:
        async with self.repo.session() as s:
            vm = await self._voicemail(s, vm_id)
            if vm.handled_at is None:
                vm.handled_at = self.clock.now()
                vm.handled_by = by
                await s.commit()
            return vm
