"""Departments (marketing, R&D, after-sales, ...) and their members: who handles the cases dispatched to them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.db import Base, UtcDateTime

MEMBER_ROLES = ("handler", "head")


class Department(Base):
    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False, unique=True)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    head: Mapped[str | None] = mapped_column(String(64))  # username of the department head
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)


class DepartmentMember(Base):
    """A user's membership: ``handler`` (works the department's cases) or ``head`` (also dispatches, resolves)."""

    __tablename__ = "department_members"

    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id", ondelete="CASCADE"), primary_key=True)
    username: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)
    role: Mapped[str] = mapped_column(String(16), nullable=False, default="handler")
