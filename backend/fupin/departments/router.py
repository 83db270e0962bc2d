"""HTTP routes of line departments and their fields (which measure types each records)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from fupin.authz.deps import DepartmentManager, MeasureReader
from fupin.core.concurrency import IfMatch, etag, parse_if_match
from fupin.core.db import DbSession
from fupin.core.openapi import UPDATE, problems
from fupin.departments import service
from fupin.departments.schemas import DepartmentList, DepartmentOut, DepartmentUpdate

router = APIRouter(prefix="/api/v1/departments", tags=["departments"])


@router.get("", response_model=DepartmentList, operation_id="departments-list", responses=problems(403))
async def list_departments(session: DbSession, principal: MeasureReader) -> DepartmentList:
    """Every line department, the measure types of its field and the project categories it edits."""
    rows = await service.list_departments(session)
    return DepartmentList(items=[DepartmentOut.model_validate(r) for r in rows])


@router.put(
    "/{code}",
    response_model=DepartmentOut,
    operation_id="departments-update",
    responses=problems(*UPDATE),
)
async def update_department(
    code: Annotated[str, Path(max_length=24, pattern=r"^[a-z_]+$")],
    body: DepartmentUpdate,
    session: DbSession,
    principal: DepartmentManager,
    response: Response,
    if_match: IfMatch = None,
) -> DepartmentOut:
    """Change a department's name or field (`measure_types`, `disabled_member_types`, `project_categories`); audited
    (`department.updated`). If-Match is checked when sent."""
    department = await service.update_department(
        session, principal, code=code, expected_version=parse_if_match(if_match, required=False), data=body
    )
    response.headers["ETag"] = etag(department.version)
    return DepartmentOut.model_validate(department)
