"""Who a notice reaches: its audience resolved to agents when it is published.

- ``everyone``: every active user with the agent role;
- ``queues``: the active agents with a skill on one of them (the directory's skills: the queues they take calls
  of, logged in or not);
- ``shifts`` (shift template ids): the agents rostered on one of those shifts from the publication until the
  notice's ``valid_until`` (without one: ``settings.notices.shift_days`` days), so "the night shift" means the
  people who will work it while the notice holds;
- ``agents``: the named ones (each an active agent, else 400).

The other domains are read through their public methods only, given by the wiring as :class:`AudienceSources`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from callcenter.notices.errors import AUDIENCE_EMPTY, NO_RECIPIENTS, UNKNOWN_AGENTS, UNKNOWN_QUEUES, UNKNOWN_SHIFTS


@dataclass(frozen=True)
class AgentInfo:
    username: str
    display_name: str
    queues: frozenset[str]


@dataclass(frozen=True)
class AudienceSources:
    """``agents()``: every active user with the agent role and their queues; ``queues()``: the queue names;
    ``shifts()``: shift template id → name; ``rostered(template_ids, start, end)``: the usernames on those shifts
    overlapping [start, end)."""

    agents: Callable[[], Awaitable[list[AgentInfo]]]
    queues: Callable[[], Awaitable[set[str]]]
    shifts: Callable[[], Awaitable[dict[int, str]]]
    rostered: Callable[[Sequence[int], datetime, datetime], Awaitable[set[str]]]


@dataclass(frozen=True)
class Audience:
    everyone: bool
    queues: list[str]
    shifts: list[int]
    agents: list[str]

    @classmethod
    def cleaned(cls, everyone: bool, queues: Iterable[str], shifts: Iterable[int], agents: Iterable[str]
                ) -> Audience:
        return cls(everyone, list(dict.fromkeys(q.strip() for q in queues if q.strip())), list(dict.fromkeys(shifts)),
                   list(dict.fromkeys(a.strip() for a in agents if a.strip())))

    @property
    def empty(self) -> bool:
        return not (self.everyone or self.queues or self.shifts or self.agents)


async def resolve(src: AudienceSources, a: Audience, start: datetime, end: datetime) -> set[str]:
    """The usernames ``a`` reaches for a notice valid over [start, end); refusals name the field that is wrong."""
    if a.empty:
        raise AUDIENCE_EMPTY()
    agents = {x.username: x for x in await src.agents()}
    if a.queues:
        known = await src.queues()
        bad = [q for q in a.queues if q not in known]
        if bad:
            raise UNKNOWN_QUEUES(queues=", ".join(bad))
    if a.shifts:
        names = await src.shifts()
        bad_ids = [s for s in a.shifts if s not in names]
        if bad_ids:
            raise UNKNOWN_SHIFTS(shifts=", ".join(map(str, bad_ids)))
    if a.agents:
        bad = [u for u in a.agents if u not in agents]
        if bad:
            raise UNKNOWN_AGENTS(agents=", ".join(bad))
    out: set[str] = set(agents) if a.everyone else set()
    if a.queues:
        wanted = set(a.queues)
        out |= {u for u, x in agents.items() if x.queues & wanted}
    if a.shifts:
        out |= {u for u in await src.rostered(a.shifts, start, end) if u in agents}
    out |= set(a.agents)
    if not out:
        raise NO_RECIPIENTS()
    return out
