from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from fupin.authz.deps import CurrentPrincipal
from fupin.core.db import DbSession
from fupin.core.errors import not_found
from fupin.core.openapi import problems
from fupin.regions import repository as repo
from fupin.regions.models import Region
from fupin.regions.schemas import RegionDetail, RegionList, RegionOut

router = APIRouter(prefix="/api/v1/regions", tags=["regions"])
Code = Annotated[str, Path(pattern=r"^\d{12}$")]


def _out(region: Region, has_children: bool = False) -> RegionOut:
    return RegionOut(
        code=region.code,
        name=region.name,
        level=region.level,
        parent_code=region.parent_code,
        is_poor_village=region.is_poor_village,
        poverty_exit_year=region.poverty_exit_year,
        valid_from=region.valid_from,
        valid_to=region.valid_to,
        has_children=has_children,
    )


@router.get("", response_model=RegionList, operation_id="regions-list", responses=problems(404))
async def list_regions(
    session: DbSession,
    principal: CurrentPrincipal,
    parent: Annotated[
        str | None,
        Query(pattern=r"^\d{12}$", description="Children of this code; omit for the caller's root"),
    ] = None,
) -> RegionList:
    if parent is not None and await repo.get_scoped(session, principal, parent) is None:
        raise not_found("region")
    return RegionList(items=[_out(r, h) for r, h in await repo.children(session, principal, parent)])


@router.get("/{code}", response_model=RegionDetail, operation_id="regions-get", responses=problems(404))
async def get_region(code: Code, session: DbSession, principal: CurrentPrincipal) -> RegionDetail:
    """A region with its path from the caller's scope root down to it."""
    region = await repo.get_scoped(session, principal, code)
    if region is None:
        raise not_found("region")
    path = [r for r in await repo.ancestors(session, region) if principal.sees(r.code)]
    kids = await repo.children(session, principal, code)
    return RegionDetail(**_out(region, bool(kids)).model_dump(), path=[_out(r, True) for r in path])
