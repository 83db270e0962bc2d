"""Reads of findings: every one starts from the caller's scope; tasks, links and steps are read through their
finding."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from fupin.authz.scope import AreaScope
from fupin.core.errors import not_found
from fupin.findings.models import Finding, FindingLink, FindingTask


async def get_finding(
    session: AsyncSession, scope: AreaScope, public_id: uuid.UUID, *, for_update: bool = False
) -> Finding:
    """The finding in the caller's area (404 outside it); `for_update` locks its row, so the checks of its tasks
    and files and the write that follows are not interleaved with another request's."""
    stmt = scope.select(Finding).where(Finding.public_id == public_id)
    if for_update:
        stmt = stmt.with_for_update()
    finding = (await session.execute(stmt)).scalar_one_or_none()
    if finding is None:
        raise not_found("finding")
    return finding


async def links_of(session: AsyncSession, finding: Finding) -> list[FindingLink]:
    stmt = select(FindingLink).where(FindingLink.finding_id == finding.id).order_by(FindingLink.position)
    return list((await session.execute(stmt)).scalars())


async def tasks_of(session: AsyncSession, finding: Finding) -> list[FindingTask]:
    stmt = (
        select(FindingTask)
        .where(FindingTask.finding_id == finding.id)
        .order_by(FindingTask.position, FindingTask.due_on, FindingTask.id)
    )
    return list((await session.execute(stmt)).scalars())


async def by_external_keys(
    session: AsyncSession, scope: AreaScope, keys: set[tuple[str, str]]
) -> dict[tuple[str, str], Finding]:
    """The findings of the caller's area with these (source_system, external_id) keys (the others are not
    found: a key taken outside the area is refused by the create, as for any caller)."""
    if not keys:
        return {}
    stmt = scope.select(Finding).where(
        Finding.source_system.in_(sorted({s for s, _ in keys})),
        Finding.external_id.in_(sorted({e for _, e in keys})),
    )
    found: dict[tuple[str, str], Finding] = {}
    for finding in (await session.execute(stmt)).scalars():
        key = (str(finding.source_system), str(finding.external_id))
        if key in keys:
            found[key] = finding
    return found
