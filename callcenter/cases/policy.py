"""The cases' workflow policy (``settings.case_policy``, ``CALLCENTER_CASE_POLICY__...``): the causes a complaint
is classified by, who reviews a serious complaint, who approves a settlement of which amount, and the limits of a
report's files. (The clocks are ``settings.cases``, :mod:`callcenter.cases.config`.)

Imported by ``callcenter.settings``, so this module imports nothing of the service: pydantic only.

Positions are the centre's approver positions (the shifts domain keeps who holds which: ``team_lead``,
``department_head``, ``centre_director``, in rising rank; a higher one may do what a lower one may); the head of
the case's department counts as ``department_head`` for that case.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

POSITIONS = ("team_lead", "department_head", "centre_director")  # = callcenter.shifts.models.POSITIONS
CASE_TYPES = ("complaint", "suggestion", "fault", "service_request")  # = callcenter.cases.models.TYPES


def _default_causes() -> dict[str, list[str]]:
    return {"quality": ["attitude", "skill", "timeliness", "promise_broken", "wrong_information"],
            "non_quality": ["product", "network_fault", "billing", "policy", "other"]}


# the words of the default causes (code → English, Chinese), for GET /api/cases/causes and the pages; a cause the
# centre configures beyond these is shown by its code (:func:`cause_label`)
CAUSE_WORDS: dict[str, tuple[str, str]] = {
    "attitude": ("service attitude", "服务态度"),
    "skill": ("business skill", "业务技能"),
    "timeliness": ("timeliness", "处理时效"),
    "promise_broken": ("promise broken", "承诺未兑现"),
    "wrong_information": ("wrong information", "信息错误"),
    "product": ("product", "产品问题"),
    "network_fault": ("network fault", "网络故障"),
    "billing": ("billing", "计费问题"),
    "policy": ("policy", "政策规定"),
    "other": ("other", "其他"),
}


def cause_label(code: str, lang: str) -> str:
    """The words of cause ``code`` in ``lang`` (``en``; ``zh-CN`` or any ``zh…``); the code itself for a configured
    cause without words."""
    words = CAUSE_WORDS.get(code)
    if words is None:
        return code
    return words[1] if lang.lower().startswith("zh") else words[0]


class SettlementThreshold(BaseModel):
    """A settlement above ``above`` (currency units) needs ``position``'s approval."""

    model_config = ConfigDict(extra="forbid")
    above: Decimal = Field(ge=0, le=Decimal("1000000000"))
    position: str

    @field_validator("position")
    @classmethod
    def _known(cls, v: str) -> str:
        if v not in POSITIONS:
            raise ValueError(f"position must be one of {', '.join(POSITIONS)}, got {v!r}")
        return v


def _default_thresholds() -> list[SettlementThreshold]:
    return [SettlementThreshold(above=Decimal("500"), position="department_head"),
            SettlementThreshold(above=Decimal("5000"), position="centre_director")]


_DEFAULT_FILE_TYPES = ["pdf", "png", "jpg", "jpeg", "gif", "txt", "csv", "doc", "docx", "xls", "xlsx",
                       "wav", "mp3", "zip"]


class CasePolicySettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # the finer causes of a complaint per cause class (quality / non_quality); codes, shown by the pages
    causes: dict[str, list[str]] = Field(default_factory=_default_causes)
    # the position whose review a serious complaint needs before it is resolved (the seeds: the deputy general
    # manager, the centre's highest position here)
    serious_review_position: str = "centre_director"
    # a settlement above an amount needs the approver of the highest threshold it passes
    settlement_thresholds: list[SettlementThreshold] = Field(default_factory=_default_thresholds)
    # a report file: at most this many bytes, and one of these extensions
    file_max_bytes: int = Field(10 * 1024 * 1024, ge=1024, le=256 * 1024 * 1024)
    file_types: list[str] = Field(default_factory=lambda: list(_DEFAULT_FILE_TYPES), min_length=1)
    # at most this many files per case
    files_per_case: int = Field(50, ge=1, le=1000)
    # the type a case opened from a call starts as, by the call's queue (the caller's IVR choice): a caller who
    # pressed "complaints" starts a complaint; another queue starts with no type chosen
    types_by_queue: dict[str, str] = Field(default_factory=lambda: {"complaints": "complaint"})

    @field_validator("causes")
    @classmethod
    def _classes(cls, v: dict[str, list[str]]) -> dict[str, list[str]]:
        unknown = sorted(set(v) - {"quality", "non_quality"})
        if unknown:
            raise ValueError(f"cause classes are quality and non_quality, got {', '.join(unknown)}")
        for k, causes in v.items():
            for c in causes:
                if not c or len(c) > 64:
                    raise ValueError(f"a cause of {k} must be 1 to 64 characters, got {c!r}")
        return v

    @field_validator("types_by_queue")
    @classmethod
    def _queue_types(cls, v: dict[str, str]) -> dict[str, str]:
        for queue, type_ in v.items():
            if type_ not in CASE_TYPES:
                raise ValueError(f"types_by_queue: queue {queue!r} maps to {type_!r}, which is not one of "
                                 f"{', '.join(CASE_TYPES)}")
        return v

    @field_validator("serious_review_position")
    @classmethod
    def _position(cls, v: str) -> str:
        if v not in POSITIONS:
            raise ValueError(f"serious_review_position must be one of {', '.join(POSITIONS)}, got {v!r}")
        return v

    @field_validator("file_types")
    @classmethod
    def _types(cls, v: list[str]) -> list[str]:
        out = [t.lower().lstrip(".") for t in v]
        bad = [t for t in out if not t.isalnum() or len(t) > 10]
        if bad:
            raise ValueError(f"file types are extensions (letters and digits), got {', '.join(map(repr, bad))}")
        return out

    @model_validator(mode="after")
    def _ordered(self) -> CasePolicySettings:
        self.settlement_thresholds.sort(key=lambda t: t.above)
        return self

    def approver_for(self, amount: Decimal) -> str | None:
        """The position a settlement of ``amount`` needs (None: no approval needed)."""
        need = None
        for t in self.settlement_thresholds:
            if amount > t.above:
                need = t.position
        return need

    def cause_class_of(self, cause: str) -> str | None:
        for k, causes in self.causes.items():
            if cause in causes:
                return k
        return None
