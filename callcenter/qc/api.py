"""REST API of quality control: /api/qc/... (thin: the rules are in ``service.py``).

QC work (draws, samples, notes, evaluations, reports, forms) needs role qc, supervisor or admin; assigning work and
storing survey results needs supervisor or admin; /mine, acknowledge and dispute are the agent's side.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import Response

from callcenter.auth.api import require_roles
from callcenter.auth.models import User
from callcenter.bounds import MAX_ID, MONTH, Day, Offset
from callcenter.deps import provide
from callcenter.qc.access import Actor
from callcenter.qc.appeals import QcAppeals
from callcenter.qc.draws import QcDraws
from callcenter.qc.evaluations import QcEvaluations
from callcenter.qc.reports import QcReports, agents_csv, weekly_csv
from callcenter.qc.sampling import Policy
from callcenter.qc.schemas import (
    AcknowledgeIn,
    AssignIn,
    CorrectionIn,
    DisputeIn,
    DrawIn,
    EvaluationIn,
    HandPickIn,
    QcAgentsReport,
    QcDrawCheck,
    QcDrawOut,
    QcDrawResult,
    QcEvaluationOut,
    QcMyEvaluation,
    QcNoteIn,
    QcNoteOut,
    QcSampleDetail,
    QcSampleOut,
    QcSamplePage,
    QcSurveyOut,
    QcTemplateIn,
    QcTemplateOut,
    QcWeeklyReport,
    SurveyIn,
)
from callcenter.qc.surveys import QcSurveys
from callcenter.qc.templates import QcForms
from callcenter.qc.work_queue import QcWorkQueue
from callcenter.schema_types import CSV_CONTENT

Qc = Annotated[User, Depends(require_roles("qc", "supervisor", "admin"))]
QcOnly = Annotated[User, Depends(require_roles("qc"))]
FormEditor = Annotated[User, Depends(require_roles("qc", "admin"))]
Lead = Annotated[User, Depends(require_roles("supervisor", "admin"))]
Agent = Annotated[User, Depends(require_roles("agent"))]
Id = Annotated[int, Path(ge=1, le=MAX_ID)]
Month = Annotated[str, Query(pattern=MONTH, description="YYYY-MM (centre timezone)")]
Format = Literal["json", "csv"]

router = APIRouter(prefix="/api/qc", tags=["quality control"])


Forms = Annotated[QcForms, Depends(provide(QcForms))]
Draws = Annotated[QcDraws, Depends(provide(QcDraws))]
WorkQueue = Annotated[QcWorkQueue, Depends(provide(QcWorkQueue))]
Evaluations = Annotated[QcEvaluations, Depends(provide(QcEvaluations))]
Appeals = Annotated[QcAppeals, Depends(provide(QcAppeals))]
Surveys = Annotated[QcSurveys, Depends(provide(QcSurveys))]
Reports = Annotated[QcReports, Depends(provide(QcReports))]


# the JSON answer is the route's response model; ?format=csv answers this instead
CSV: dict[int | str, dict[str, Any]] = {200: {"content": CSV_CONTENT}}


def _csv(data: bytes, name: str) -> Response:
    return Response(data, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


# draws and samples -----------------------------------------------------------------------------------------
@router.post("/draws", response_model=QcDrawResult,
             status_code=201, summary="Draw a month's QC sample (once per month)")
async def draw(body: DrawIn, svc: Draws, user: Qc) -> dict[str, Any]:
    policy = Policy(per_agent=body.per_agent, min_talk_seconds=body.min_talk_seconds,
                    weight_complaints=body.weight_complaints, weight_poor_survey=body.weight_poor_survey,
                    poor_level=body.poor_level)
    return await svc.draw(Actor.of(user), body.month, policy, body.seed)


@router.get("/draws", response_model=list[QcDrawOut], summary="Stored draws (newest month first)")
async def draws(svc: Draws, user: Qc, month: Annotated[str | None, Query(pattern=MONTH)] = None
                ) -> list[dict[str, Any]]:
    return await svc.draws(month)


@router.get("/draws/{draw_id}/verify", response_model=QcDrawCheck,
            summary="Re-run a stored draw from its seed and compare with its samples")
async def verify_draw(draw_id: Id, svc: Draws, user: Qc) -> dict[str, Any]:
    return await svc.rerun_draw(draw_id)


@router.post("/samples", response_model=QcSampleOut,
             status_code=201, summary="Hand-pick a call into its month's sample")
async def hand_pick(body: HandPickIn, svc: Draws, user: Qc) -> dict[str, Any]:
    return await svc.hand_pick(Actor.of(user), body.call_uniqueid, body.reason)


@router.get("/samples", response_model=QcSamplePage, summary="The QC work queue")
async def samples(
    svc: WorkQueue, user: Qc,
    month: Annotated[str | None, Query(pattern=MONTH)] = None,
    status: Literal["open", "claimed", "scored", "disputed"] | None = None,
    agent: Annotated[str | None, Query(max_length=128)] = None,
    assignee: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
    offset: Offset = 0,
) -> dict[str, Any]:
    return await svc.samples(month=month, status=status, agent=agent, assignee=assignee, limit=limit,
                                       offset=offset)


@router.get("/samples/{sample_id}", response_model=QcSampleDetail,
            summary="A sample with its recording, call, notes, evaluation and form")
async def sample(sample_id: Id, svc: WorkQueue, user: Qc) -> dict[str, Any]:
    return await svc.sample_detail(sample_id)


@router.post("/samples/{sample_id}/assign", response_model=QcSampleOut,
             summary="Give a sample to a QC inspector (supervisor/admin)")
async def assign(sample_id: Id, body: AssignIn, svc: WorkQueue, user: Lead) -> dict[str, Any]:
    return await svc.assign(Actor.of(user), sample_id, body.username)


@router.post("/samples/{sample_id}/claim", response_model=QcSampleOut, summary="Take a sample (QC inspector)")
async def claim(sample_id: Id, svc: WorkQueue, user: QcOnly) -> dict[str, Any]:
    return await svc.claim(Actor.of(user), sample_id)


@router.post("/samples/{sample_id}/release", response_model=QcSampleOut,
             summary="Give a claimed sample back (its claimer or a supervisor)")
async def release(sample_id: Id, svc: WorkQueue, user: Qc) -> dict[str, Any]:
    return await svc.release(Actor.of(user), sample_id)


@router.post("/samples/{sample_id}/notes", response_model=QcNoteOut,
             status_code=201, summary="A note at a point of the recording")
async def add_note(sample_id: Id, body: QcNoteIn, svc: WorkQueue, user: Qc) -> dict[str, Any]:
    return await svc.add_note(Actor.of(user), sample_id, body.at_seconds, body.text)


# evaluations -----------------------------------------------------------------------------------------------
@router.post("/samples/{sample_id}/evaluation", response_model=QcEvaluationOut,
             status_code=201, summary="Score a sample (locked once submitted)")
async def submit(sample_id: Id, body: EvaluationIn, svc: Evaluations, user: Qc) -> dict[str, Any]:
    return await svc.submit(Actor.of(user), sample_id, template_id=body.template_id, scores=body.scores,
                                      comments=body.comments, summary=body.summary)


@router.post("/evaluations/{evaluation_id}/corrections", response_model=QcEvaluationOut, status_code=201,
             summary="Correct an evaluation: a new version with a reason (earlier versions are kept)")
async def correct(evaluation_id: Id, body: CorrectionIn, svc: Evaluations, user: Qc) -> dict[str, Any]:
    return await svc.correct(Actor.of(user), evaluation_id, scores=body.scores, comments=body.comments,
                                       summary=body.summary, reason=body.reason)


@router.get("/mine", response_model=list[QcMyEvaluation], response_model_exclude_unset=True,
            summary="The logged-in agent's own evaluations")
async def mine(svc: Appeals, user: Agent) -> list[dict[str, Any]]:
    return await svc.mine(Actor.of(user))


@router.post("/evaluations/{evaluation_id}/acknowledge", response_model=QcEvaluationOut,
             summary="The evaluated agent acknowledges the score")
async def acknowledge(evaluation_id: Id, svc: Appeals, user: Agent, body: AcknowledgeIn | None = None
                      ) -> dict[str, Any]:
    return await svc.respond(Actor.of(user), evaluation_id, "acknowledged", body.comment if body else "")


@router.post("/evaluations/{evaluation_id}/dispute", response_model=QcEvaluationOut,
             summary="The evaluated agent disputes the score")
async def dispute(evaluation_id: Id, body: DisputeIn, svc: Appeals, user: Agent) -> dict[str, Any]:
    return await svc.respond(Actor.of(user), evaluation_id, "disputed", body.comment)


# forms, survey, reports ------------------------------------------------------------------------------------
@router.get("/templates", response_model=list[QcTemplateOut],
            summary="QC forms (every version; the default one is flagged)")
async def templates(svc: Forms, user: Qc) -> list[dict[str, Any]]:
    return await svc.templates()


@router.post("/templates", response_model=QcTemplateOut,
             status_code=201, summary="A new QC form, or a new version of one (weights sum to 100)")
async def create_template(body: QcTemplateIn, svc: Forms, user: FormEditor) -> dict[str, Any]:
    return await svc.create_template(Actor.of(user), body.name, body.criteria, body.is_default)


@router.post("/survey", response_model=QcSurveyOut,
             summary="Store a call's survey result: four points, each 1 very satisfied .. 4 poor (re-typing replaces)")
async def survey(body: SurveyIn, svc: Surveys, user: Lead) -> dict[str, Any]:
    return await svc.set_survey(Actor.of(user), body.call_uniqueid, body.points())


@router.get("/reports/agents", response_model=QcAgentsReport, responses=CSV,
            summary="Monthly QC summary per agent")
async def agents_report(svc: Reports, user: Qc, month: Month, format: Format = "json"
                        ) -> dict[str, Any] | Response:
    report = await svc.agents_report(month)
    return _csv(agents_csv(report), f"qc-agents-{month}.csv") if format == "csv" else report


@router.get("/reports/weekly", response_model=QcWeeklyReport, responses=CSV,
            summary="Weekly QC summary: criteria most often below par")
async def weekly_report(svc: Reports, user: Qc,
                        week_start: Annotated[Day, Query(description="YYYY-MM-DD, first day of the week")],
                        format: Format = "json") -> dict[str, Any] | Response:
    report = await svc.weekly_report(week_start)
    return _csv(weekly_csv(report), f"qc-weekly-{week_start.isoformat()}.csv") if format == "csv" else report
