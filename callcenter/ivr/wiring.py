"""The IVR wired: prompts, flows (``IvrService``), the engine that runs a published flow for each call over
FastAGI, and the ``/api/ivr`` routes. Depends on the core of ``callcenter`` (settings, clock, FastAGI) and on
what it is given; the composition root (``callcenter.app``) calls it like every other domain's wiring."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from fastapi import APIRouter
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.asterisk.fastagi import FastAgiServer
from callcenter.bodylimit import MULTIPART_SLACK, RouteLimit
from callcenter.clock import Clock
from callcenter.ivr.api import router
from callcenter.ivr.engine import CustomerLookup, IvrCallSink, IvrEngine
from callcenter.ivr.prompts import MAX_UPLOAD_BYTES, PromptStore
from callcenter.ivr.seed import default_flow, generate_prompts
from callcenter.ivr.service import IvrService
from callcenter.settings import Settings


@dataclass(frozen=True)
class Ivr:
    prompts: PromptStore
    service: IvrService
    engine: IvrEngine
    routers: tuple[APIRouter, ...]
    # an uploaded prompt may be far larger than the default body cap; admins only (callcenter/bodylimit.py)
    body_limits: tuple[RouteLimit, ...] = (
        RouteLimit("POST", "/api/ivr/prompts", MAX_UPLOAD_BYTES + MULTIPART_SLACK, ("admin",)),)

    async def seed_default_flow(self, data_dir: Path, queue_names: list[str]) -> None:
        """First run only (no flows at all): default prompts + the default flow, live for every number."""
        if await self.service.list_flows():
            return
        await asyncio.to_thread(generate_prompts, data_dir / "prompts")
        flow = await self.service.create_flow("default", default_flow(queue_names),
                                              "Seeded on first run: main menu 1/2/3/0, voicemail after hours")
        await self.service.publish(flow.id, by="system", note="seeded on first run")
        await self.service.set_entry_point("*", flow.id)


def wire_ivr(settings: Settings, sessions: async_sessionmaker[AsyncSession], clock: Clock,
             calls: IvrCallSink, customers: CustomerLookup, agi: FastAgiServer, *,
             queues: Callable[[], set[str]], queue_max_wait: Callable[[str], int | None],
             survey_after: Callable[[str], bool] | None = None,
             queue_prompts: Callable[[str], list[str]] | None = None) -> Ivr:
    """``queues()``: the queue names a flow may send a caller to; ``queue_max_wait(queue)``: the longest a caller
    waits in it (both the ACD's, read when needed: an admin may change them); ``survey_after(queue)``: are that
    queue's callers asked the post-call survey, whose prompts ``queue_prompts(queue)`` names (the surveys')."""
    prompts = PromptStore(settings.data_dir / "prompts", Path(settings.asterisk.data_dir) / "sounds")
    service = IvrService(sessions, clock, queues=queues, prompt_exists=prompts.exists,
                         outside=settings.outside_numbers.ivr, queue_prompts=queue_prompts)
    engine = IvrEngine(service, calls, prompts, clock, voicemail_dir=settings.data_dir / "voicemail",
                       fallback_queue=settings.ivr.default_queue, timezone=settings.timezone, customers=customers,
                       vip_priority=settings.acd.vip_priority, queue_max_wait=queue_max_wait,
                       outside=settings.outside_numbers.ivr, survey_after=survey_after)
    for route, handler in engine.routes().items():
        agi.route(route, handler)
    return Ivr(prompts=prompts, service=service, engine=engine, routers=(router,))
