from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path, Response

from fupin.authz.deps import CurrentPrincipal
from fupin.authz.roles import Permission
from fupin.core.concurrency import IF_MATCH_PATTERN, etag, if_match_sent, parse_if_match
from fupin.core.db import DbSession
from fupin.core.openapi import UPDATE, problems
from fupin.households import repository as repo
from fupin.households import service
from fupin.households.schemas import PovertyLineIn, PovertyLineList, PovertyLineOut

router = APIRouter(prefix="/api/v1/poverty-lines", tags=["poverty-lines"])
Scope = Annotated[str, Path(pattern=r"^(national|province|city)$")]


@router.get("", response_model=PovertyLineList, operation_id="poverty-lines-list", responses=problems())
async def list_lines(session: DbSession, principal: CurrentPrincipal) -> PovertyLineList:
    """Poverty lines (贫困线) per year and scope, in yuan per person per year."""
    return PovertyLineList(items=[PovertyLineOut.model_validate(p) for p in await repo.poverty_lines(session)])


@router.put(
    "/{year}/{scope}",
    response_model=PovertyLineOut,
    operation_id="poverty-lines-put",
    responses={**problems(*UPDATE), 201: {"model": PovertyLineOut, "description": "Created"}},
)
async def put_line(
    year: Annotated[int, Path(ge=2010, le=2100)],
    scope: Scope,
    body: PovertyLineIn,
    session: DbSession,
    principal: CurrentPrincipal,
    response: Response,
    if_match: Annotated[str | None, Header(alias="If-Match", max_length=40, pattern=IF_MATCH_PATTERN)] = None,
) -> PovertyLineOut:
    """Set a year's line (city office). Replacing an existing line needs If-Match with its version."""
    principal.require(Permission.POVERTY_LINES_WRITE)
    line, created = await service.put_poverty_line(
        session,
        principal,
        year,
        scope,
        body.amount,
        body.note,
        parse_if_match(if_match, required=False),
        if_match_sent(if_match),
    )
    response.status_code = 201 if created else 200
    response.headers["ETag"] = etag(line.version)
    return PovertyLineOut.model_validate(line)
