"""The departments directory wired: its repository, service and routes."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.clock import Clock
from callcenter.departments.api import router
from callcenter.departments.repository import DepartmentRepository
from callcenter.departments.service import Audit, Departments, UserExists


@dataclass(frozen=True)
class DepartmentsDomain:
    repo: DepartmentRepository
    service: Departments
    routers: tuple[APIRouter, ...]


def wire_departments(sessions: async_sessionmaker[AsyncSession], clock: Clock, audit: Audit,
                     user_exists: UserExists) -> DepartmentsDomain:
    repo = DepartmentRepository(sessions)
    return DepartmentsDomain(repo=repo, service=Departments(repo, clock, audit, user_exists), routers=(router,))
