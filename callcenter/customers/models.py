"""Customers, their phone numbers and service records (the CRM behind the IVR lookup and the screen pop)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.calls.models import Call
from callcenter.db import Base, UtcDateTime

CATEGORIES = ("consultation", "query", "business", "complaint", "suggestion", "other")


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False, index=True)
    company: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    address: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    vip: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    notes: Mapped[str] = mapped_column(Text, nullable=False, default="")
    tags: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False, index=True)
    updated_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class CustomerPhone(Base):
    """One of a customer's numbers, stored normalised (see ``normalise_number``); unique, so a caller number
    finds its customer with one indexed query."""

    __tablename__ = "customer_phones"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), nullable=False,
                                             index=True)
    number: Mapped[str] = mapped_column(String(32), nullable=False, unique=True)


class ServiceRecord(Base):
    """What an agent did for a caller on one call. Kept when its customer is deleted (customer_id → NULL);
    a call from an unknown number may get one before its customer exists (linked when the number is added
    to a customer)."""

    __tablename__ = "service_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"))
    call_uniqueid: Mapped[str | None] = mapped_column(String(64), index=True)  # = calls.uniqueid
    caller_number: Mapped[str | None] = mapped_column(String(32), index=True)  # normalised
    agent_username: Mapped[str] = mapped_column(String(64), nullable=False)
    category: Mapped[str] = mapped_column(String(16), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    outcome: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    follow_up_needed: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    follow_up_due: Mapped[datetime | None] = mapped_column(UtcDateTime())
    follow_up_done_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    updated_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    __table_args__ = (
        Index("ix_service_records_customer_created", "customer_id", "created_at"),
        Index("ix_service_records_agent_created", "agent_username", "created_at"),
    )


# A customer's calls are found by caller number (history, screen pop): the index is created by migration
# 0006_crm and declared here, with the CRM that needs it, so the metadata matches the database.
Index("ix_calls_caller_number", Call.__table__.c.caller_number)
