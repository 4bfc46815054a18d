"""The audit trail's settings (``settings.audit``, ``CALLCENTER_AUDIT__...``): who besides admins reads it.

Imported by ``callcenter.settings``, so this module imports nothing of the service: pydantic only.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

ROLES = ("agent", "supervisor", "qc", "admin")  # = callcenter.auth.models.ROLES


class AuditSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # the roles that read the audit log (search, export, a customer's views); admins always do
    readers: list[str] = Field(default_factory=lambda: ["admin"])
    # an export covers at most this many days
    export_max_days: int = Field(366, ge=1, le=3660)

    @field_validator("readers")
    @classmethod
    def _roles(cls, v: list[str]) -> list[str]:
        bad = [r for r in v if r not in ROLES]
        if bad:
            raise ValueError(f"roles are {', '.join(ROLES)}, got {', '.join(map(repr, bad))}")
        return v
