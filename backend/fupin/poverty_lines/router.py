from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from fupin.authz.deps import CurrentPrincipal, PovertyLineWriter
from fupin.core.concurrency import IfMatch, etag, if_match_sent, parse_if_match
from fupin.core.db import DbSession
from fupin.core.openapi import UPDATE, problems
from fupin.poverty_lines import repository as repo
from fupin.poverty_lines import service
from fupin.poverty_lines.schemas import PovertyLineIn, PovertyLineList, PovertyLineOut

router = APIRouter(prefix="/api/v1/poverty-lines", tags=["poverty-lines"])
Scope = Annotated[str, Path(pattern=r"^(national|province|city)$")]


@router.get("", response_model=PovertyLineList, operation_id="poverty-lines-list", responses=problems())
async def list_lines(session: DbSession, principal: CurrentPrincipal) -> PovertyLineList:
    """Poverty lines (贫困线) per year and scope, in yuan per person per year."""
    return PovertyLineList.model_validate({"items": await repo.all_lines(session)})


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
    principal: PovertyLineWriter,
    response: Response,
    if_match: IfMatch = None,
) -> PovertyLineOut:
    """Set a year's line (city office). Replacing an existing line needs If-Match with its version."""
    line, created = await service.put_line(
        session,
        principal,
        year=year,
        scope=scope,
        data=body,
        expected_version=parse_if_match(if_match, required=False),
        if_match_sent=if_match_sent(if_match),
    )
    response.status_code = 201 if created else 200
    response.headers["ETag"] = etag(line.version)
    return PovertyLineOut.model_validate(line)
