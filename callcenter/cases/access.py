"""Who may see and work which case (issue 14, "9. API"):

- supervisors and admins ("leads"): every case, every action;
- QC: read every case, change none;
- a department's members (``handler`` or ``head``, from the departments directory): the cases of their
  department, and the case they are the handler of; they investigate, report, inform, pause and resume; the
  head also dispatches, resolves, closes and cancels;
- an agent: the cases they accepted, the cases they linked a call to, and those linked to a call they are
  handling or answered (the customers domain's rule, ``CustomerAccess.may_use_call``); they create cases from
  their calls, inform the customer, pause/resume, close and re-raise their cases.

Approvals are by position (the centre's approver positions, shifts domain): see :mod:`callcenter.cases.policy`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from callcenter.auth.actor import Actor
from callcenter.cases.models import Case
from callcenter.cases.policy import POSITIONS
from callcenter.cases.repository import CaseRepository, Scope
from callcenter.departments.repository import DepartmentRepository

MayUseCall = Callable[[Actor, str], Awaitable[bool]]
PositionOf = Callable[[str], Awaitable[str | None]]
LEADS = frozenset({"supervisor", "admin"})
READ_ALL = frozenset({"supervisor", "admin", "qc"})
CREATORS = frozenset({"agent", "supervisor", "admin"})

# action → who besides the leads may do it: "member" (of the case's department, or its handler), "head" (of the
# case's department), "agent" (an agent who may see the case)
WHO: dict[str, frozenset[str]] = {
    "dispatch": frozenset({"head"}),
    "investigate": frozenset({"member", "head"}),
    "report": frozenset({"member", "head"}),
    "classify": frozenset({"member", "head"}),
    "resolve": frozenset({"head"}),
    "inform": frozenset({"member", "head", "agent"}),
    "close": frozenset({"head", "agent"}),
    "cancel": frozenset({"head"}),
    "pause": frozenset({"member", "head", "agent"}),
    "resume": frozenset({"member", "head", "agent"}),
    "reraise": frozenset({"head", "agent"}),
    "link_call": frozenset({"member", "head", "agent"}),
    "add_file": frozenset({"member", "head", "agent"}),
}


async def _no_call(_: Actor, __: str) -> bool:
    return False


async def _no_position(_: str) -> str | None:
    return None


def rank(position: str | None) -> int:
    return POSITIONS.index(position) if position in POSITIONS else -1


@dataclass(frozen=True)
class Relation:
    """How one user stands to one case."""

    lead: bool
    reader: bool
    member: bool
    head: bool
    agent: bool

    @property
    def sees(self) -> bool:
        return self.lead or self.reader or self.member or self.head or self.agent


class CaseAccess:
    def __init__(self, repo: CaseRepository, departments: DepartmentRepository) -> None:
        self.repo = repo
        self.departments = departments
        self.may_use_call: MayUseCall = _no_call
        self.position_of: PositionOf = _no_position

    def set_call_access(self, may_use_call: MayUseCall) -> None:
        """The customers domain's rule: may this agent use this call (handling it now, or answered it)?"""
        self.may_use_call = may_use_call

    def set_positions(self, position_of: PositionOf) -> None:
        """The shifts domain's approver positions: username → position (None: none)."""
        self.position_of = position_of

    async def scope(self, actor: Actor) -> Scope:
        if actor.has(READ_ALL):
            return Scope(all=True)
        return Scope(all=False, username=actor.username,
                     departments=frozenset(await self.departments.memberships(actor.username)))

    async def relation(self, actor: Actor, case: Case) -> Relation:
        lead = actor.has(LEADS)
        reader = "qc" in actor.roles
        roles = await self.departments.memberships(actor.username)
        in_dept = case.department_id is not None and case.department_id in roles
        head = in_dept and roles.get(case.department_id or 0) == "head"
        member = in_dept or case.handler == actor.username
        agent = False
        if "agent" in actor.roles:
            agent = case.accepted_by == actor.username
            if not agent:
                for c in await self.repo.calls_of(case.id):
                    if c.linked_by == actor.username or await self.may_use_call(actor, c.call_uniqueid):
                        agent = True
                        break
        return Relation(lead=lead, reader=reader, member=member, head=head, agent=agent)

    @staticmethod
    def may(rel: Relation, action: str) -> bool:
        if rel.lead:
            return True
        who = WHO[action]
        return (("member" in who and rel.member) or ("head" in who and rel.head)
                or ("agent" in who and rel.agent))

    async def holds(self, actor: Actor, position: str, case: Case) -> bool:
        """Does ``actor`` hold ``position`` (or a higher one)? The head of the case's department counts as its
        ``department_head``."""
        if position == "department_head" and case.department_id is not None:
            roles = await self.departments.memberships(actor.username)
            if roles.get(case.department_id) == "head":
                return True
        return rank(await self.position_of(actor.username)) >= rank(position)
