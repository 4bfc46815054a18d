"""The knowledge base's settings (``settings.knowledge``, ``CALLCENTER_KNOWLEDGE__...``): the categories, who
writes, reviews, publishes an entry, and the source documents' limits.

Imported by ``callcenter.settings``, so this module imports nothing of the service: pydantic only.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

ROLES = ("agent", "supervisor", "qc", "admin")  # = callcenter.auth.models.ROLES
_CODE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
# a source document is kept and offered back as it was uploaded, never shown inline; types a browser would run or
# render as a page are refused whatever the list says
NEVER_TYPES = frozenset({"html", "htm", "xhtml", "xht", "svg", "svgz", "js", "mjs", "xml", "shtml", "php", "exe",
                         "bat", "cmd", "sh"})
_DEFAULT_TYPES = ["pdf", "doc", "docx", "odt", "rtf", "txt", "md", "xls", "xlsx", "ods", "csv", "ppt", "pptx",
                  "png", "jpg", "jpeg", "gif", "zip"]


class Category(BaseModel):
    """One category of entries: its code (stored with the entry) and its words in both languages."""

    model_config = ConfigDict(extra="forbid")
    code: str
    en: str = Field(min_length=1, max_length=64)
    zh: str = Field(min_length=1, max_length=64)

    @field_validator("code")
    @classmethod
    def _code(cls, v: str) -> str:
        if not _CODE.match(v):
            raise ValueError(f"a category code is 1 to 32 lower-case letters, digits or _, starting with a letter, "
                             f"got {v!r}")
        return v


def _default_categories() -> list[Category]:
    # the seeds' three
    return [Category(code="information", en="Information base", zh="信息库"),
            Category(code="business", en="Business knowledge", zh="业务知识库"),
            Category(code="encyclopaedia", en="Encyclopaedia", zh="百科知识库")]


def _roles(v: list[str]) -> list[str]:
    bad = [r for r in v if r not in ROLES]
    if bad:
        raise ValueError(f"roles are {', '.join(ROLES)}, got {', '.join(map(repr, bad))}")
    return v


class KnowledgeSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    categories: list[Category] = Field(default_factory=_default_categories, min_length=1)
    # who writes and edits entries (drafts), who reviews a draft, who publishes a reviewed one and withdraws
    editor_roles: list[str] = Field(default_factory=lambda: ["supervisor", "admin"], min_length=1)
    review_roles: list[str] = Field(default_factory=lambda: ["supervisor"], min_length=1)
    publish_roles: list[str] = Field(default_factory=lambda: ["supervisor", "admin"], min_length=1)
    # four eyes: the author of a version may not review it
    reviewer_not_author: bool = True
    # agents find published entries at once (the department's confirmation is shown on them); true: only once the
    # issuing department has confirmed the wording
    agents_need_confirmation: bool = False
    # the source document (the original notice): at most this many bytes, one of these extensions
    document_max_bytes: int = Field(20 * 1024 * 1024, ge=1024, le=256 * 1024 * 1024)
    document_types: list[str] = Field(default_factory=lambda: list(_DEFAULT_TYPES), min_length=1)

    _r = field_validator("editor_roles", "review_roles", "publish_roles")(_roles)

    @field_validator("document_types")
    @classmethod
    def _types(cls, v: list[str]) -> list[str]:
        out = [t.lower().lstrip(".") for t in v]
        bad = [t for t in out if not t.isalnum() or len(t) > 10]
        if bad:
            raise ValueError(f"document types are extensions (letters and digits), got {', '.join(map(repr, bad))}")
        never = sorted(set(out) & NEVER_TYPES)
        if never:
            raise ValueError(f"document types a browser would run or render are refused: {', '.join(never)}")
        return out

    @model_validator(mode="after")
    def _unique(self) -> KnowledgeSettings:
        codes = [c.code for c in self.categories]
        if len(set(codes)) != len(codes):
            raise ValueError(f"categories: duplicate codes in {codes}")
        return self

    @property
    def category_codes(self) -> list[str]:
        return [c.code for c in self.categories]
