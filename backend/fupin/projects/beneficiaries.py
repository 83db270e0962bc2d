"""A project's beneficiaries (受益户): households of the project's regions, and the measures of theirs delivered
through the project (`measures.project_id`, what derived targets count).

A household outside every region of the project is refused (422 at `/household_ids/<i>`
`project.beneficiary_outside`); one outside the caller's area is not found (404). A link or unlink is audited on
the household's trail (操作记录) and enters its area's change feed (`project_beneficiary.linked` / `.unlinked`); a
measure linked or unlinked gets its own `measure.updated`. The link's entity id is `uuid5(project id, household
id)`; its changes name the project (`project_id`, `project_code`). Every change refreshes the project's health."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from fupin.audit import chain as audit
from fupin.authz.principal import Principal
from fupin.authz.scope import within
from fupin.core.errors import FieldError, ProblemError, field_error, not_found
from fupin.households.models import Household
from fupin.measures.models import Measure
from fupin.projects import health
from fupin.projects.models import Project, ProjectBeneficiary, ProjectRegion
from fupin.projects.progress_schemas import BeneficiariesIn, BeneficiariesOut, BeneficiaryOut
from fupin.projects.repository import get_project, writable_project
from fupin.projects.targets import check_open

POOR = ("not_exited", "returned")
OUTSIDE = "该户不在项目覆盖的区划内 (the household is outside the project's regions)"
REMOVED = "已注销的贫困户不能作为受益户 (the household was removed)"


async def project_regions(session: AsyncSession, project: Project) -> list[str]:
    stmt = select(ProjectRegion.region_code).where(ProjectRegion.project_id == project.id)
    return list((await session.execute(stmt)).scalars())


def covers(regions: Sequence[str], village_code: str) -> bool:
    return any(within(village_code, region) for region in regions)


def link_id(project: Project, household: Household) -> uuid.UUID:
    """The id of a link in the trail and the feed: the same for the same project and household, every time."""
    return uuid.uuid5(project.public_id, str(household.public_id))


def link_target(project: Project, household: Household) -> audit.Target:
    return audit.Target(
        entity_type="project_beneficiary",
        entity_id=str(link_id(project, household)),
        region_code=household.village_code,
        subject_id=str(household.public_id),
        external_id=household.external_id,
        source_system=household.source_system,
    )


def _link_changes(project: Project, *, linked: bool) -> dict[str, list[object]]:
    project_id = str(project.public_id)
    return {"project_id": [None, project_id] if linked else [project_id, None], "project_code": [None, project.code]}


async def _linked_ids(session: AsyncSession, project: Project) -> set[int]:
    stmt = select(ProjectBeneficiary.household_id).where(ProjectBeneficiary.project_id == project.id)
    return set((await session.execute(stmt)).scalars())


async def ensure_beneficiary(
    session: AsyncSession, principal: Principal, *, project: Project, household: Household
) -> bool:
    """Link the household (already checked to lie in the project's regions) unless it is; whether it was new."""
    if household.id in await _linked_ids(session, project):
        return False
    session.add(ProjectBeneficiary(project_id=project.id, household_id=household.id))
    await session.flush()
    await audit.record_on(
        session,
        link_target(project, household),
        actor=principal.as_actor(),
        action="project_beneficiary.linked",
        changes=_link_changes(project, linked=True),
    )
    return True


async def read_beneficiaries(session: AsyncSession, principal: Principal, *, project: Project) -> BeneficiariesOut:
    """The linked households (in the project's regions, so in the caller's area) with their linked measures."""
    stmt = (
        principal.scope.select(Household)
        .join(ProjectBeneficiary, ProjectBeneficiary.household_id == Household.id)
        .where(ProjectBeneficiary.project_id == project.id)
        .order_by(Household.village_code, Household.household_number)
    )
    households = list((await session.execute(stmt)).scalars())
    measures: dict[int, list[uuid.UUID]] = {}
    linked = principal.scope.select(Measure.household_id, Measure.public_id, area_of=Measure).where(
        Measure.project_id == project.id
    )
    for household_pk, measure_id in (await session.execute(linked.order_by(Measure.id))).all():
        measures.setdefault(household_pk, []).append(measure_id)
    items = [
        BeneficiaryOut(
            household_id=h.public_id,
            household_number=h.household_number,
            head_name=h.head_name,
            village_code=h.village_code,
            status=h.status,
            members=h.member_count,
            measure_ids=measures.get(h.id, []),
        )
        for h in households
    ]
    poor = [h for h in households if h.status in POOR]
    return BeneficiariesOut(
        households=len(households),
        people=sum(h.member_count for h in households),
        poor_households=len(poor),
        poor_people=sum(h.member_count for h in poor),
        items=items,
    )


async def list_beneficiaries(session: AsyncSession, principal: Principal, *, project_id: uuid.UUID) -> BeneficiariesOut:
    project = await get_project(session, principal.scope, project_id)
    return await read_beneficiaries(session, principal, project=project)


async def link_beneficiaries(
    session: AsyncSession, principal: Principal, *, project_id: uuid.UUID, data: BeneficiariesIn
) -> BeneficiariesOut:
    """Link the households and set the measures' project. Every item is checked before anything is written."""
    from fupin.measures.service import apply_changes  # measures name their project through this module

    project = await writable_project(session, principal, project_id)
    check_open(project)
    regions = await project_regions(session, project)
    wanted = list(dict.fromkeys(data.household_ids))
    stmt = principal.scope.select(Household).where(Household.public_id.in_(wanted)).with_for_update()
    found = {h.public_id: h for h in (await session.execute(stmt)).scalars()}
    if len(found) < len(wanted):
        raise not_found("household")
    errors: list[FieldError] = []
    for index, household_id in enumerate(data.household_ids):
        household = found[household_id]
        pointer = f"/household_ids/{index}"
        if not covers(regions, household.village_code):
            errors.append(FieldError(pointer=pointer, code="project.beneficiary_outside", message=OUTSIDE))
        elif household.status == "removed":
            errors.append(FieldError(pointer=pointer, code="project.beneficiary_removed", message=REMOVED))
    if errors:
        raise ProblemError(422, errors[0].code, errors[0].message, errors)
    linked_pks = await _linked_ids(session, project) | {h.id for h in found.values()}
    by_pk = {h.id: h for h in found.values()}
    measures: list[Measure] = []
    if data.measure_ids:
        mstmt = principal.scope.select(Measure).where(Measure.public_id.in_(data.measure_ids)).with_for_update()
        known = {m.public_id: m for m in (await session.execute(mstmt)).scalars()}
        for index, measure_id in enumerate(data.measure_ids):
            measure = known.get(measure_id)
            pointer = f"/measure_ids/{index}"
            if measure is None:
                raise field_error(
                    pointer, "project.measure_unknown", "该措施不存在或不在您的管辖范围内 (no such measure)"
                )
            if measure.household_id not in linked_pks:
                raise field_error(
                    pointer,
                    "project.measure_not_beneficiary",
                    "该措施不属于项目的受益户 (the measure's household is not a beneficiary)",
                )
            if measure.project_id is not None and measure.project_id != project.id:
                raise field_error(
                    pointer,
                    "project.measure_other_project",
                    "该措施已关联另一个项目 (the measure is linked to another project)",
                    status=409,
                )
            measures.append(measure)
    for household_id in dict.fromkeys(data.household_ids):
        await ensure_beneficiary(session, principal, project=project, household=found[household_id])
    for measure in dict.fromkeys(measures):
        if measure.project_id == project.id:
            continue
        household = by_pk.get(measure.household_id) or await _household(session, principal, measure)
        await apply_changes(
            session,
            principal,
            measure=measure,
            household=household,
            values={"project_id": project.id},
            action="measure.updated",
        )
    await health.refresh(session, project)
    return await read_beneficiaries(session, principal, project=project)


async def _household(session: AsyncSession, principal: Principal, measure: Measure) -> Household:
    stmt = principal.scope.select(Household).where(Household.id == measure.household_id)
    return (await session.execute(stmt)).scalar_one()


async def unlink_beneficiary(
    session: AsyncSession, principal: Principal, *, project_id: uuid.UUID, household_id: uuid.UUID
) -> None:
    """Unlink the household; its measures delivered through the project no longer name it."""
    from fupin.measures.service import apply_changes

    project = await writable_project(session, principal, project_id)
    check_open(project)
    stmt = principal.scope.select(Household).where(Household.public_id == household_id).with_for_update()
    household = (await session.execute(stmt)).scalar_one_or_none()
    if household is None or household.id not in await _linked_ids(session, project):
        raise not_found("beneficiary")
    mstmt = principal.scope.select(Measure).where(
        Measure.project_id == project.id, Measure.household_id == household.id
    )
    for measure in (await session.execute(mstmt.with_for_update())).scalars():
        await apply_changes(
            session,
            principal,
            measure=measure,
            household=household,
            values={"project_id": None},
            action="measure.updated",
        )
    await session.execute(
        delete(ProjectBeneficiary).where(
            ProjectBeneficiary.project_id == project.id, ProjectBeneficiary.household_id == household.id
        )
    )
    await audit.record_on(
        session,
        link_target(project, household),
        actor=principal.as_actor(),
        action="project_beneficiary.unlinked",
        changes=_link_changes(project, linked=False),
    )
    await health.refresh(session, project)
