"""The rules of measures: a measure is for a household of the caller's area (and optionally one of its active
members), never for a 注销 household; a department principal records only measures of its field; every write is
audited on the household's trail (操作记录) and enters the change feed."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from fupin.audit import chain as audit
from fupin.authz.principal import Principal
from fupin.authz.scope import unscoped, within
from fupin.cadres.models import Cadre
from fupin.core.concurrency import check_version
from fupin.core.errors import (
    ProblemError,
    constraint_problem,
    field_error,
)
from fupin.core.schemas import record_view
from fupin.departments.field import check_field
from fupin.households import repository as households
from fupin.households.models import Household, Member
from fupin.measures import health
from fupin.measures import repository as repo
from fupin.measures.models import Measure
from fupin.measures.schemas import (
    MeasureCreate,
    MeasureFields,
    MeasureOut,
    MeasureTransitionIn,
    MeasureUpdate,
)
from fupin.measures.workflow import MEASURE_STATUS, MeasureMove
from fupin.projects.models import Project

AUDITED = (
    "village_code",
    "member_id",
    "cadre_id",
    "type",
    "content",
    "year",
    "department",
    "amount",
    "planned_on",
    "done_on",
    "status",
    "status_reason",
    "project_id",
    "source_system",
    "external_id",
)
Outcome = Literal["created", "updated", "unchanged"]

constraint_problem(
    "uq_measures_source_external",
    "measures.source_system, measures.external_id",
    code="measure.duplicate_external",
    detail="另一条措施已使用该外部编号 (another measure has this source_system and external_id)",
    pointer="/external_id",
)


def measure_target(measure: Measure, household: Household) -> audit.Target:
    """A measure's events join its household's trail; its feed entries carry the measure's own external key."""
    return audit.Target(
        "measure",
        str(measure.public_id),
        measure.village_code,
        subject_id=str(household.public_id),
        version=measure.version,
        external_id=measure.external_id,
        source_system=measure.source_system,
    )


def measure_out(
    measure: Measure,
    household: Household,
    member: Member | None,
    cadre: Cadre | None,
    *,
    health_shown: bool,
    project: Project | None = None,
) -> MeasureOut:
    derived: dict[str, Any] = {
        "id": measure.public_id,
        "household_id": household.public_id,
        "member_id": member.public_id if member is not None else None,
        "cadre_id": cadre.public_id if cadre is not None else None,
        "project_id": project.public_id if project is not None else None,
    }
    derived.update(health.withheld(measure.type, shown=health_shown))
    return MeasureOut.model_validate(record_view(measure, **derived))


@dataclass
class Written:
    measure: Measure
    household: Household
    member: Member | None
    outcome: Outcome = "updated"
    cadre: Cadre | None = None
    project: Project | None = None

    def out(self, *, health_shown: bool) -> MeasureOut:
        return measure_out(
            self.measure, self.household, self.member, self.cadre, health_shown=health_shown, project=self.project
        )


async def project_of(
    session: AsyncSession, principal: Principal, household: Household, project_id: uuid.UUID | None
) -> Project | None:
    """The project a measure is delivered through: of the caller's area and covering the household's village
    (422 at `/project_id` otherwise)."""
    if project_id is None:
        return None
    from fupin.projects.beneficiaries import covers, project_regions

    stmt = principal.scope.select(Project).where(Project.public_id == project_id)
    project = (await session.execute(stmt)).scalar_one_or_none()
    if project is None:
        raise field_error(
            "/project_id", "measure.project_unknown", "该项目不存在或不在您的管辖范围内 (no such project in your area)"
        )
    if not covers(await project_regions(session, project), household.village_code):
        raise field_error(
            "/project_id",
            "measure.project_outside",
            "该户不在项目覆盖的区划内 (the household is outside the project's regions)",
        )
    return project


async def project_by_pk(session: AsyncSession, project_pk: int | None) -> Project | None:
    """The measure's project for its output: found by the link (it may be wider than the caller's area)."""
    if project_pk is None:
        return None
    stmt = (
        select(Project)
        .where(Project.id == project_pk)
        .execution_options(**unscoped("the project a measure names, found by its link"))
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def after_write(
    session: AsyncSession,
    principal: Principal,
    *,
    measure: Measure,
    household: Household,
    project: Project | None,
    previous_project: int | None,
) -> None:
    """A measure naming a project makes its household a beneficiary; the projects it named before and now get
    their derived targets and health recomputed."""
    from fupin.projects.beneficiaries import ensure_beneficiary
    from fupin.projects.health import refresh_projects

    if project is not None:
        await ensure_beneficiary(session, principal, project=project, household=household)
    await refresh_projects(session, [previous_project, measure.project_id])


def check_writable(household: Household) -> None:
    if household.status == "removed":
        raise field_error("/household_id", "measure.household_removed", "已注销的贫困户不能登记或变更措施", status=409)


async def scoped_household(session: AsyncSession, principal: Principal, household_id: uuid.UUID) -> Household:
    household = await households.get_household(session, principal.scope, household_id, for_update=True)
    check_writable(household)
    return household


async def member_of(session: AsyncSession, household: Household, member_id: uuid.UUID | None) -> Member | None:
    if member_id is None:
        return None
    member = await repo.find_member(session, member_id)
    if member is None or member.household_id != household.id:
        raise field_error(
            "/member_id", "measure.member_not_in_household", "该成员不属于本户 (not a member of the household)"
        )
    if not member.active:
        raise field_error("/member_id", "measure.member_removed", "已移出的成员不能登记措施", status=409)
    return member


def checked_cadre(household: Household, cadre: Cadre | None) -> Cadre:
    """The responsible cadre must be of the caller's area (`cadre` None: not found there) and serve the household's
    village: 422 at `/cadre_id` otherwise."""
    if cadre is None:
        raise field_error(
            "/cadre_id", "measure.cadre_unknown", "该干部不存在或不在您的管辖范围内 (no such cadre in your area)"
        )
    if not within(household.village_code, cadre.region_code):
        raise field_error(
            "/cadre_id",
            "measure.cadre_outside_area",
            "该户不在该干部服务的区划内 (the household is outside the area the cadre serves)",
        )
    return cadre


async def cadre_of(
    session: AsyncSession, principal: Principal, household: Household, cadre_id: uuid.UUID | None
) -> Cadre | None:
    if cadre_id is None:
        return None
    found = await repo.cadres_by_ids(session, principal.scope, [cadre_id])
    return checked_cadre(household, found[0] if found else None)


def check_done_date(status: str, done_on: date | None) -> None:
    if status == "done" and done_on is None:
        raise field_error("/done_on", "measure.done_on_required", "已完成的措施须填写完成日期 (done_on)")
    if status != "done" and done_on is not None:
        raise field_error("/done_on", "measure.done_on_unexpected", "未完成的措施不能有完成日期")
    if done_on is not None and done_on > date.today():
        raise field_error("/done_on", "date.out_of_range", "完成日期不能晚于今天")


async def _new_measure(
    session: AsyncSession,
    principal: Principal,
    *,
    household: Household,
    member: Member | None,
    cadre: Cadre | None,
    project: Project | None,
    data: MeasureFields,
    status: str,
    source_system: str | None,
    external_id: str | None,
) -> Measure:
    await check_field(session, principal, measure_type=data.type, member=member, department=data.department)
    measure = Measure(
        public_id=uuid.uuid4(),
        household_id=household.id,
        member_id=member.id if member is not None else None,
        cadre_id=cadre.id if cadre is not None else None,
        project_id=project.id if project is not None else None,
        village_code=household.village_code,
        type=data.type,
        content=data.content,
        year=data.year,
        department=data.department or principal.department,
        amount=data.amount,
        planned_on=data.planned_on,
        done_on=data.done_on,
        status=status,
        source_system=source_system,
        external_id=external_id,
    )
    async with audit.tracked(
        session,
        measure,
        actor=principal.as_actor(),
        action="measure.created",
        fields=AUDITED,
        created=True,
        target=lambda: measure_target(measure, household),
    ):
        session.add(measure)
        await session.flush()
    await after_write(session, principal, measure=measure, household=household, project=project, previous_project=None)
    return measure


async def create_measure(session: AsyncSession, principal: Principal, *, data: MeasureCreate) -> Written:
    household = await scoped_household(session, principal, data.household_id)
    member = await member_of(session, household, data.member_id)
    cadre = await cadre_of(session, principal, household, data.cadre_id)
    project = await project_of(session, principal, household, data.project_id)
    if (
        data.source_system is not None
        and data.external_id is not None
        and await repo.find_by_external(session, data.source_system, data.external_id) is not None
    ):
        raise field_error("/external_id", "measure.duplicate_external", "另一条措施已使用该外部编号", status=409)
    measure = await _new_measure(
        session,
        principal,
        household=household,
        member=member,
        cadre=cadre,
        project=project,
        data=data,
        status=data.status,
        source_system=data.source_system,
        external_id=data.external_id,
    )
    return Written(measure, household, member, "created", cadre, project)


async def read_measure(session: AsyncSession, principal: Principal, *, measure_id: uuid.UUID) -> Written:
    measure = await repo.get_measure(session, principal.scope, measure_id)
    household = await repo.household_of(session, measure)
    member = await repo.member_by_pk(session, household, measure.member_id)
    cadre = await repo.cadre_by_pk(session, measure.cadre_id)
    return Written(measure, household, member, "updated", cadre, await project_by_pk(session, measure.project_id))


async def _for_change(session: AsyncSession, principal: Principal, measure: Measure) -> tuple[Household, Member | None]:
    household = await repo.household_of(session, measure)
    member = await repo.member_by_pk(session, household, measure.member_id)
    # a department changes only measures of its field, whatever it changes them to
    await check_field(session, principal, measure_type=measure.type, member=member, department=None)
    return household, member


async def apply_changes(
    session: AsyncSession,
    principal: Principal,
    *,
    measure: Measure,
    household: Household,
    values: dict[str, Any],
    action: str,
) -> bool:
    """Set the values that differ, audited; whether anything changed (nothing: no event, no new version)."""
    async with audit.tracked(
        session,
        measure,
        actor=principal.as_actor(),
        action=action,
        fields=AUDITED,
        target=lambda: measure_target(measure, household),
        touch=True,
    ) as result:
        for key, value in values.items():
            if getattr(measure, key) != value:
                setattr(measure, key, value)
    return bool(result.changes)


async def update_measure(
    session: AsyncSession,
    principal: Principal,
    *,
    measure_id: uuid.UUID,
    expected_version: int | None,
    data: MeasureUpdate,
) -> Written:
    measure = await repo.get_measure(session, principal.scope, measure_id, for_update=True)
    check_version(expected_version, measure.version)
    household, member = await _for_change(session, principal, measure)
    check_writable(household)
    if measure.status == "cancelled":
        raise ProblemError(409, "measure.cancelled", "已取消的措施不能修改 (the measure was cancelled)")
    sent = data.sent()
    if "member_id" in sent:
        member = await member_of(session, household, sent.pop("member_id"))
    if "cadre_id" in sent:
        cadre = await cadre_of(session, principal, household, sent.pop("cadre_id"))
    else:
        cadre = await repo.cadre_by_pk(session, measure.cadre_id)
    previous_project = measure.project_id
    if "project_id" in sent:
        project = await project_of(session, principal, household, sent.pop("project_id"))
        sent["project_id"] = project.id if project is not None else None
    else:
        project = await project_by_pk(session, measure.project_id)
    values: dict[str, Any] = {
        **sent,
        "member_id": member.id if member is not None else None,
        "cadre_id": cadre.id if cadre is not None else None,
    }
    new_type = values.get("type", measure.type)
    await check_field(session, principal, measure_type=new_type, member=member, department=values.get("department"))
    check_done_date(measure.status, values.get("done_on", measure.done_on))
    await apply_changes(
        session, principal, measure=measure, household=household, values=values, action="measure.updated"
    )
    linked = project if project is not None and project.id != previous_project else None
    await after_write(
        session, principal, measure=measure, household=household, project=linked, previous_project=previous_project
    )
    return Written(measure, household, member, "updated", cadre, project)


async def transition(
    session: AsyncSession,
    principal: Principal,
    *,
    measure_id: uuid.UUID,
    expected_version: int | None,
    data: MeasureTransitionIn,
) -> Written:
    measure = await repo.get_measure(session, principal.scope, measure_id, for_update=True)
    check_version(expected_version, measure.version)
    household, member = await _for_change(session, principal, measure)
    if data.to != "cancelled":
        check_writable(household)  # a measure of a 注销 household can still be cancelled
    ctx = MeasureMove(measure, data.reason, data.done_on)
    await MEASURE_STATUS.check(source=measure.status, target=data.to, context=ctx)
    values: dict[str, Any] = {"status": data.to, "status_reason": data.reason}
    if data.to == "done":
        values["done_on"] = ctx.done_on
    await apply_changes(
        session, principal, measure=measure, household=household, values=values, action="measure.status_changed"
    )
    await after_write(session, principal, measure=measure, household=household, project=None, previous_project=None)
    cadre = await repo.cadre_by_pk(session, measure.cadre_id)
    return Written(measure, household, member, "updated", cadre, await project_by_pk(session, measure.project_id))
