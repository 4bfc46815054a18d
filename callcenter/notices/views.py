"""What a reader sees of a notice (the service builds it, the schemas turn it into the API's answer)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from callcenter.notices.models import Notice, NoticeFile

State = Literal["active", "expired", "withdrawn"]


@dataclass(frozen=True)
class NoticeView:
    """A notice as one reader sees it: the publishers managing it get the counts and the named agents, a recipient
    their own acknowledgement."""

    notice: Notice
    state: State
    file: NoticeFile | None
    recipients: int | None = None
    read: int | None = None
    acknowledged_at: datetime | None = None
    addressed_to_me: bool = False
    lead: bool = False
