"""Evidence of findings (整改佐证: photos, documents of the rectification): read as the finding is, attached by
whoever rectifies or raises findings while the finding is open. Submitting (申请销号) needs at least one; a
transition names the files it relies on in `evidence_ids`."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from fupin.authz.policy import require_owner_writer
from fupin.authz.principal import Principal
from fupin.authz.roles import Permission
from fupin.authz.scope import unscoped
from fupin.core.errors import FieldError, ProblemError, field_error
from fupin.evidence.models import Evidence
from fupin.evidence.owners import EvidenceOwner, register_owner
from fupin.findings import repository as repo
from fupin.findings.models import OPEN_STATES, Finding

OWNER_TYPE = "finding"
WRITERS = (Permission.FINDINGS_RECTIFY, Permission.FINDINGS_WRITE)


async def resolve_finding(
    session: AsyncSession, principal: Principal, owner_id: uuid.UUID, *, write: bool
) -> EvidenceOwner:
    require_owner_writer(principal, Permission.FINDINGS_READ)
    try:
        finding = await repo.get_finding(session, principal.scope, owner_id)
    except ProblemError as exc:
        if exc.status == 404 and write:
            message = "问题不存在或不在您的管辖范围内"
            raise ProblemError(
                404,
                "not_found",
                "finding not found",
                [FieldError(pointer="/owner_id", code="not_found", message=message)],
            ) from exc
        raise
    if write:
        if not any(p in principal.permissions for p in WRITERS):
            require_owner_writer(principal, Permission.FINDINGS_RECTIFY)
        if finding.state not in OPEN_STATES:
            raise field_error("/owner_id", "finding.closed", "已销号或已移交纪委的问题不能再添加佐证", status=409)
    return EvidenceOwner(
        finding.region_code,
        str(finding.public_id),
        external_id=finding.external_id,
        source_system=finding.source_system,
    )


def _files(finding: Finding) -> object:
    return (Evidence.owner_type == OWNER_TYPE) & (Evidence.owner_id == finding.public_id)


async def count_files(session: AsyncSession, finding: Finding) -> int:
    stmt = select(func.count()).select_from(Evidence).where(_files(finding))  # type: ignore[arg-type]
    # the files of a finding carry its area when attached: read through the (scoped) finding
    return int((await session.execute(stmt.execution_options(**unscoped("files of a scoped finding")))).scalar_one())


async def check_evidence(session: AsyncSession, finding: Finding, evidence_ids: Sequence[uuid.UUID]) -> None:
    """Every id names a file attached to this finding (422 at `/evidence_ids/<i>` otherwise)."""
    if not evidence_ids:
        return
    stmt = select(Evidence.public_id).where(
        Evidence.owner_type == OWNER_TYPE,
        Evidence.owner_id == finding.public_id,
        Evidence.public_id.in_(list(evidence_ids)),
    )
    found = set((await session.execute(stmt.execution_options(**unscoped("files of a scoped finding")))).scalars())
    for i, evidence_id in enumerate(evidence_ids):
        if evidence_id not in found:
            raise field_error(
                f"/evidence_ids/{i}",
                "finding.evidence_unknown",
                "该佐证不存在或不属于本问题 (no such file attached to the finding)",
            )


register_owner(OWNER_TYPE, resolve_finding)
