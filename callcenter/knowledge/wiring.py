"""The knowledge base wired: its storage, its rules, the source documents and the routes.

It reads two other domains: the departments (the issuing department, whose heads confirm an entry) and the
customers' call access rule (``CustomerAccess.may_use_call``: the agent handles the call now, in wrap-up too, or
answered it), through which an entry is marked used on a call."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fastapi import APIRouter
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.bodylimit import MULTIPART_SLACK, RouteLimit
from callcenter.clock import Clock
from callcenter.departments.repository import DepartmentRepository
from callcenter.knowledge.api import UPLOAD_PATH, router
from callcenter.knowledge.config import KnowledgeSettings
from callcenter.knowledge.documents import KnowledgeDocuments
from callcenter.knowledge.repository import KnowledgeRepository
from callcenter.knowledge.service import Audit, Knowledge, MayUseCall


@dataclass(frozen=True)
class KnowledgeDomain:
    repo: KnowledgeRepository
    service: Knowledge
    documents: KnowledgeDocuments
    routers: tuple[APIRouter, ...]
    body_limits: tuple[RouteLimit, ...]


def wire_knowledge(sessions: async_sessionmaker[AsyncSession], clock: Clock, timezone: str,
                   settings: KnowledgeSettings, data_dir: Path, audit: Audit, departments: DepartmentRepository,
                   may_use_call: MayUseCall) -> KnowledgeDomain:
    repo = KnowledgeRepository(sessions)
    service = Knowledge(repo, settings, clock, timezone, audit, departments, may_use_call)
    documents = KnowledgeDocuments(service, data_dir / "knowledge")
    limit = RouteLimit("POST", UPLOAD_PATH, settings.document_max_bytes + MULTIPART_SLACK, tuple(settings.editor_roles))
    return KnowledgeDomain(repo=repo, service=service, documents=documents, routers=(router,), body_limits=(limit,))
