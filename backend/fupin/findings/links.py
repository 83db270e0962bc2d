"""Names of the records a finding is linked to, as the caller may see them: a household by its number and head, a
project by its code and name, a measure by its year and content, a disbursement by its voucher and amount. A record
outside the caller's area (or gone) has no name: the link still shows its type and id."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from fupin.authz.principal import Principal
from fupin.households.models import Household
from fupin.measures.models import Measure
from fupin.projects.models import FundDisbursement, Project

_SHORT = 30


def _short(text: str) -> str:
    return text if len(text) <= _SHORT else text[: _SHORT - 1] + "…"


async def _named(session: AsyncSession, principal: Principal, kind: str, ids: list[uuid.UUID]) -> dict[str, str]:
    scope = principal.scope
    stmt: Any
    if kind == "household":
        stmt = scope.select(Household.public_id, Household.household_number, Household.head_name, area_of=Household)
        stmt = stmt.where(Household.public_id.in_(ids))
        return {str(p): f"{number} {head or ''}".strip() for p, number, head in (await session.execute(stmt)).all()}
    if kind == "project":
        stmt = scope.select(Project.public_id, Project.code, Project.name, area_of=Project)
        stmt = stmt.where(Project.public_id.in_(ids))
        return {str(p): f"{code} {_short(name)}" for p, code, name in (await session.execute(stmt)).all()}
    if kind == "measure":
        stmt = scope.select(Measure.public_id, Measure.year, Measure.content, area_of=Measure)
        stmt = stmt.where(Measure.public_id.in_(ids))
        return {str(p): f"{year}年 {_short(content)}" for p, year, content in (await session.execute(stmt)).all()}
    stmt = (  # a disbursement is where its project is
        scope.select(FundDisbursement.public_id, FundDisbursement.voucher_no, FundDisbursement.amount, area_of=Project)
        .join(Project, Project.id == FundDisbursement.project_id)
        .where(FundDisbursement.public_id.in_(ids))
    )
    return {str(p): f"凭证 {voucher} · {amount} 元" for p, voucher, amount in (await session.execute(stmt)).all()}


async def labelled(
    session: AsyncSession, principal: Principal, links: Sequence[dict[str, str]]
) -> list[dict[str, Any]]:
    """The links with a `label` each (None where the caller cannot see the record); one query per record type."""
    by_kind: dict[str, list[uuid.UUID]] = {}
    for link in links:
        by_kind.setdefault(link["type"], []).append(uuid.UUID(str(link["id"])))
    names: dict[tuple[str, str], str] = {}
    for kind, ids in by_kind.items():
        for key, name in (await _named(session, principal, kind, ids)).items():
            names[(kind, key)] = name
    return [{**link, "label": names.get((link["type"], str(link["id"])))} for link in links]
