"""REST API of the seeds' reports (``/api/reports/...``; docs/reports.md "The seeds' reports"): each report as
JSON or, with ``format=csv``, as CSV (UTF-8 with BOM). Supervisors, admins and QC read every report; an agent
reads their own row of the monthly appraisal and nothing else."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict

from callcenter.auth.api import require_roles
from callcenter.auth.models import User
from callcenter.bounds import Day, Month
from callcenter.deps import provide
from callcenter.reports.seeds import SeedReports, tables_csv
from callcenter.schema_types import CSV_CONTENT

router = APIRouter(prefix="/api/reports", tags=["reports"])
ReportsDep = Annotated[SeedReports, Depends(provide(SeedReports))]
Reader = Annotated[User, Depends(require_roles("supervisor", "admin", "qc"))]
Lead = Annotated[User, Depends(require_roles("supervisor", "admin"))]
Anyone = Annotated[User, Depends(require_roles("agent", "supervisor", "admin", "qc"))]
Format = Literal["json", "csv"]
CSV: dict[int | str, dict[str, Any]] = {200: {"content": CSV_CONTENT}}
LEADS = {"supervisor", "admin", "qc"}


class PeriodOut(BaseModel):
    kind: str
    label: str
    first: str
    last: str
    start: str
    end: str


class TableOut(BaseModel):
    key: str
    columns: list[str]
    rows: list[list[Any]]


class ReportOut(BaseModel):
    """A report: its period, its figures (named per report, below) and the same figures as ``tables`` (what the
    page shows and the CSV holds, one table after another)."""

    model_config = ConfigDict(extra="allow")

    report: str
    period: PeriodOut
    tables: list[TableOut]


class WorkloadOut(ReportOut):
    figures: list[str]
    agents: list[dict[str, Any]]
    teams: list[dict[str, Any]]
    total: dict[str, Any]


class CaseSummaryOut(ReportOut):
    figures: list[str]
    types: list[dict[str, Any]]
    total: dict[str, int]
    chased_detail: dict[str, int]
    follow_ups_called_back: int


class SatisfactionOut(ReportOut):
    all: dict[str, Any]
    channels: list[dict[str, Any]]
    agents: list[dict[str, Any]]


class QualityOut(ReportOut):
    month: str
    previous_month: str
    current: dict[str, Any]
    previous: dict[str, Any]


class AppraisalOut(ReportOut):
    month: str
    scale: float
    weights: dict[str, float]
    bands: list[dict[str, Any]]
    agents: list[dict[str, Any]]


class KeptOut(BaseModel):
    month: str
    generated_at: str
    generated_by: str
    told: list[str]


class KeptReportOut(KeptOut):
    report: QualityOut


class KeptList(BaseModel):
    items: list[KeptOut]


def _answer(report: dict[str, Any], format: Format, name: str) -> Any:
    if format == "csv":
        return Response(tables_csv(report), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
    return report


@router.get("/workload", response_model=WorkloadOut, responses=CSV,
            summary="The daily or weekly workload per agent and per team (queue), JSON or CSV")
async def workload(reports: ReportsDep, user: Reader, date: Annotated[Day, Query()],
                   period: Literal["day", "week"] = "day", format: Format = "json") -> Any:
    p = reports.day(date) if period == "day" else reports.week(date)
    return _answer(await reports.workload(user.username, p), format, f"workload-{p.label}")


@router.get("/case-summary", response_model=CaseSummaryOut, responses=CSV,
            summary="The weekly case summary (the week holding the date), JSON or CSV")
async def case_summary(reports: ReportsDep, user: Reader, date: Annotated[Day, Query()],
                       format: Format = "json") -> Any:
    p = reports.week(date)
    return _answer(await reports.case_summary(user.username, p), format, f"case-summary-{p.label}")


@router.get("/satisfaction", response_model=SatisfactionOut, responses=CSV,
            summary="The weekly satisfaction analysis (the week holding the date), JSON or CSV")
async def satisfaction(reports: ReportsDep, user: Reader, date: Annotated[Day, Query()],
                       format: Format = "json") -> Any:
    p = reports.week(date)
    return _answer(await reports.satisfaction(user.username, p), format, f"satisfaction-{p.label}")


@router.get("/quality", response_model=QualityOut, responses=CSV,
            summary="The monthly service-quality analysis, the previous month beside it, JSON or CSV")
async def quality(reports: ReportsDep, user: Reader, month: Annotated[Month, Query()],
                  format: Format = "json") -> Any:
    return _answer(await reports.quality(user.username, month), format, f"quality-{month}")


@router.get("/quality/kept", response_model=KeptList, summary="The monthly analyses generated and kept")
async def kept_list(reports: ReportsDep, user: Reader) -> KeptList:
    return KeptList(items=[KeptOut(**k) for k in reports.kept_months()])


@router.get("/quality/kept/{month}", response_model=KeptReportOut,
            summary="A kept monthly analysis as it was generated, with who was told")
async def kept_one(reports: ReportsDep, user: Reader, month: Month) -> Any:
    return reports.kept(month)


@router.post("/quality/generate", response_model=KeptReportOut,
             summary="Generate (again) a month's service-quality analysis now, keep it, tell the recipients")
async def generate(reports: ReportsDep, user: Lead, month: Annotated[Month, Query()]) -> Any:
    return await reports.generate(user.username, month)


@router.get("/appraisal", response_model=AppraisalOut, responses=CSV,
            summary="The agents' monthly appraisal (an agent: their own row), JSON or CSV")
async def appraisal(reports: ReportsDep, user: Anyone, month: Annotated[Month, Query()],
                    format: Format = "json") -> Any:
    only = None if set(user.roles) & LEADS else user.username
    return _answer(await reports.appraisal(user.username, month, only), format, f"appraisal-{month}")

