"""What the screen pop shows of the cases (issue 14, "5. From the call"): a returning caller's open cases, and
the type a new case of the call starts as.

The pop is built by the ACD (``callcenter.acd.pop.ScreenPop``), which is given a :class:`PopCaseLookup` by the
composition root (``ScreenPop.set_cases``). The rule (``docs/cases.md`` "From the call"): the agent being popped
is handling that call, so the pop shows them that call's customer's open cases — a summary only (number, type,
state, severity, when accepted, paused, the clocks' states); opening one is the access rule's (``access.py``)
decision as everywhere else. Every pop that shows cases is audited (``case.pop``, the numbers shown).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import TypeAdapter

from callcenter.cases.clockview import ClockView
from callcenter.cases.policy import CasePolicySettings
from callcenter.cases.repository import CaseRepository, Filters, Scope
from callcenter.cases.schemas import clocks_out
from callcenter.cases.service import Audit

POP_CASES = 10  # the newest open cases shown in a pop
_TIME = TypeAdapter(datetime)  # times as the cases' answers write them (``...Z``)


class PopCaseLookup:
    def __init__(self, repo: CaseRepository, view: ClockView, policy: CasePolicySettings, audit: Audit) -> None:
        self.repo = repo
        self.view = view
        self.policy = policy
        self.audit = audit

    def type_for_queue(self, queue: str | None) -> str | None:
        """The type a case opened from a call of ``queue`` starts as (``case_policy.types_by_queue``)."""
        return self.policy.types_by_queue.get(queue) if queue else None

    async def open_cases(self, username: str, customer_id: int | None) -> dict[str, Any]:
        """The pop's case part: ``open_cases`` (newest first, at most ``POP_CASES``, with their clocks at
        ``open_cases_at``) of ``customer_id``, shown to ``username`` (audited when there are any)."""
        if customer_id is None:
            return {"open_cases": [], "open_cases_total": 0}
        rows, total = await self.repo.search(Filters(open=True, customer_id=customer_id), Scope(all=True),
                                             POP_CASES, 0)
        states = await self.view.states(rows)
        out = [{"number": c.number, "type": c.type, "state": c.state, "severity": c.severity,
                "accepted_at": _TIME.dump_python(c.accepted_at, mode="json"), "paused": c.paused,
                "clocks": [k.model_dump(mode="json") for k in clocks_out(states, c.id)]} for c in rows]
        if out:
            await self.audit(username, "case.pop", f"customer:{customer_id}", {"shown": [c.number for c in rows]})
        return {"open_cases": out, "open_cases_total": total,
                "open_cases_at": _TIME.dump_python(states.at, mode="json")}
