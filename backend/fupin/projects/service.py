"""The rules of projects (扶贫项目): a project is declared (申报) for 1..50 regions of one county within the caller's
area; its county (`county_code`) and its area (`area_code`, the smallest region holding all of its regions) follow
from them. Its code is unique per year and county. A department principal declares and changes only projects of its
field (`departments.project_categories`). Fields may change until the project is completed or removed; its regions
may not move it to another county once funds were allocated. Every write is audited on the project's trail and
enters its area's change feed."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from fupin.audit import chain as audit
from fupin.authz.principal import Principal
from fupin.authz.scope import unscoped
from fupin.core.concurrency import check_version
from fupin.core.errors import ProblemError, constraint_problem, field_error
from fupin.core.schemas import record_view
from fupin.departments.field import check_project_field
from fupin.projects import health
from fupin.projects import repository as repo
from fupin.projects.audit_target import project_target
from fupin.projects.models import FundAllocation, Project, ProjectRegion, ProjectStep
from fupin.projects.schemas import ProjectCreate, ProjectOut, ProjectUpdate
from fupin.regions.models import Region

AUDITED = (
    "code",
    "name",
    "category",
    "level",
    "nature",
    "year",
    "county_code",
    "area_code",
    "region_codes",
    "responsible_unit",
    "responsible_person",
    "planned_start_on",
    "due_on",
    "benefit_mechanism",
    "stage",
    "stage_reason",
    "entered_library_on",
    "completed_on",
    "removed_on",
    "source_system",
    "external_id",
)
CLOSED = ("completed", "removed")

constraint_problem(
    "uq_projects_year_county_code",
    "projects.year, projects.county_code, projects.code",
    code="project.duplicate_code",
    detail="本县该年度已有相同编号的项目 (a project of this county and year has this code)",
    pointer="/code",
)
constraint_problem(
    "uq_projects_source_external",
    "projects.source_system, projects.external_id",
    code="project.duplicate_external",
    detail="另一个项目已使用该外部编号 (another project has this source_system and external_id)",
    pointer="/external_id",
)


@dataclass(frozen=True, slots=True)
class Placement:
    """Where a project lies: its regions (12 digits, in the order sent), its county and its area."""

    region_codes: list[str]
    county_code: str
    area_code: str


def _common_area(codes: Sequence[str]) -> str:
    """The smallest region holding every one of `codes` (all of one county): the region itself, its township or
    the county (codes are prefixes of their parents: county 6 digits, township 9, village 12)."""
    if len(set(codes)) == 1:
        return codes[0]
    if len({c[:9] for c in codes}) == 1 and codes[0][6:9] != "000":
        return codes[0][:9] + "000"
    return codes[0][:6] + "000000"


async def place(session: AsyncSession, principal: Principal, codes: list[str]) -> Placement:
    """Check the regions (known, within the caller's area, of one county; 422 at `/region_codes/<i>`) and derive
    the county and the area."""
    # a deliberate read of the whole tree: an unknown region and one outside the area are told apart
    stmt = (
        select(Region.code, Region.level)
        .where(Region.code.in_(codes))
        .execution_options(**unscoped("project regions: unknown and outside-the-area are different answers"))
    )
    levels = {code: level for code, level in (await session.execute(stmt)).all()}
    county: str | None = None
    for i, code in enumerate(codes):
        pointer = f"/region_codes/{i}"
        if code not in levels:
            raise field_error(pointer, "project.region_unknown", "区划不存在 (unknown region)")
        if not principal.scope.contains(code):
            raise field_error(
                pointer, "project.region_outside", "该区划不在您的管辖范围内 (the region is outside your area)"
            )
        if levels[code] < 3 or (county is not None and code[:6] != county):
            raise field_error(
                pointer,
                "project.regions_county",
                "项目的建设地点须在同一个县(市、区)内 (all regions of a project lie in one county)",
            )
        county = code[:6]
    assert county is not None
    return Placement(list(codes), county + "000000", _common_area(codes))


async def _check_code_free(
    session: AsyncSession, *, year: int, county_code: str, code: str, project_id: int | None = None
) -> None:
    # codes are unique in the county: the check reads the county's projects, also those outside the caller's area
    stmt = (
        select(Project.id)
        .where(Project.year == year, Project.county_code == county_code, Project.code == code)
        .execution_options(**unscoped("a project code is unique per year and county, across the county"))
    )
    if project_id is not None:
        stmt = stmt.where(Project.id != project_id)
    if (await session.execute(stmt.limit(1))).first() is not None:
        raise field_error(
            "/code",
            "project.duplicate_code",
            "本县该年度已有相同编号的项目 (a project of this county and year has this code)",
            status=409,
        )


async def _check_external_free(session: AsyncSession, source_system: str, external_id: str) -> None:
    stmt = (
        select(Project.id)
        .where(Project.source_system == source_system, Project.external_id == external_id)
        .execution_options(**unscoped("an external key is unique across the system"))
    )
    if (await session.execute(stmt.limit(1))).first() is not None:
        raise field_error("/external_id", "project.duplicate_external", "另一个项目已使用该外部编号", status=409)


async def regions_of(session: AsyncSession, project: Project) -> list[str]:
    stmt = select(ProjectRegion.region_code).where(ProjectRegion.project_id == project.id)
    return sorted((await session.execute(stmt)).scalars().all())


def _set_regions(project: Project, codes: list[str]) -> None:
    # not a column: kept on the instance for the audit diff (`audit.tracked` snapshots the fields by name)
    setattr(project, "region_codes", sorted(codes))  # noqa: B010


async def _write_regions(session: AsyncSession, project: Project, codes: list[str]) -> None:
    await session.execute(delete(ProjectRegion).where(ProjectRegion.project_id == project.id))
    session.add_all(ProjectRegion(project_id=project.id, region_code=code) for code in sorted(set(codes)))


def add_step(
    session: AsyncSession,
    principal: Principal,
    project: Project,
    *,
    from_stage: str | None,
    to_stage: str,
    reason: str | None = None,
    evidence_ids: Sequence[uuid.UUID] = (),
) -> None:
    actor = principal.as_actor()
    session.add(
        ProjectStep(
            project_id=project.id,
            from_stage=from_stage,
            to_stage=to_stage,
            reason=reason,
            evidence_ids=[str(e) for e in evidence_ids],
            actor_type=actor.type,
            actor_id=actor.id,
            actor_name=actor.name,
        )
    )


async def project_out(session: AsyncSession, project: Project) -> ProjectOut:
    codes = getattr(project, "region_codes", None)
    if codes is None:
        codes = await regions_of(session, project)
    return ProjectOut.model_validate(record_view(project, id=project.public_id, region_codes=codes))


async def create_project(session: AsyncSession, principal: Principal, *, data: ProjectCreate) -> Project:
    await check_project_field(session, principal, category=data.category)
    placement = await place(session, principal, data.region_codes)
    await _check_code_free(session, year=data.year, county_code=placement.county_code, code=data.code)
    if data.source_system is not None and data.external_id is not None:
        await _check_external_free(session, data.source_system, data.external_id)
    fields = data.model_dump(exclude={"region_codes"})
    project = Project(
        public_id=uuid.uuid4(),
        county_code=placement.county_code,
        area_code=placement.area_code,
        stage="declared",
        health="on_track",
        **fields,
    )
    _set_regions(project, placement.region_codes)
    async with audit.tracked(
        session,
        project,
        actor=principal.as_actor(),
        action="project.created",
        fields=AUDITED,
        created=True,
        target=lambda: project_target(project),
    ):
        session.add(project)
        await session.flush()
        await _write_regions(session, project, placement.region_codes)
        add_step(session, principal, project, from_stage=None, to_stage="declared")
        await health.refresh(session, project)
    return project


async def read_project(session: AsyncSession, principal: Principal, *, project_id: uuid.UUID) -> Project:
    return await repo.get_project(session, principal.scope, project_id)


def check_open(project: Project) -> None:
    if project.stage in CLOSED:
        raise ProblemError(
            409,
            "project.closed",
            "已完成或已出库的项目不能修改 (the project is completed or removed)",
            extra={"stage": project.stage},
        )


async def _has_allocations(session: AsyncSession, project: Project) -> bool:
    stmt = select(func.count()).select_from(FundAllocation).where(FundAllocation.project_id == project.id)
    return int((await session.execute(stmt)).scalar_one()) > 0


async def update_project(
    session: AsyncSession,
    principal: Principal,
    *,
    project_id: uuid.UUID,
    expected_version: int | None,
    data: ProjectUpdate,
) -> Project:
    project = await repo.get_project(session, principal.scope, project_id, for_update=True)
    check_version(expected_version, project.version)
    await check_project_field(session, principal, category=project.category)
    check_open(project)
    sent: dict[str, Any] = data.sent()
    if "category" in sent:
        await check_project_field(session, principal, category=sent["category"])
    start = sent.get("planned_start_on", project.planned_start_on)
    due = sent.get("due_on", project.due_on)
    if due < start:
        pointer = "/due_on" if "due_on" in sent else "/planned_start_on"
        raise field_error(
            pointer,
            "project.dates_order",
            "计划完成日期不能早于计划开工日期 (due_on is before planned_start_on)",
        )
    old_codes = await regions_of(session, project)
    new_codes = old_codes
    if "region_codes" in sent:
        placement = await place(session, principal, sent.pop("region_codes"))
        new_codes = sorted(placement.region_codes)
        if placement.county_code != project.county_code and await _has_allocations(session, project):
            raise field_error(
                "/region_codes",
                "project.county_locked",
                "项目已下达资金, 不能改到其他县(市、区) (funds were allocated: the county is fixed)",
                status=409,
            )
        sent["county_code"] = placement.county_code
        sent["area_code"] = placement.area_code
    year = sent.get("year", project.year)
    county = sent.get("county_code", project.county_code)
    code = sent.get("code", project.code)
    if (year, county, code) != (project.year, project.county_code, project.code):
        await _check_code_free(session, year=year, county_code=county, code=code, project_id=project.id)
    _set_regions(project, old_codes)
    async with audit.tracked(
        session,
        project,
        actor=principal.as_actor(),
        action="project.updated",
        fields=AUDITED,
        target=lambda: project_target(project),
        touch=True,
    ):
        if new_codes != old_codes:  # first: its statements flush, and the row changes below are flushed once
            await _write_regions(session, project, new_codes)
            _set_regions(project, new_codes)
        for key, value in sent.items():
            if getattr(project, key) != value:
                setattr(project, key, value)
        await health.refresh(session, project)
    return project
