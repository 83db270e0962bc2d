from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import AfterValidator

from fupin.authz.deps import CurrentPrincipal
from fupin.core.db import DbSession
from fupin.core.errors import not_found
from fupin.core.openapi import problems
from fupin.core.schemas import REGION_CODE_PATTERN, normalize_region_code
from fupin.regions import repository as repo
from fupin.regions.schemas import RegionDetail, RegionList, RegionOut

router = APIRouter(prefix="/api/v1/regions", tags=["regions"])
CODE_HELP = "12 digits, or 6 (city, county) / 9 (township) as in GB/T 2260"
CodeParam = Annotated[
    str, Path(pattern=REGION_CODE_PATTERN, description=CODE_HELP), AfterValidator(normalize_region_code)
]
ParentParam = Annotated[
    str | None,
    Query(pattern=REGION_CODE_PATTERN, description=f"Children of this code ({CODE_HELP}); omit for the caller's root"),
    AfterValidator(normalize_region_code),
]


@router.get("", response_model=RegionList, operation_id="regions-list", responses=problems(404))
async def list_regions(session: DbSession, principal: CurrentPrincipal, parent: ParentParam = None) -> RegionList:
    if parent is not None and await repo.get_scoped(session, principal.scope, parent) is None:
        raise not_found("region")
    rows = await repo.children(session, principal.scope, parent)
    return RegionList(items=[RegionOut.model_validate(r).model_copy(update={"has_children": h}) for r, h in rows])


@router.get("/{code}", response_model=RegionDetail, operation_id="regions-get", responses=problems(404))
async def get_region(code: CodeParam, session: DbSession, principal: CurrentPrincipal) -> RegionDetail:
    """A region with its path from the caller's scope root down to it."""
    region = await repo.get_scoped(session, principal.scope, code)
    if region is None:
        raise not_found("region")
    path = await repo.path_to(session, principal.scope, region)
    kids = await repo.children(session, principal.scope, code)
    return RegionDetail.model_validate(
        {
            **RegionOut.model_validate(region).model_dump(),
            "has_children": bool(kids),
            "path": [RegionOut.model_validate(r).model_copy(update={"has_children": True}) for r in path],
        }
    )
