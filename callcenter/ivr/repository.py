"""Storage for the IVR: flows (with their draft), immutable published versions, DID entry points, voicemails.

The service holds the rules (validation before a publish or a rollback, the dialled-number format, the caches)
and opens the session (its transaction: a publish checks the draft between reading the flow and writing the
version); every method here takes that session, runs its statements and never commits.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.ivr.models import IvrEntryPoint, IvrFlow, IvrFlowVersion, Voicemail


class IvrRepository:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    def session(self) -> AsyncSession:
        """A new session: the service's unit of work (``async with repo.session() as s``)."""
        return self.sessions()

    # flows -----------------------------------------------------------------------------------------------
    @staticmethod
    async def flow(s: AsyncSession, flow_id: int) -> IvrFlow | None:
        return await s.get(IvrFlow, flow_id)

    @staticmethod
    async def flow_named(s: AsyncSession, name: str) -> IvrFlow | None:
        return (await s.execute(select(IvrFlow).where(IvrFlow.name == name))).scalar_one_or_none()

    @staticmethod
    async def flows(s: AsyncSession) -> list[IvrFlow]:
        """Every flow, by name."""
        return list((await s.execute(select(IvrFlow).order_by(IvrFlow.name))).scalars())

    # published versions ----------------------------------------------------------------------------------
    @staticmethod
    async def last_version(s: AsyncSession, flow_id: int) -> int | None:
        """The flow's highest version number (None before its first publish)."""
        last: int | None = (await s.execute(select(func.max(IvrFlowVersion.version))
                                            .where(IvrFlowVersion.flow_id == flow_id))).scalar_one()
        return last

    @staticmethod
    async def version_of(s: AsyncSession, flow_id: int, version: int) -> IvrFlowVersion | None:
        return (await s.execute(select(IvrFlowVersion).where(
            IvrFlowVersion.flow_id == flow_id, IvrFlowVersion.version == version))).scalar_one_or_none()

    @staticmethod
    async def versions(s: AsyncSession, flow_id: int) -> list[IvrFlowVersion]:
        """The flow's versions, oldest first."""
        q = select(IvrFlowVersion).where(IvrFlowVersion.flow_id == flow_id).order_by(IvrFlowVersion.version)
        return list((await s.execute(q)).scalars())

    @staticmethod
    async def version(s: AsyncSession, version_id: int) -> IvrFlowVersion | None:
        return await s.get(IvrFlowVersion, version_id)

    @staticmethod
    async def versions_by_id(s: AsyncSession, version_ids: Sequence[int]) -> list[IvrFlowVersion]:
        if not version_ids:
            return []
        return list((await s.execute(select(IvrFlowVersion).where(IvrFlowVersion.id.in_(version_ids)))).scalars())

    # entry points ----------------------------------------------------------------------------------------
    @staticmethod
    async def entry_point(s: AsyncSession, did: str) -> IvrEntryPoint | None:
        return (await s.execute(select(IvrEntryPoint).where(IvrEntryPoint.did == did))).scalar_one_or_none()

    @staticmethod
    async def entry_points(s: AsyncSession) -> dict[str, int]:
        """Dialled number → flow id."""
        rows = (await s.execute(select(IvrEntryPoint.did, IvrEntryPoint.flow_id))).all()
        return {r[0]: r[1] for r in rows}

    @staticmethod
    async def live_versions(s: AsyncSession, dids: Sequence[str]) -> dict[str, int | None]:
        """Dialled number → the live version id of its flow (None when that flow was never published), for the
        numbers among ``dids`` that have an entry point (one query)."""
        rows = (await s.execute(
            select(IvrEntryPoint.did, IvrFlow.live_version_id)
            .join(IvrFlow, IvrFlow.id == IvrEntryPoint.flow_id)
            .where(IvrEntryPoint.did.in_(dids))
        )).all()
        return {r[0]: r[1] for r in rows}

    # voicemail -------------------------------------------------------------------------------------------
    @staticmethod
    async def voicemail(s: AsyncSession, vm_id: int) -> Voicemail | None:
        return await s.get(Voicemail, vm_id)

    @staticmethod
    async def voicemails(s: AsyncSession, handled: bool | None = None) -> list[Voicemail]:
        """Voicemails newest first; ``handled`` True/False keeps only the handled/unhandled ones."""
        q = select(Voicemail).order_by(Voicemail.recorded_at.desc())
        if handled is not None:
            q = q.where(Voicemail.handled_at.is_not(None) if handled else Voicemail.handled_at.is_(None))
        return list((await s.execute(q)).scalars())
