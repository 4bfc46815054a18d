"""The campaigns' settings (``settings.campaigns``, ``CALLCENTER_CAMPAIGNS__...``). pydantic only."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class CampaignSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # how often the pacer looks for ready agents of the running progressive campaigns
    tick_seconds: float = Field(1.0, ge=0.05, le=60)
    # a preview agent holds the number they took this long before it goes back to the list
    preview_hold_minutes: float = Field(10.0, ge=1, le=240)
    # a number whose agent never took their own phone is offered again after this long (not an attempt)
    agent_missed_retry_seconds: float = Field(60.0, ge=0, le=3600)
    # at most this many numbers are added at once from a customer filter or the open call-back tasks (more: refused)
    max_numbers_per_add: int = Field(100_000, ge=1, le=1_000_000)
