"""The surveys' settings (``settings.surveys``, ``CALLCENTER_SURVEYS__...``; docs/survey.md).

Imported by ``callcenter.settings``, so this module imports nothing of the service: pydantic only.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class IvrSurveySettings(BaseModel):
    """The post-call survey in the IVR: after the agent hangs up, a caller of one of ``queues`` stays on the line
    for the four questions (a key per level)."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = False
    # the queues whose callers are asked (empty: every queue)
    queues: list[str] = Field(default_factory=list)
    # how long the caller has to press a key after each question
    answer_seconds: float = Field(6.0, ge=1, le=30)
    # a question asked again after a wrong key or silence (0: asked once)
    repeats: int = Field(1, ge=0, le=3)


class SurveySettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ivr: IvrSurveySettings = Field(default_factory=IvrSurveySettings)
