"""API shapes of /api/qc. Inputs refuse unknown fields (a misspelt field is a 400 naming it). Outputs: what each
route answers, field for field as :mod:`callcenter.qc.views` and :mod:`callcenter.qc.reports` build it
(``template_out``, ``sample_out``, ``evaluation_out``, ``note_out``, ...).

Times are strings already formatted by QC (ISO 8601 UTC with ``Z``, ``qc.views.iso``); months
``YYYY-MM``. The models are plain (no ``extra="forbid"``): FastAPI filters each answer through them, so a field
missing here would silently disappear from the answer.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

from callcenter.bounds import MAX_ID, MONTH
from callcenter.qc.draws import MAX_SEED
from callcenter.qc.models import EVALUATION_STATUSES, SAMPLE_STATUSES
from callcenter.surveys.models import POINTS
from callcenter.surveys.schemas import Level, PointOut

# A number as the form's author or the inspector wrote it (a criterion's weight and scale, a score, the draw
# policy's knobs): an int stays an int in the answer. A ``float`` field would turn 20 into 20.0.
Number = int | float
SampleStatus = Literal["open", "claimed", "scored", "disputed"]
EvaluationStatus = Literal["submitted", "acknowledged", "disputed", "corrected"]
AgentResponse = Literal["acknowledged", "disputed"]
assert (get_args(SampleStatus), get_args(EvaluationStatus)) == (SAMPLE_STATUSES, EVALUATION_STATUSES)


# inputs ----------------------------------------------------------------------------------------------------
class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DrawIn(_In):
    month: str = Field(pattern=MONTH)
    per_agent: int = Field(3, ge=1, le=5)
    min_talk_seconds: float = Field(30, ge=0, le=36_000)
    weight_complaints: float = Field(3.0, ge=0, le=1000)
    weight_poor_survey: float = Field(2.0, ge=0, le=1000)
    poor_level: int = Field(4, ge=1, le=4, description=(
        "a call weighs weight_poor_survey more when one of its surveys has a point at this level or worse: 4 poor "
        "(较差), 3 fair (一般) or worse, ... (levels 1 very satisfied .. 4 poor)"))
    seed: int | None = Field(None, ge=0, le=MAX_SEED)


class HandPickIn(_In):
    call_uniqueid: str = Field(min_length=1, max_length=64)
    reason: str = Field("", max_length=2000)


class AssignIn(_In):
    username: str = Field(min_length=1, max_length=64)


class QcNoteIn(_In):
    at_seconds: float = Field(ge=0, le=86_400)
    text: str = Field(min_length=1, max_length=2000)


class ScoresIn(_In):
    scores: dict[str, Any]  # criterion key → number inside its scale (checked against the form)
    comments: dict[str, Annotated[str, Field(max_length=2000)]] = Field(default_factory=dict)
    summary: str = Field("", max_length=5000)


class EvaluationIn(ScoresIn):
    template_id: int | None = Field(None, ge=1, le=MAX_ID)  # default: the default form


class CorrectionIn(ScoresIn):  # a correction keeps the evaluation's form
    reason: str = Field(min_length=1, max_length=2000)


class AcknowledgeIn(_In):
    comment: str = Field("", max_length=2000)


class DisputeIn(_In):
    comment: str = Field(min_length=1, max_length=2000)


class QcTemplateIn(_In):
    name: str = Field(min_length=1, max_length=100)
    criteria: list[dict[str, Any]]
    is_default: bool = False


class SurveyIn(_In):
    """A survey result a lead types in: the four points, each 1 very satisfied (很满意), 2 satisfied (满意), 3 fair
    (一般), 4 poor (较差), or null (not answered); at least one. (The single 1-5 ``score`` is gone.)"""

    call_uniqueid: str = Field(min_length=1, max_length=64)
    attitude: Level | None = None
    skill: Level | None = None
    timeliness: Level | None = None
    promises: Level | None = Field(None, description="promises kept (承诺兑现)")

    def points(self) -> dict[str, int | None]:
        return {p: getattr(self, p) for p in POINTS}


# forms -----------------------------------------------------------------------------------------------------
class QcCriterionLabel(BaseModel):
    key: str
    label_en: str
    label_zh: str
    weight: Number  # points of 100


class QcCriterion(QcCriterionLabel):
    scale_min: Number
    scale_max: Number


class QcTemplateOut(BaseModel):
    id: int
    name: str
    version: int
    criteria: list[QcCriterion]
    active: bool
    is_default: bool
    created_by: str
    created_at: str


# draws and samples -----------------------------------------------------------------------------------------
class QcPolicyOut(BaseModel):
    """The policy a draw ran with (stored with it, so the draw can be re-run)."""

    per_agent: int
    min_talk_seconds: Number
    weight_complaints: Number
    weight_poor_survey: Number
    poor_level: int  # a survey point at this level or worse (1..4) weighs; algorithm 1: mapped from poor_survey_max
    poor_survey_max: int | None = Field(None, description=(
        "algorithm-1 draws only (null otherwise): their threshold on the old 1-5 score (<= it was poor), re-run as "
        "poor_level"))
    timezone: str
    algorithm: int  # 1: weighted by the old 1-5 score; 2: by the four-point surveys


class QcDrawOut(BaseModel):
    id: int
    month: str
    seed: int
    policy: QcPolicyOut
    drawn_by: str
    drawn_at: str
    candidate_count: int
    agent_candidates: dict[str, int]  # agent → candidate calls


class QcSampleOut(BaseModel):
    id: int
    month: str
    call_uniqueid: str
    agent: str
    draw_id: int | None  # None: hand-picked only
    week: int
    weight: float
    hand_picked: bool
    picked_by: str | None
    reason: str
    status: SampleStatus
    assignee: str | None
    assigned_by: str | None
    assigned_at: str | None
    created_at: str
    evaluation_id: int | None


class QcDrawResult(QcDrawOut):
    short: dict[str, int]  # agents with fewer candidates than per_agent → their candidates
    samples: list[QcSampleOut]


class QcDrawCheck(BaseModel):
    draw_id: int
    month: str
    seed: int
    matches: bool  # the re-run gives the stored sample
    candidates_unchanged: bool
    stored: list[str]
    rerun: list[str]


class QcEvaluationBrief(BaseModel):
    id: int
    status: EvaluationStatus
    total: float | None
    grade: str | None


class QcSampleRow(QcSampleOut):
    answered_at: str | None
    queue: str | None
    talk_seconds: float | None
    evaluation: QcEvaluationBrief | None


class QcSamplePage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[QcSampleRow]


class QcNoteOut(BaseModel):
    id: int
    at_seconds: float
    text: str
    author: str
    created_at: str


# evaluations -----------------------------------------------------------------------------------------------
class _Scored(BaseModel):
    scores: dict[str, Number]  # criterion key → value inside its scale
    comments: dict[str, str]
    summary: str
    points: dict[str, float]  # criterion key → points earned
    total: float
    grade: str  # excellent, good, competent, basic or not_competent (callcenter.qc.forms.GRADES)
    agent_response: AgentResponse | None
    agent_comment: str
    agent_responded_at: str | None


class QcVersionOut(_Scored):
    version: int
    reason: str  # why it was corrected ("" for version 1)
    by: str
    at: str


class QcEvaluationOut(_Scored):
    """The evaluation with its current version's content on top and every version below."""

    id: int
    sample_id: int
    template_id: int
    agent: str
    evaluator: str
    status: EvaluationStatus
    submitted_at: str
    current_version: int
    versions: list[QcVersionOut]


class QcRecordingBrief(BaseModel):
    id: int
    duration_seconds: float | None
    format: str
    status: str


class QcCallBrief(BaseModel):
    queue: str | None
    answered_at: str | None
    talk_seconds: float | None


class QcCallOut(QcCallBrief):
    caller_number: str | None


class QcSampleDetail(QcSampleOut):
    recording: QcRecordingBrief | None
    call: QcCallOut | None
    notes: list[QcNoteOut]
    evaluation: QcEvaluationOut | None
    template: QcTemplateOut | None  # the evaluation's form, else the default form


class QcMineCall(BaseModel):
    """The call without the caller's number; an empty object when the call record is gone (the route leaves
    unset fields out)."""

    queue: str | None = None
    answered_at: str | None = None
    talk_seconds: float | None = None


class QcMyEvaluation(QcEvaluationOut):
    month: str
    call_uniqueid: str
    recording_id: int | None
    call: QcMineCall
    notes: list[QcNoteOut]
    template: QcTemplateOut | None


# survey and reports ----------------------------------------------------------------------------------------
class QcSurveyPrevious(BaseModel):
    """What a re-typed survey had before."""

    channel: str
    month: str
    attitude: int | None
    skill: int | None
    timeliness: int | None
    promises: int | None
    taken_by: str
    taken_at: str | None


class QcSurveyOut(BaseModel):
    id: int
    channel: str  # manual
    call_uniqueid: str
    case_id: int | None
    agent_username: str | None  # the agent rated
    month: str
    attitude: int | None
    skill: int | None
    timeliness: int | None
    promises: int | None
    taken_by: str
    taken_at: str | None
    replaced: QcSurveyPrevious | None  # the call's earlier manual (or legacy) survey, now replaced


class QcAgentSurveys(BaseModel):
    """The agent's customer surveys of the month (every channel; the same figures as GET /api/surveys/monthly)."""

    surveys: int
    complete: int  # all four points answered
    poor: int  # with a point at 4 poor (较差)
    points: dict[str, PointOut]  # attitude, skill, timeliness, promises
    by_channel: dict[str, int]


class QcTrendPoint(BaseModel):
    month: str
    average: float | None


class QcAgentSummary(BaseModel):
    agent: str
    sampled: int
    scored: int
    average: float | None
    grade: str | None
    criteria: dict[str, float | None]  # criterion key → average points
    trend: list[QcTrendPoint]  # the previous months' averages, the month before first
    surveys: QcAgentSurveys


class QcAgentsReport(BaseModel):
    month: str
    criteria: list[QcCriterionLabel]
    agents: list[QcAgentSummary]


class QcWeeklyCriterion(QcCriterionLabel):
    evaluated: int
    below_par: int


class QcWeeklyAgent(BaseModel):
    agent: str
    evaluations: int
    average: float | None
    below_par: dict[str, int]  # criterion key → times below par, most often first


class QcWeeklyReport(BaseModel):
    week_start: str
    week_end: str
    evaluations: int
    average: float | None
    criteria: list[QcWeeklyCriterion]  # most often below par first
    agents: list[QcWeeklyAgent]
