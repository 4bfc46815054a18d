"""The seeds' reports' settings (``settings.seed_reports``, ``CALLCENTER_SEED_REPORTS__...``; docs/reports.md
"The seeds' reports").

Imported by ``callcenter.settings``, so this module imports nothing of the service: pydantic only.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

# the workload report's figures, in their column order
FIGURES = ("consultation", "query", "business", "complaint", "suggestion", "fault", "proactive")
# the parts of the monthly appraisal, in their column order
PARTS = ("qc", "surveys", "complaints", "callbacks", "attendance", "workload")


def _record_categories() -> dict[str, str | None]:
    # a service record's category (callcenter/customers/models.py CATEGORIES) → the figure it counts in
    return {"consultation": "consultation", "query": "query", "business": "business", "complaint": "complaint",
            "suggestion": "suggestion", "other": None}


def _case_types() -> dict[str, str | None]:
    # a case's type (callcenter/cases/models.py TYPES) → the figure it counts in
    return {"complaint": "complaint", "suggestion": "suggestion", "fault": "fault", "service_request": "business"}


def _weights() -> dict[str, float]:
    return {"qc": 40, "surveys": 20, "complaints": 10, "callbacks": 10, "attendance": 10, "workload": 10}


class AppraisalSettings(BaseModel):
    """The agent's monthly appraisal: each part scored 0..1, weighted, the sum on ``scale`` points."""

    model_config = ConfigDict(extra="forbid")

    scale: float = Field(100, gt=0, le=1000)
    weights: dict[str, float] = Field(default_factory=_weights)
    # upheld complaints (the monthly responsibility review) that take the part to 0 (the seeds: 3 is serious)
    upheld_limit: int = Field(3, ge=1, le=100)
    # attendance violations (late >= 20 min, away >= 20 min) that take the part to 0
    violations_limit: int = Field(3, ge=1, le=100)

    @model_validator(mode="after")
    def _check(self) -> AppraisalSettings:
        unknown = sorted(set(self.weights) - set(PARTS))
        if unknown:
            raise ValueError(f"weights: unknown parts {unknown}; the parts are {list(PARTS)}")
        if any(w < 0 for w in self.weights.values()) or sum(self.weights.values()) <= 0:
            raise ValueError("weights: each at least 0, and some above 0")
        return self


class SeedReportSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    record_categories: dict[str, str | None] = Field(default_factory=_record_categories)
    case_types: dict[str, str | None] = Field(default_factory=_case_types)
    # the outcomes of an outbound call (direction outbound, the agent who placed it) that count as proactive service
    proactive_outcomes: list[str] = Field(default_factory=lambda: ["answered"])
    # how far back a week's case summary looks for the cases whose milestones fall in the week (by acceptance)
    case_lookback_days: int = Field(92, ge=7, le=400)
    # the monthly service-quality analysis of month M is due by this day of month M+1 (the seeds: the 22nd) ...
    quality_due_day: int = Field(22, ge=1, le=28)
    # ... and generated (kept, the recipients told) this many days before it, at 00:00 local time
    quality_generate_days_before: int = Field(1, ge=0, le=27)
    # who is told the analysis is ready (usernames; empty: every supervisor)
    quality_recipients: list[str] = Field(default_factory=list)
    appraisal: AppraisalSettings = Field(default_factory=AppraisalSettings)

    @model_validator(mode="after")
    def _check(self) -> SeedReportSettings:
        for name, mapping in (("record_categories", self.record_categories), ("case_types", self.case_types)):
            bad = sorted({v for v in mapping.values() if v is not None} - set(FIGURES))
            if bad:
                raise ValueError(f"{name}: unknown figures {bad}; the figures are {list(FIGURES)}")
        if self.quality_generate_days_before >= self.quality_due_day:
            raise ValueError("quality_generate_days_before: must be less than quality_due_day")
        return self
