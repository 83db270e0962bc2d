"""Cadres and their assignments: create, change, pair, read; the turnover figure. Services never commit."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from pydantic_core import to_json
from sqlalchemy import and_, or_
from sqlalchemy.ext.asyncio import AsyncSession

from fupin.audit import chain as audit
from fupin.authz.principal import Principal
from fupin.authz.scope import within
from fupin.cadres import repository as repo
from fupin.cadres.models import VILLAGE_KINDS, Assignment, Cadre
from fupin.cadres.schemas import (
    AssignmentIn,
    AssignmentList,
    AssignmentOut,
    CadreIn,
    CadreOut,
    CadresQuery,
    CadreUpdate,
    TurnoverOut,
    TurnoverQuery,
    TurnoverRow,
)
from fupin.core.concurrency import check_version
from fupin.core.errors import ProblemError, constraint_problem, field_error
from fupin.core.pagination import decode_key_cursor, key_page
from fupin.core.pii import presentation
from fupin.core.readpath import ReadPath
from fupin.core.schemas import record_view
from fupin.households.models import Household
from fupin.households.presenters import OUT_OF_THE_REGISTER
from fupin.regions import repository as regions

CADRE_AUDITED = ("name", "id_number", "phone", "work_unit", "post", "kind", "region_code", "active")
ASSIGNMENT_AUDITED = ("cadre_id", "household_id", "village_code", "kind", "starts_on", "ends_on")
CURSOR_KIND = "cadres"
DUPLICATE_ID = "cadre.duplicate_id_number"
DUPLICATE_ID_MESSAGE = "该身份证号的干部已登记 (a cadre with this ID number exists)"
constraint_problem(
    "uq_cadres_id_number", "cadres.id_number", code=DUPLICATE_ID, detail=DUPLICATE_ID_MESSAGE, pointer="/id_number"
)


def cadre_target(cadre: Cadre) -> audit.Target:
    return audit.Target("cadre", str(cadre.public_id), cadre.region_code, version=cadre.version)


def assignment_target(assignment: Assignment, household: Household | None) -> audit.Target:
    return audit.Target(
        "assignment",
        str(assignment.public_id),
        assignment.village_code,
        subject_id=str(household.public_id) if household is not None else None,
        version=assignment.version,
        external_id=household.external_id if household is not None else None,
        source_system=household.source_system if household is not None else None,
    )


def cadre_out(principal: Principal, cadre: Cadre) -> CadreOut:
    return CadreOut.model_validate(record_view(cadre, id=cadre.public_id), context=presentation(pii=principal.pii))


async def _region_in_scope(session: AsyncSession, principal: Principal, code: str, *, pointer: str) -> None:
    if await regions.get_scoped(session, principal.scope, code) is None:
        raise field_error(pointer, "region.unknown", "区划不存在或不在您的管辖范围内")


async def create_cadre(session: AsyncSession, principal: Principal, data: CadreIn) -> Cadre:
    region_code = data.region_code or principal.region_code
    if region_code is None:
        raise field_error("/region_code", "required", "请指定干部服务的区划 (the area the cadre serves)")
    await _region_in_scope(session, principal, region_code, pointer="/region_code")
    if await repo.id_number_taken(session, data.id_number):
        raise field_error("/id_number", DUPLICATE_ID, DUPLICATE_ID_MESSAGE, status=409)
    cadre = Cadre(region_code=region_code, **data.model_dump(exclude={"region_code"}))
    async with audit.tracked(
        session,
        cadre,
        actor=principal.as_actor(),
        action="cadre.created",
        fields=CADRE_AUDITED,
        created=True,
        target=lambda: cadre_target(cadre),
    ):
        session.add(cadre)
    return cadre


async def get_cadre(session: AsyncSession, principal: Principal, cadre_id: uuid.UUID) -> Cadre:
    return await repo.get_cadre(session, principal.scope, cadre_id)


async def update_cadre(
    session: AsyncSession,
    principal: Principal,
    *,
    cadre_id: uuid.UUID,
    expected_version: int | None,
    data: CadreUpdate,
) -> Cadre:
    cadre = await repo.get_cadre(session, principal.scope, cadre_id, for_update=True)
    check_version(expected_version, cadre.version)
    sent = data.sent(problem="required")
    if "region_code" in sent:
        await _region_in_scope(session, principal, sent["region_code"], pointer="/region_code")
    if (
        sent.get("active") is False
        and cadre.active
        and await repo.has_current_assignments(session, principal.scope, cadre)
    ):
        raise field_error(
            "/active",
            "cadre.has_current_assignments",
            "该干部仍有在岗的帮扶任务, 请先调整 (end or reassign its current assignments first)",
            status=409,
        )
    async with audit.tracked(
        session,
        cadre,
        actor=principal.as_actor(),
        action="cadre.updated",
        fields=CADRE_AUDITED,
        target=lambda: cadre_target(cadre),
        touch=True,
    ):
        for name, value in sent.items():
            setattr(cadre, name, value)
    return cadre


async def page_json(read: ReadPath, principal: Principal, query: CadresQuery) -> bytes:
    scope = principal.scope.narrowed_to(query.region)
    before = decode_key_cursor(query.cursor, CURSOR_KIND)
    filters = {name: value for name in repo.CADRE_FILTERS if (value := getattr(query, name)) is not None}
    rows = await repo.cadre_page(read, scope, filters=filters, before=before, limit=query.limit, pii=principal.pii)
    items, next_cursor = key_page(rows, query.limit, CURSOR_KIND)
    for row in items:
        row.pop("pk")
    return to_json({"items": items, "next_cursor": next_cursor})


# ---------------------------------------------------------------- assignments


def assignment_out(row: Any) -> AssignmentOut:
    assignment: Assignment = row[0]
    return AssignmentOut(
        id=assignment.public_id,
        cadre_id=row.cadre_public_id,
        cadre_name=row.cadre_name,
        work_unit=row.work_unit,
        kind=assignment.kind,
        household_id=row.household_public_id,
        household_number=row.household_number,
        head_name=row.head_name,
        village_code=assignment.village_code,
        starts_on=assignment.starts_on,
        ends_on=assignment.ends_on,
        current=assignment.ends_on is None or assignment.ends_on > date.today(),
        version=assignment.version,
    )


async def _end(
    session: AsyncSession, principal: Principal, old: Assignment, *, on: date, household: Household | None
) -> None:
    if on < old.starts_on:
        raise field_error(
            "/starts_on",
            "assignment.before_current",
            f"新任务开始日期早于现任任务开始日期 {old.starts_on} (starts before the current assignment)",
            status=409,
        )
    async with audit.tracked(
        session,
        old,
        actor=principal.as_actor(),
        action="assignment.ended",
        fields=ASSIGNMENT_AUDITED,
        target=lambda: assignment_target(old, household),
    ):
        old.ends_on = on


async def add_assignment(
    session: AsyncSession, principal: Principal, *, cadre_id: uuid.UUID, data: AssignmentIn
) -> Assignment:
    """Assign a cadre: a paired cadre to a household, a first secretary or work-team member to a village (its kind
    decides which). A current pairing (first secretary) ends the household's (village's) current one on the new
    one's start, kept as history; the same cadre twice is a 409."""
    cadre = await repo.get_cadre(session, principal.scope, cadre_id, for_update=True)
    if not cadre.active:
        raise ProblemError(409, "cadre.inactive", "该干部已停用, 不能分配任务 (the cadre is inactive)")
    household: Household | None = None
    if cadre.kind == "paired":
        if data.household_id is None:
            raise field_error("/household_id", "assignment.household_required", "帮扶责任人须结对到户 (household_id)")
        household = await repo.get_household(session, principal.scope, data.household_id, pointer="/household_id")
        if household.status in OUT_OF_THE_REGISTER:
            raise field_error("/household_id", "household.removed", "已注销的贫困户不能结对帮扶", status=409)
        village_code = household.village_code
    else:
        if data.village_code is None:
            raise field_error(
                "/village_code", "assignment.village_required", "第一书记、驻村工作队员须派驻到村 (village_code)"
            )
        village = await regions.get_scoped(session, principal.scope, data.village_code)
        if village is None or village.level != 5:
            raise field_error("/village_code", "region.unknown_village", "村不存在或不在您的管辖范围内")
        village_code = data.village_code
    if not within(village_code, cadre.region_code):
        raise field_error(
            "/household_id" if household is not None else "/village_code",
            "assignment.outside_cadre_area",
            "任务地点不在该干部服务的区划内 (outside the area the cadre serves)",
        )
    # one current holder: whatever the new assignment's end, the one held on its first day ends that day
    on = data.starts_on
    if household is not None:
        current = await repo.current_pairing(session, principal.scope, household, on=on)
    elif cadre.kind == "first_secretary":
        current = await repo.current_in_village(
            session, principal.scope, village_code=village_code, kind="first_secretary", on=on
        )
    else:
        current = await repo.current_in_village(
            session, principal.scope, village_code=village_code, kind=cadre.kind, on=on, cadre_id=cadre.id
        )
    if current is not None:
        if current.cadre_id == cadre.id:
            raise ProblemError(409, "assignment.duplicate", "该干部已在此任务上 (the cadre holds this assignment)")
        await _end(session, principal, current, on=data.starts_on, household=household)
    assignment = Assignment(
        cadre_id=cadre.id,
        household_id=household.id if household is not None else None,
        village_code=village_code,
        kind=cadre.kind,
        starts_on=data.starts_on,
        ends_on=data.ends_on,
        created_by_name=principal.name,
    )
    async with audit.tracked(
        session,
        assignment,
        actor=principal.as_actor(),
        action="assignment.created",
        fields=ASSIGNMENT_AUDITED,
        created=True,
        target=lambda: assignment_target(assignment, household),
    ):
        session.add(assignment)
    return assignment


async def assignments_of_cadre(session: AsyncSession, principal: Principal, *, cadre_id: uuid.UUID) -> AssignmentList:
    cadre = await repo.get_cadre(session, principal.scope, cadre_id)
    rows = await repo.assignments_where(session, principal.scope, Assignment.cadre_id == cadre.id)
    return AssignmentList(items=[assignment_out(r) for r in rows])


async def assignment_by_id(session: AsyncSession, principal: Principal, assignment: Assignment) -> AssignmentOut:
    rows = await repo.assignments_where(session, principal.scope, Assignment.id == assignment.id)
    return assignment_out(rows[0])


async def cadres_of_household(
    session: AsyncSession, principal: Principal, *, household_id: uuid.UUID
) -> AssignmentList:
    """The household's pairings (current and past) and the village's first secretaries and work team."""
    household = await repo.get_household(session, principal.scope, household_id)
    rows = await repo.assignments_where(
        session,
        principal.scope,
        or_(
            Assignment.household_id == household.id,
            and_(
                Assignment.household_id.is_(None),
                Assignment.village_code == household.village_code,
                Assignment.kind.in_(VILLAGE_KINDS),
            ),
        ),
    )
    return AssignmentList(items=[assignment_out(r) for r in rows])


async def turnover(read: ReadPath, principal: Principal, query: TurnoverQuery) -> TurnoverOut:
    """Per work unit: assignments held at some time in the year and those ended in it (换人率 = ended / held)."""
    scope = principal.scope.narrowed_to(query.region)
    rows = await repo.turnover(read, scope, first=date(query.year, 1, 1), last=date(query.year, 12, 31))
    items = []
    for row in rows:
        held, ended = int(row["held"]), int(row["ended"])
        rate = (
            (Decimal(ended) / Decimal(held)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP) if held else Decimal(0)
        )
        items.append(TurnoverRow(work_unit=row["work_unit"], held=held, ended=ended, rate=str(rate)))
    return TurnoverOut(year=query.year, items=items)
