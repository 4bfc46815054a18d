"""GET /api/calls and GET /api/calls/{id}."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query

from callcenter.auth.api import require_roles
from callcenter.bounds import Id, Moment, Offset
from callcenter.calls.errors import CALL_NOT_FOUND, RANGE_REVERSED
from callcenter.calls.repository import CallRepository
from callcenter.calls.schemas import CallOut, CallPage
from callcenter.deps import provide

# Call records: supervisors, QC and admins (an agent's own calls come with the agent desktop).
router = APIRouter(prefix="/api/calls", tags=["calls"],
                   dependencies=[Depends(require_roles("supervisor", "qc", "admin"))])


CallsDep = Annotated[CallRepository, Depends(provide(CallRepository))]


def _aware(name: str, v: datetime | None) -> datetime | None:
    if v is None:
        return None
    if v.tzinfo is None:  # a bare date/time is taken as UTC, said plainly in the docs
        return v.replace(tzinfo=UTC)
    return v


@router.get("", response_model=CallPage, summary="List call records (newest first)")
async def list_calls(
    repo: CallsDep,
    since: Annotated[Moment | None, Query(alias="from", description="arrived at or after (ISO 8601)")] = None,
    until: Annotated[Moment | None, Query(alias="to", description="arrived before (ISO 8601)")] = None,
    queue: Annotated[str | None, Query(max_length=64)] = None,
    agent: Annotated[str | None, Query(max_length=32, description="agent extension")] = None,
    outcome: Annotated[
        Literal["answered", "abandoned", "failed", "voicemail", "transferred", "ended_in_ivr"] | None, Query()
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Offset = 0,
) -> CallPage:
    since_a, until_a = _aware("from", since), _aware("to", until)
    if since_a and until_a and until_a <= since_a:
        raise RANGE_REVERSED(**{"from": since_a.isoformat(), "to": until_a.isoformat()})
    rows, total = await repo.search(
        since=since_a, until=until_a, queue=queue, agent=agent, outcome=outcome, limit=limit, offset=offset
    )
    return CallPage(total=total, limit=limit, offset=offset, items=[CallOut.of(c) for c in rows])


@router.get("/{call_id}", response_model=CallOut, summary="One call record")
async def get_call(repo: CallsDep, call_id: Id) -> CallOut:
    c = await repo.get(call_id)
    if c is None:
        raise CALL_NOT_FOUND(call_id=call_id)
    return CallOut.of(c)
