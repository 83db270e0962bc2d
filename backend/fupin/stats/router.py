"""Dashboard figures for the caller's area."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import AfterValidator

from fupin.authz.deps import HouseholdReader
from fupin.core.db import DbSession
from fupin.core.errors import not_found
from fupin.core.openapi import problems
from fupin.core.schemas import REGION_CODE_PATTERN, normalize_region_code
from fupin.regions import repository as regions
from fupin.stats import service
from fupin.stats.schemas import Summary

router = APIRouter(prefix="/api/v1/stats", tags=["stats"])
RegionParam = Annotated[
    str | None,
    Query(pattern=REGION_CODE_PATTERN, description="A region of the caller's area (12, 9 or 6 digits)"),
    AfterValidator(normalize_region_code),
]


@router.get("/summary", response_model=Summary, operation_id="stats-summary", responses=problems(403, 404))
async def summary(session: DbSession, principal: HouseholdReader, region: RegionParam = None) -> Summary:
    """Households and people by status, attribute and main cause; exits per year; poor villages.
    Read from the per-village summary the register keeps up to date in every write."""
    if region is not None and await regions.get_scoped(session, principal.scope, region) is None:
        raise not_found("region")
    return await service.summary(session, principal.scope.narrowed_to(region))
