"""The notices' settings (``settings.notices``, ``CALLCENTER_NOTICES__...``): who publishes, the attached file's
limits, how far ahead a shift audience reaches.

Imported by ``callcenter.settings``, so this module imports nothing of the service: pydantic only.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from callcenter.knowledge.config import NEVER_TYPES

ROLES = ("agent", "supervisor", "qc", "admin")  # = callcenter.auth.models.ROLES
_DEFAULT_TYPES = ["pdf", "doc", "docx", "odt", "rtf", "txt", "xls", "xlsx", "ods", "csv", "ppt", "pptx", "png",
                  "jpg", "jpeg", "gif", "zip"]


class NoticeSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # who publishes (and withdraws) notices besides the heads of a department
    publish_roles: list[str] = Field(default_factory=lambda: ["supervisor", "admin"], min_length=1)
    # the head of a department (callcenter/departments: its head or a member with the role head) publishes too,
    # naming that department
    heads_publish: bool = True
    # a notice to a shift reaches the agents rostered on it from its publication until its valid_until, or, without
    # one, for this many days
    shift_days: int = Field(7, ge=1, le=62)
    # the attached file: at most this many bytes, one of these extensions (never one a browser would render)
    file_max_bytes: int = Field(10 * 1024 * 1024, ge=1024, le=256 * 1024 * 1024)
    file_types: list[str] = Field(default_factory=lambda: list(_DEFAULT_TYPES), min_length=1)

    @field_validator("publish_roles")
    @classmethod
    def _roles(cls, v: list[str]) -> list[str]:
        bad = [r for r in v if r not in ROLES]
        if bad:
            raise ValueError(f"roles are {', '.join(ROLES)}, got {', '.join(map(repr, bad))}")
        return v

    @field_validator("file_types")
    @classmethod
    def _types(cls, v: list[str]) -> list[str]:
        out = [t.lower().lstrip(".") for t in v]
        bad = [t for t in out if not t.isalnum() or len(t) > 10]
        if bad:
            raise ValueError(f"file types are extensions (letters and digits), got {', '.join(map(repr, bad))}")
        never = sorted(set(out) & NEVER_TYPES)
        if never:
            raise ValueError(f"file types a browser would run or render are refused: {', '.join(never)}")
        return out
