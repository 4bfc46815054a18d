"""The audit trail's reading wired: its reader over ``audit_log`` and its routes."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.audit.api import router, views_router
from callcenter.audit.config import AuditSettings
from callcenter.audit.repository import AuditTrail
from callcenter.audit.service import Audit, AuditReader
from callcenter.clock import Clock


@dataclass(frozen=True)
class AuditDomain:
    reader: AuditReader
    routers: tuple[APIRouter, ...]


def wire_audit(sessions: async_sessionmaker[AsyncSession], clock: Clock, timezone: str, settings: AuditSettings,
               audit: Audit) -> AuditDomain:
    """``audit``: where reading the log is written (``AuthService.audit``, the log itself)."""
    reader = AuditReader(AuditTrail(sessions), clock, timezone, settings, audit)
    return AuditDomain(reader=reader, routers=(router, views_router))
