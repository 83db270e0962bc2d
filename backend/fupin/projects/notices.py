"""A project's public notices (公告公示): the entry notice (入库公示), put up before the project enters the library,
the completion notice (竣工公告) and the notice of each fund allocation (资金分配公告).

A notice keeps what it said (`figures`) as it was when it was made, so its document (PDF or printable HTML) is the
same every time it is printed: later changes of the project do not rewrite a notice that was put up.

Rules (every refusal changes nothing):
- entry: from stage approved on (approved, in_library, implementing, accepted, completed) and with at least one
  target; completion: at stage accepted or completed; allocation: of an allocation of this project (422
  `/allocation_id`); a removed project gets none (409 `notice.wrong_stage` at `/kind`, 409 `notice.no_targets`).
- one notice per kind per project, per allocation for allocation notices: a second is 409 `notice.exists` (the
  first stays as it was put up; there is no regeneration).
- the display period (公示期) is sent as both days or neither, display_to not before display_from, at least 10
  days counting both (422 `notice.display_too_short` at `/display_to`); published_on not after today.
- publishing an allocation notice (setting its published_on) sets the allocation's `published_on`
  (`fund_allocation.published`, audited and in the feed).

Writes go through `repository.writable_project` (404 outside the area, the project row locked, 403 for a line
department of another field) and are audited on the project's trail (`project_notice.created` / `.updated`)."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from fupin.audit import chain as audit
from fupin.authz.principal import Principal
from fupin.authz.scope import AreaScope
from fupin.core.code_tables import label
from fupin.core.concurrency import check_version
from fupin.core.errors import field_error, not_found
from fupin.projects import clock
from fupin.projects.audit_target import project_target
from fupin.projects.beneficiaries import read_beneficiaries
from fupin.projects.models import (
    FundAllocation,
    FundDisbursement,
    Project,
    ProjectNotice,
    ProjectRegion,
)
from fupin.projects.notice_schemas import NoticeIn, NoticeOut, NoticeUpdate, OverdueItem, OverdueQuery
from fupin.projects.repository import get_project, writable_project
from fupin.projects.targets import list_targets
from fupin.regions.models import Region

AUDITED = ("kind", "location", "display_from", "display_to", "published_on")
ENTRY_STAGES = frozenset({"approved", "in_library", "implementing", "accepted", "completed"})
COMPLETION_STAGES = frozenset({"accepted", "completed"})
IN_LIBRARY = ("in_library", "implementing", "accepted", "completed")
MIN_DISPLAY_DAYS = 10
ALLOCATION_WORKING_DAYS = 15
COMPLETION_GRACE_DAYS = 10
CENT = Decimal("0.01")
ALLOCATION_ID = FundAllocation.public_id.label("allocation_public_id")


def money(value: Decimal | int | None) -> str:
    return str(Decimal(value or 0).quantize(CENT))


def quantity(value: Decimal) -> str:
    return format(value.normalize(), "f")


def add_working_days(day: date, days: int) -> date:
    """`days` working days (Monday to Friday) after `day`; public holidays are not modelled."""
    current = day
    while days > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            days -= 1
    return current


# ---------------------------------------------------------------- reads


def notice_out(notice: ProjectNotice, project: Project, allocation_public_id: uuid.UUID | None) -> NoticeOut:
    return NoticeOut(
        id=notice.public_id,
        project_id=project.public_id,
        kind=notice.kind,
        allocation_id=allocation_public_id,
        figures=dict(notice.figures or {}),
        location=notice.location,
        display_from=notice.display_from,
        display_to=notice.display_to,
        published_on=notice.published_on,
        created_at=notice.created_at,
        actor_name=notice.actor_name,
        version=notice.version,
    )


async def _allocation_ids(session: AsyncSession, project: Project) -> dict[int, uuid.UUID]:
    stmt = select(FundAllocation.id, FundAllocation.public_id).where(FundAllocation.project_id == project.id)
    return {pk: public_id for pk, public_id in (await session.execute(stmt)).all()}


async def list_notices(session: AsyncSession, principal: Principal, *, project_id: uuid.UUID) -> list[NoticeOut]:
    project = await get_project(session, principal.scope, project_id)
    stmt = select(ProjectNotice).where(ProjectNotice.project_id == project.id).order_by(ProjectNotice.id)
    notices = list((await session.execute(stmt)).scalars())
    ids = await _allocation_ids(session, project) if any(n.allocation_id for n in notices) else {}
    return [notice_out(n, project, ids.get(n.allocation_id) if n.allocation_id else None) for n in notices]


async def get_notice(
    session: AsyncSession, project: Project, notice_id: uuid.UUID, *, for_update: bool = False
) -> ProjectNotice:
    stmt = select(ProjectNotice).where(ProjectNotice.project_id == project.id, ProjectNotice.public_id == notice_id)
    if for_update:
        stmt = stmt.with_for_update()
    notice = (await session.execute(stmt)).scalar_one_or_none()
    if notice is None:
        raise not_found("notice")
    return notice


async def read_notice(
    session: AsyncSession, principal: Principal, *, project_id: uuid.UUID, notice_id: uuid.UUID
) -> tuple[Project, ProjectNotice]:
    project = await get_project(session, principal.scope, project_id)
    return project, await get_notice(session, project, notice_id)


# ---------------------------------------------------------------- figures


async def _sums(session: AsyncSession, model: type[FundAllocation] | type[FundDisbursement], project: Project) -> Any:
    stmt = (
        select(model.source, func.sum(model.amount))
        .where(model.project_id == project.id)
        .group_by(model.source)
        .order_by(model.source)
    )
    return {source: Decimal(total or 0) for source, total in (await session.execute(stmt)).all()}


async def figures(
    session: AsyncSession, principal: Principal, *, project: Project, allocation: FundAllocation | None
) -> dict[str, Any]:
    """What a notice of the project shows, read now through the modules that own each part."""
    codes = select(ProjectRegion.region_code).where(ProjectRegion.project_id == project.id)
    stmt = principal.scope.select(Region.code, Region.name).where(Region.code.in_(codes)).order_by(Region.code)
    regions = [{"code": code, "name": name} for code, name in (await session.execute(stmt)).all()]
    targets = [
        {
            "metric": t.metric,
            "unit": t.unit,
            "unit_label": label("target_unit", t.unit),
            "baseline": quantity(t.baseline),
            "target": quantity(t.target),
            "actual": quantity(t.actual),
        }
        for t in await list_targets(session, principal, project_id=project.public_id)
    ]
    allocated = await _sums(session, FundAllocation, project)
    disbursed = await _sums(session, FundDisbursement, project)
    funds = [
        {
            "source": source,
            "source_label": label("fund_source", source),
            "allocated": money(allocated.get(source)),
            "disbursed": money(disbursed.get(source)),
        }
        for source in sorted(set(allocated) | set(disbursed))
    ]
    people = await read_beneficiaries(session, principal, project=project)
    shown: dict[str, Any] = {
        "project_code": project.code,
        "project_name": project.name,
        "year": project.year,
        "category": project.category,
        "category_label": label("project_category", project.category),
        "level": project.level,
        "level_label": label("project_level", project.level),
        "nature_label": label("construction_nature", project.nature),
        "stage": project.stage,
        "regions": regions,
        "responsible_unit": project.responsible_unit,
        "responsible_person": project.responsible_person,
        "planned_start_on": project.planned_start_on.isoformat(),
        "due_on": project.due_on.isoformat(),
        "completed_on": project.completed_on.isoformat() if project.completed_on else None,
        "benefit_mechanism": project.benefit_mechanism,
        "targets": targets,
        "funds": funds,
        "funds_total": {
            "allocated": money(sum(allocated.values(), Decimal(0))),
            "disbursed": money(sum(disbursed.values(), Decimal(0))),
        },
        "beneficiaries": {
            "households": people.households,
            "people": people.people,
            "poor_households": people.poor_households,
            "poor_people": people.poor_people,
        },
    }
    if allocation is not None:
        shown["allocation"] = {
            "id": str(allocation.public_id),
            "source": allocation.source,
            "source_label": label("fund_source", allocation.source),
            "amount": money(allocation.amount),
            "document_no": allocation.document_no,
            "allocated_on": allocation.allocated_on.isoformat(),
        }
    return shown


# ---------------------------------------------------------------- rules


def _check_period(*, display_from: date | None, display_to: date | None, published_on: date | None) -> None:
    if (display_from is None) != (display_to is None):
        missing = "/display_from" if display_from is None else "/display_to"
        raise field_error(
            missing, "notice.display_incomplete", "公示期须同时填写起止日期 (send display_from and display_to)"
        )
    if display_from is not None and display_to is not None:
        if display_to < display_from:
            raise field_error(
                "/display_to", "notice.display_order", "公示期止不能早于公示期起 (display_to before display_from)"
            )
        if (display_to - display_from).days + 1 < MIN_DISPLAY_DAYS:
            raise field_error(
                "/display_to",
                "notice.display_too_short",
                f"公示期不少于{MIN_DISPLAY_DAYS}天 (the display period is shorter than {MIN_DISPLAY_DAYS} days)",
            )
    if published_on is not None and published_on > clock.today():
        raise field_error("/published_on", "date.out_of_range", "公示日期不能晚于今天 (published_on is in the future)")


def _check_stage(project: Project, kind: str, has_targets: bool) -> None:
    allowed = ENTRY_STAGES if kind == "entry" else COMPLETION_STAGES if kind == "completion" else None
    if project.stage == "removed" or (allowed is not None and project.stage not in allowed):
        wanted = {"entry": "已批复及以后", "completion": "已验收或已完成"}.get(kind, "未出库")
        raise field_error(
            "/kind",
            "notice.wrong_stage",
            f"项目当前阶段不能发布该公告, 须{wanted} (the project's stage does not allow this notice)",
            status=409,
        )
    if kind == "entry" and not has_targets:
        raise field_error(
            "/kind", "notice.no_targets", "入库公示须先填写绩效目标 (the project has no target yet)", status=409
        )


async def _allocation(session: AsyncSession, project: Project, public_id: uuid.UUID) -> FundAllocation:
    stmt = (
        select(FundAllocation)
        .where(FundAllocation.project_id == project.id, FundAllocation.public_id == public_id)
        .with_for_update()
    )
    allocation = (await session.execute(stmt)).scalar_one_or_none()
    if allocation is None:
        raise field_error(
            "/allocation_id", "notice.allocation_unknown", "该项目没有这笔资金下达 (no such allocation of the project)"
        )
    return allocation


async def _exists(session: AsyncSession, project: Project, kind: str, allocation: FundAllocation | None) -> bool:
    stmt = select(func.count()).where(ProjectNotice.project_id == project.id, ProjectNotice.kind == kind)
    if allocation is not None:
        stmt = stmt.where(ProjectNotice.allocation_id == allocation.id)
    return bool((await session.execute(stmt)).scalar_one())


def _audit_target(project: Project, notice: ProjectNotice) -> audit.Target:
    return project_target(project, entity_type="project_notice", entity_id=str(notice.public_id))


async def _publish_allocation(
    session: AsyncSession, principal: Principal, *, project: Project, allocation: FundAllocation, day: date
) -> None:
    """The allocation was made public on `day` (资金公告): kept on the allocation, audited on the project's trail."""
    if allocation.published_on == day:
        return
    async with audit.tracked(
        session,
        allocation,
        actor=principal.as_actor(),
        action="fund_allocation.published",
        fields=("published_on",),
        target=lambda: project_target(project, entity_type="fund_allocation", entity_id=str(allocation.public_id)),
    ):
        allocation.published_on = day


# ---------------------------------------------------------------- writes


async def create_notice(
    session: AsyncSession, principal: Principal, *, project_id: uuid.UUID, data: NoticeIn
) -> NoticeOut:
    project = await writable_project(session, principal, project_id)
    allocation: FundAllocation | None = None
    if data.kind == "allocation":
        if data.allocation_id is None:
            raise field_error("/allocation_id", "required", "资金分配公告须指明资金下达 (allocation_id is required)")
        allocation = await _allocation(session, project, data.allocation_id)
    elif data.allocation_id is not None:
        raise field_error(
            "/allocation_id",
            "notice.allocation_not_allowed",
            "只有资金分配公告指明资金下达 (allocation_id is for allocation notices only)",
        )
    _check_period(display_from=data.display_from, display_to=data.display_to, published_on=data.published_on)
    if allocation is not None and data.published_on is not None and data.published_on < allocation.allocated_on:
        raise field_error(
            "/published_on",
            "notice.published_before_allocation",
            "公示日期不能早于资金下达日期 (published before the allocation)",
        )
    targets = await list_targets(session, principal, project_id=project.public_id)
    _check_stage(project, data.kind, bool(targets))
    if await _exists(session, project, data.kind, allocation):
        raise field_error(
            "/kind", "notice.exists", "该公告已经发布过 (the project already has this notice)", status=409
        )
    actor = principal.as_actor()
    notice = ProjectNotice(
        public_id=uuid.uuid4(),
        project_id=project.id,
        kind=data.kind,
        allocation_id=allocation.id if allocation is not None else None,
        figures=await figures(session, principal, project=project, allocation=allocation),
        location=data.location,
        display_from=data.display_from,
        display_to=data.display_to,
        published_on=data.published_on,
        actor_name=actor.name or "",
    )
    extra = {"project_code": [None, project.code]}
    if allocation is not None:
        extra["allocation_id"] = [None, str(allocation.public_id)]
    async with audit.tracked(
        session,
        notice,
        actor=actor,
        action="project_notice.created",
        fields=AUDITED,
        created=True,
        target=lambda: _audit_target(project, notice),
        extra=extra,
    ):
        session.add(notice)
        await session.flush()
    if allocation is not None and notice.published_on is not None:
        await _publish_allocation(session, principal, project=project, allocation=allocation, day=notice.published_on)
    return notice_out(notice, project, allocation.public_id if allocation is not None else None)


async def update_notice(
    session: AsyncSession,
    principal: Principal,
    *,
    project_id: uuid.UUID,
    notice_id: uuid.UUID,
    expected_version: int | None,
    data: NoticeUpdate,
) -> NoticeOut:
    project = await writable_project(session, principal, project_id)
    notice = await get_notice(session, project, notice_id, for_update=True)
    check_version(expected_version, notice.version)
    sent: dict[str, Any] = data.model_dump(exclude_unset=True)
    if "published_on" in sent and sent["published_on"] is None and notice.published_on is not None:
        raise field_error("/published_on", "required", "已发布的公告不能撤回公示日期 (may not be null once published)")
    values = {
        "display_from": sent.get("display_from", notice.display_from),
        "display_to": sent.get("display_to", notice.display_to),
        "published_on": sent.get("published_on", notice.published_on),
    }
    _check_period(**values)
    allocation: FundAllocation | None = None
    if notice.allocation_id is not None:
        stmt = select(FundAllocation).where(FundAllocation.id == notice.allocation_id).with_for_update()
        allocation = (await session.execute(stmt)).scalar_one()
        published = values["published_on"]
        if published is not None and published < allocation.allocated_on:
            raise field_error(
                "/published_on",
                "notice.published_before_allocation",
                "公示日期不能早于资金下达日期 (published before the allocation)",
            )
    async with audit.tracked(
        session,
        notice,
        actor=principal.as_actor(),
        action="project_notice.updated",
        fields=AUDITED,
        target=lambda: _audit_target(project, notice),
    ):
        for key, value in sent.items():
            if getattr(notice, key) != value:
                setattr(notice, key, value)
    if allocation is not None and notice.published_on is not None:
        await _publish_allocation(session, principal, project=project, allocation=allocation, day=notice.published_on)
    return notice_out(notice, project, allocation.public_id if allocation is not None else None)


async def record_document(
    session: AsyncSession, principal: Principal, *, project: Project, notice: ProjectNotice, format: str
) -> None:
    """A printed notice is an export of what the register says: an audit event on the project's trail (no feed
    entry: nothing changed)."""
    await audit.record(
        session,
        actor=principal.as_actor(),
        action="export.created",
        entity_type="project_notice",
        entity_id=str(notice.public_id),
        region_code=project.area_code,
        subject_id=str(project.public_id),
        changes={"format": [None, format], "kind": [None, notice.kind], "project_code": [None, project.code]},
        feed=False,
    )


# ---------------------------------------------------------------- overdue


async def overdue(session: AsyncSession, scope: AreaScope, *, query: OverdueQuery) -> list[OverdueItem]:
    """Notices not put up in time in the scope (the caller's area, narrowed to `region_code`), most overdue first:
    allocations not published within 15 working days of allocated_on (Mon–Fri; holidays not modelled), projects
    in the library without a published entry notice (due on the day of entry), projects completed more than 10
    days ago without a published completion notice, and published notices whose display period is not recorded."""
    today = clock.today()
    items: list[OverdueItem] = []
    kind = query.kind

    def item(project: Any, *, kind: str, due_on: date, reason: str, allocation: uuid.UUID | None = None) -> None:
        items.append(
            OverdueItem(
                project_id=project.public_id,
                project_code=project.code,
                project_name=project.name,
                area_code=project.area_code,
                kind=kind,
                allocation_id=allocation,
                due_on=due_on,
                days_overdue=(today - due_on).days,
                reason=reason,
            )
        )

    columns = (Project.id, Project.public_id, Project.code, Project.name, Project.area_code)
    published = select(ProjectNotice.project_id).where(ProjectNotice.published_on.is_not(None))
    if kind in (None, "allocation"):
        # 15 working days are at least 21 calendar days: a first cut in SQL, the exact day below
        stmt = (
            scope.select(*columns, ALLOCATION_ID, FundAllocation.allocated_on, area_of=Project)
            .join(FundAllocation, FundAllocation.project_id == Project.id)
            .where(
                FundAllocation.published_on.is_(None),
                Project.stage != "removed",
                FundAllocation.allocated_on < today - timedelta(days=ALLOCATION_WORKING_DAYS),
            )
        )
        for row in (await session.execute(stmt)).all():
            due = add_working_days(row.allocated_on, ALLOCATION_WORKING_DAYS)
            if due < today:
                item(
                    row,
                    kind="allocation",
                    due_on=due,
                    reason="allocation_unpublished",
                    allocation=row.allocation_public_id,
                )
    if kind in (None, "entry"):
        entry = published.where(ProjectNotice.kind == "entry")
        stmt = scope.select(*columns, Project.entered_library_on, Project.planned_start_on, area_of=Project).where(
            Project.stage.in_(IN_LIBRARY), Project.id.not_in(entry)
        )
        for row in (await session.execute(stmt)).all():
            due = row.entered_library_on or row.planned_start_on
            if due <= today:
                item(row, kind="entry", due_on=due, reason="entry_missing")
    if kind in (None, "completion"):
        completion = published.where(ProjectNotice.kind == "completion")
        stmt = scope.select(*columns, Project.completed_on, area_of=Project).where(
            Project.stage == "completed",
            Project.completed_on.is_not(None),
            Project.completed_on < today - timedelta(days=COMPLETION_GRACE_DAYS),
            Project.id.not_in(completion),
        )
        for row in (await session.execute(stmt)).all():
            item(
                row,
                kind="completion",
                due_on=row.completed_on + timedelta(days=COMPLETION_GRACE_DAYS),
                reason="completion_missing",
            )
    stmt = (
        scope.select(*columns, ProjectNotice.kind, ProjectNotice.published_on, ALLOCATION_ID, area_of=Project)
        .join(ProjectNotice, ProjectNotice.project_id == Project.id)
        .outerjoin(FundAllocation, FundAllocation.id == ProjectNotice.allocation_id)
        .where(
            ProjectNotice.published_on.is_not(None),
            (ProjectNotice.display_from.is_(None)) | (ProjectNotice.display_to.is_(None)),
        )
    )
    if kind is not None:
        stmt = stmt.where(ProjectNotice.kind == kind)
    for row in (await session.execute(stmt)).all():
        item(
            row,
            kind=row.kind,
            due_on=row.published_on,
            reason="display_unrecorded",
            allocation=row.allocation_public_id,
        )
    items.sort(key=lambda i: (-i.days_overdue, i.project_code, i.kind, str(i.allocation_id or "")))
    return items
