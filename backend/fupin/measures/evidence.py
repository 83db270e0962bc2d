"""Evidence of measures (photos and documents of what was done): read as the measure is, attached by whoever may
change it — `measures:write`, a department only within its field (`departments.field`), never to a measure of a
注销 household or a cancelled one. A health measure's files are health details: only callers that see them read
them (`measures.health`)."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from fupin.authz.policy import require_owner_writer
from fupin.authz.principal import Principal
from fupin.authz.roles import Permission
from fupin.core.errors import FieldError, ProblemError, field_error
from fupin.departments.field import check_field
from fupin.evidence.owners import EvidenceOwner, register_owner
from fupin.measures import health
from fupin.measures import repository as repo


def _missing(write: bool) -> ProblemError:
    errors = [FieldError(pointer="/owner_id", code="not_found", message="措施不存在或不在您的管辖范围内")]
    return ProblemError(404, "not_found", "measure not found", errors if write else [])


async def resolve_measure(
    session: AsyncSession, principal: Principal, owner_id: uuid.UUID, *, write: bool
) -> EvidenceOwner:
    require_owner_writer(principal, Permission.MEASURES_READ)
    try:
        measure = await repo.get_measure(session, principal.scope, owner_id)
    except ProblemError as exc:
        if exc.status == 404:
            raise _missing(write) from exc
        raise
    if not await health.shown(session, principal) and health.withheld(measure.type, shown=False):
        raise ProblemError(
            403,
            "measures.health_withheld",
            "健康类措施的佐证属于健康信息, 您无权查看 (the files of a health measure are health details)",
        )
    household = await repo.household_of(session, measure)
    if write:
        require_owner_writer(principal, Permission.MEASURES_WRITE)
        member = await repo.member_by_pk(session, household, measure.member_id)
        await check_field(
            session, principal, measure_type=measure.type, member=member, department=None, pointer="/owner_id"
        )
        if household.status == "removed":
            raise field_error(
                "/owner_id", "measure.household_removed", "已注销的贫困户的措施不能再添加佐证", status=409
            )
        if measure.status == "cancelled":
            raise field_error("/owner_id", "measure.cancelled", "已取消的措施不能再添加佐证", status=409)
    return EvidenceOwner(
        measure.village_code,
        str(household.public_id),
        external_id=household.external_id,
        source_system=household.source_system,
    )


register_owner("measure", resolve_measure)
