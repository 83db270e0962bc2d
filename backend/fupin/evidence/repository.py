"""Queries of evidence: through the caller's scope, by owner."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Integer, Select, String, Uuid, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from fupin.authz.scope import AreaScope
from fupin.core.readpath import ReadPath, query_family
from fupin.evidence.models import Evidence


async def get(session: AsyncSession, scope: AreaScope, public_id: uuid.UUID) -> Evidence | None:
    stmt = scope.select(Evidence).where(Evidence.public_id == public_id)
    return (await session.execute(stmt)).scalar_one_or_none()


_COLUMNS: tuple[Any, ...] = (
    Evidence.id.label("pk"),
    Evidence.public_id.label("id"),
    Evidence.owner_type,
    Evidence.owner_id,
    Evidence.filename,
    Evidence.content_type,
    Evidence.size,
    Evidence.sha256,
    Evidence.created_at,
    Evidence.created_by_name.label("created_by"),
)


def _list_statement(after: bool) -> Select[Any]:
    stmt = select(*_COLUMNS).where(
        Evidence.owner_type == bindparam("owner_type", type_=String()),
        Evidence.owner_id == bindparam("owner_id", type_=Uuid()),
    )
    if after:
        stmt = stmt.where(Evidence.id < bindparam("before", type_=Integer()))
    return stmt.order_by(Evidence.id.desc()).limit(bindparam("limit", type_=Integer()))


_LIST = query_family("evidence", _list_statement, lambda: Evidence.region_code)


async def page(
    read: ReadPath, scope: AreaScope, *, owner_type: str, owner_id: uuid.UUID, before: int | None, limit: int
) -> list[dict[str, Any]]:
    """Up to limit + 1 files of one owner, newest first."""
    values: dict[str, Any] = {"owner_type": owner_type, "owner_id": owner_id, "limit": limit + 1}
    if before is not None:
        values["before"] = before
    return await read.fetch(_LIST(before is not None), scope, values)
