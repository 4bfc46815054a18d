"""The recordings' response models."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class MuteStretch(BaseModel):
    """A muted stretch of a recording (a card number read out), in seconds from the recording's start."""

    model_config = ConfigDict(populate_by_name=True)

    from_: float = Field(alias="from")
    to: float | None  # None: still muted
    by: str
