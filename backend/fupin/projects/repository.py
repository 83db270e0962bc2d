"""Reads of projects: every one starts from the caller's scope; child records are read through their project."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from fupin.authz.principal import Principal
from fupin.authz.scope import AreaScope
from fupin.core.errors import not_found
from fupin.departments.field import check_project_field
from fupin.projects.models import Project


async def get_project(
    session: AsyncSession, scope: AreaScope, public_id: uuid.UUID, *, for_update: bool = False
) -> Project:
    """The project in the caller's area (404 outside it). `for_update` locks the row on PostgreSQL, so checks of
    its sums (the funds of a source) and the write that follows are not interleaved with another request's."""
    stmt = scope.select(Project).where(Project.public_id == public_id)
    if for_update:
        stmt = stmt.with_for_update()
    project = (await session.execute(stmt)).scalar_one_or_none()
    if project is None:
        raise not_found("project")
    return project


async def writable_project(session: AsyncSession, principal: Principal, public_id: uuid.UUID) -> Project:
    """The project a write of one of its child records (target, milestone, beneficiary, funds, notice) goes to:
    in the caller's area (404), locked (`for_update`), and of the caller's field when the caller is a line
    department (403 `projects.department_field`: 住建局 writes housing projects, 水利局 water ...)."""
    project = await get_project(session, principal.scope, public_id, for_update=True)
    await check_project_field(session, principal, category=project.category, pointer=None)
    return project
