"""Evidence of projects (申报材料, 论证/审定 and 验收 documents, site photos): read as the project is, attached by
whoever may change it (`projects:write`, a department only within its field, never to a completed or removed
project). The files join the project's trail; a stage transition names them in `evidence_ids`."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from fupin.authz.policy import require_owner_writer
from fupin.authz.principal import Principal
from fupin.authz.roles import Permission
from fupin.authz.scope import unscoped
from fupin.core.errors import FieldError, ProblemError, field_error
from fupin.departments.field import check_project_field
from fupin.evidence.models import Evidence
from fupin.evidence.owners import EvidenceOwner, register_owner
from fupin.projects import repository as repo
from fupin.projects.models import Project

OWNER_TYPE = "project"


async def resolve_project(
    session: AsyncSession, principal: Principal, owner_id: uuid.UUID, *, write: bool
) -> EvidenceOwner:
    require_owner_writer(principal, Permission.PROJECTS_READ)
    try:
        project = await repo.get_project(session, principal.scope, owner_id)
    except ProblemError as exc:
        if exc.status == 404 and write:
            message = "项目不存在或不在您的管辖范围内"
            raise ProblemError(
                404,
                "not_found",
                "project not found",
                [FieldError(pointer="/owner_id", code="not_found", message=message)],
            ) from exc
        raise
    if write:
        require_owner_writer(principal, Permission.PROJECTS_WRITE)
        await check_project_field(session, principal, category=project.category, pointer="/owner_id")
        if project.stage in ("completed", "removed"):
            raise field_error("/owner_id", "project.closed", "已完成或已出库的项目不能再添加佐证", status=409)
    return EvidenceOwner(
        project.area_code,
        str(project.public_id),
        external_id=project.external_id,
        source_system=project.source_system,
    )


async def check_evidence(session: AsyncSession, project: Project, evidence_ids: Sequence[uuid.UUID]) -> None:
    """Every id names a file attached to this project (422 at `/evidence_ids/<i>` otherwise)."""
    if not evidence_ids:
        return
    stmt = select(Evidence.public_id).where(
        Evidence.owner_type == OWNER_TYPE,
        Evidence.owner_id == project.public_id,
        Evidence.public_id.in_(list(evidence_ids)),
    )
    # the files of a project carry its area when attached: read through the (scoped) project
    found = set((await session.execute(stmt.execution_options(**unscoped("files of a scoped project")))).scalars())
    for i, evidence_id in enumerate(evidence_ids):
        if evidence_id not in found:
            raise field_error(
                f"/evidence_ids/{i}",
                "project.evidence_unknown",
                "该佐证不存在或不属于本项目 (no such file attached to the project)",
            )


register_owner(OWNER_TYPE, resolve_project)
