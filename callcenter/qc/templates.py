"""QC forms as stored: the versions of each evaluation form, the default one, a new form or a new version of one
(the criteria's checks and the scoring are :mod:`callcenter.qc.forms`). Every new version is audited."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.clock import Clock
from callcenter.qc.access import Actor, Audit, require
from callcenter.qc.errors import FORM_NAME_LENGTH, FORM_NOT_FOUND, FORM_RETIRED, FORM_VERSION_RACE
from callcenter.qc.forms import validate_criteria
from callcenter.qc.models import QcTemplate
from callcenter.qc.repository import QcRepository
from callcenter.qc.views import template_out


class QcForms:
    def __init__(self, repo: QcRepository, clock: Clock, audit: Audit) -> None:
        self.repo = repo
        self.clock = clock
        self.audit = audit

    async def templates(self) -> list[dict[str, Any]]:
        async with self.repo.session() as s:
            await self.repo.default_template(s)
            return [template_out(t) for t in await self.repo.templates(s)]

    async def create_template(self, actor: Actor, name: str, criteria: Any, is_default: bool = False
                              ) -> dict[str, Any]:
        """A new form, or a new version of the form called ``name`` (the older versions become inactive; a new
        version of the default form stays the default)."""
        require(actor, ("qc", "admin"), "creating a QC form")
        name = (name or "").strip()
        if not name or len(name) > 100:
            raise FORM_NAME_LENGTH(field="name")
        crit = validate_criteria(criteria)
        async with self.repo.session() as s:
            await self.repo.default_template(s)
            older = await self.repo.templates_named(s, name)
            version = max((t.version for t in older), default=0) + 1
            make_default = is_default or any(t.is_default for t in older)
            if make_default:
                await self.repo.clear_default(s)
            for t in older:
                t.active = False
            t = QcTemplate(name=name, version=version, criteria=crit, active=True, is_default=make_default,
                           created_by=actor.username, created_at=self.clock.now())
            s.add(t)
            try:
                await s.commit()
            except IntegrityError as e:
                raise FORM_VERSION_RACE({"version": version}, name=name) from e
        await self.audit(actor.username, "qc.template", f"qc_template:{t.id}",
                         {"name": name, "version": version, "is_default": make_default})
        return template_out(t)

    async def active(self, s: AsyncSession, template_id: int | None) -> QcTemplate:
        """The form a new evaluation is scored on: the one named (it must be active), else the default."""
        if template_id is None:
            return await self.repo.default_template(s)
        t = await self.repo.template(s, template_id)
        if t is None:
            raise FORM_NOT_FOUND({"template_id": template_id}, field="template_id")
        if not t.active:
            raise FORM_RETIRED({"name": t.name, "version": t.version}, field="template_id")
        return t
