"""Visits (走访) and residency days (驻村): record and read; visits are the evidence owner type `visit`.
Services never commit."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from pydantic_core import to_json
from sqlalchemy.ext.asyncio import AsyncSession

from fupin.audit import chain as audit
from fupin.authz.policy import require_assigned, require_own_cadre, require_owner_writer
from fupin.authz.principal import Principal
from fupin.authz.roles import Permission
from fupin.cadres import repository as repo
from fupin.cadres.models import COUNTED_RESIDENCY, RESIDENCY_KINDS, VILLAGE_KINDS, Cadre, ResidencyDay, Visit
from fupin.cadres.schemas import (
    HouseholdVisitsQuery,
    ResidencyDays,
    ResidencyIn,
    ResidencyOut,
    ResidencyQuery,
    ResidencyYear,
    VisitIn,
    VisitOut,
    VisitsQuery,
)
from fupin.core.errors import field_error
from fupin.core.pagination import decode_key_cursor, key_page
from fupin.core.readpath import ReadPath
from fupin.evidence.owners import EvidenceOwner, register_owner
from fupin.households.models import Household
from fupin.households.presenters import OUT_OF_THE_REGISTER

VISIT_AUDITED = ("cadre_id", "household_id", "village_code", "visited_on", "content", "location")
RESIDENCY_AUDITED = ("cadre_id", "day", "kind")
VISITS_CURSOR = "visits"
RESIDENCY_CURSOR = "residency-days"
REQUIRED_DAYS = 200  # a first secretary's days in the village a year


def visit_target(visit: Visit, household: Household) -> audit.Target:
    return audit.Target(
        "visit",
        str(visit.public_id),
        visit.village_code,
        subject_id=str(household.public_id),
        version=visit.version,
        external_id=household.external_id,
        source_system=household.source_system,
    )


async def create_visit(session: AsyncSession, principal: Principal, data: VisitIn) -> VisitOut:
    """A visit of a cadre to a household of the caller's area. A cadre-linked login logs only its own visits
    (403 `visits.not_own_cadre`), to households assigned to it on the day (403 `visits.not_assigned`)."""
    cadre = await repo.get_cadre(session, principal.scope, data.cadre_id, pointer="/cadre_id")
    require_own_cadre(principal, str(cadre.public_id))
    household = await repo.get_household(session, principal.scope, data.household_id, pointer="/household_id")
    assigned = cadre.active and await repo.cadre_holds(
        session, principal.scope, cadre=cadre, household=household, on=data.visited_on
    )
    require_assigned(principal, assigned=assigned)
    if not assigned:  # an office records the visits of the cadres who hold the household, not anyone's
        raise field_error(
            "/cadre_id",
            "visits.cadre_not_assigned",
            "该干部在走访当日不在岗或未负责该户 (the cadre did not hold the household on that day)",
            status=409,
        )
    if household.status in OUT_OF_THE_REGISTER:
        raise field_error("/household_id", "household.removed", "已注销的贫困户不能登记走访", status=409)
    visit = Visit(
        cadre_id=cadre.id,
        household_id=household.id,
        village_code=household.village_code,
        visited_on=data.visited_on,
        content=data.content,
        location=data.location,
        created_by_name=principal.name,
    )
    async with audit.tracked(
        session,
        visit,
        actor=principal.as_actor(),
        action="visit.created",
        fields=VISIT_AUDITED,
        created=True,
        target=lambda: visit_target(visit, household),
    ):
        session.add(visit)
    return visit_out(visit, household=household, cadre=cadre)


def visit_out(visit: Visit, *, household: Household, cadre: Cadre) -> VisitOut:
    return VisitOut(
        id=visit.public_id,
        cadre_id=cadre.public_id,
        cadre_name=cadre.name,
        cadre_kind=cadre.kind,
        household_id=household.public_id,
        household_number=household.household_number,
        head_name=household.head_name,
        village_code=visit.village_code,
        visited_on=visit.visited_on,
        content=visit.content,
        location=visit.location,
        evidence_count=0,
        created_by=visit.created_by_name,
        created_at=visit.created_at,
        version=visit.version,
    )


async def visits_json(read: ReadPath, principal: Principal, query: VisitsQuery) -> bytes:
    scope = principal.scope.narrowed_to(query.region)
    filters: dict[str, Any] = {
        name: value for name in repo.VISIT_FILTERS if (value := getattr(query, name)) is not None
    }
    return await _visit_page(read, scope, filters=filters, limit=query.limit, cursor=query.cursor)


async def household_visits_json(
    read: ReadPath, session: AsyncSession, principal: Principal, *, household_id: uuid.UUID, query: HouseholdVisitsQuery
) -> bytes:
    await repo.get_household(session, principal.scope, household_id)
    return await _visit_page(
        read, principal.scope, filters={"household_id": household_id}, limit=query.limit, cursor=query.cursor
    )


async def _visit_page(read: ReadPath, scope: Any, *, filters: dict[str, Any], limit: int, cursor: str | None) -> bytes:
    before = decode_key_cursor(cursor, VISITS_CURSOR)
    rows = await repo.visit_page(read, scope, filters=filters, before=before, limit=limit)
    items, next_cursor = key_page(rows, limit, VISITS_CURSOR)
    for row in items:
        row.pop("pk")
    return to_json({"items": items, "next_cursor": next_cursor})


async def resolve_visit(
    session: AsyncSession, principal: Principal, owner_id: uuid.UUID, *, write: bool
) -> EvidenceOwner:
    """Evidence of a visit (photos): read as the visit is; attached by whoever may log visits, a cadre-linked
    login only to its own visits."""
    found = await repo.get_visit(session, principal.scope, owner_id)
    if found is None:
        raise repo.missing("visit", "/owner_id" if write else None)
    visit, household, cadre = found
    if write:
        require_owner_writer(principal, Permission.VISITS_WRITE)
        require_own_cadre(principal, str(cadre.public_id), pointer="/owner_id")
    return EvidenceOwner(
        visit.village_code,
        str(household.public_id),
        external_id=household.external_id,
        source_system=household.source_system,
    )


register_owner("visit", resolve_visit)


# ---------------------------------------------------------------- residency


def residency_target(day: ResidencyDay) -> audit.Target:
    return audit.Target("residency_day", str(day.public_id), day.region_code, version=day.version)


def residency_out(day: ResidencyDay, *, cadre_public_id: uuid.UUID, cadre_name: str) -> ResidencyOut:
    return ResidencyOut(
        id=day.public_id,
        cadre_id=cadre_public_id,
        cadre_name=cadre_name,
        day=day.day,
        kind=day.kind,
        region_code=day.region_code,
        recorded_by=day.recorded_by_name,
        updated_at=day.updated_at,
        version=day.version,
    )


async def record_day(session: AsyncSession, principal: Principal, data: ResidencyIn) -> tuple[ResidencyOut, bool]:
    """One day of a first secretary or work-team member. Posting a day that is recorded already replaces its
    kind (200; the same kind again changes nothing); a new day is created (201). Returns (day, created)."""
    cadre = await repo.get_cadre(session, principal.scope, data.cadre_id, pointer="/cadre_id")
    require_own_cadre(principal, str(cadre.public_id))
    if cadre.kind not in VILLAGE_KINDS:
        raise field_error(
            "/cadre_id",
            "residency.not_resident",
            "只有第一书记和驻村工作队员登记驻村天数 (only first secretaries and work-team members)",
        )
    existing = await repo.residency_of(session, principal.scope, cadre=cadre, day=data.day)
    created = existing is None
    day = existing or ResidencyDay(cadre_id=cadre.id, region_code=cadre.region_code, day=data.day, kind=data.kind)
    async with audit.tracked(
        session,
        day,
        actor=principal.as_actor(),
        action="residency_day.recorded" if created else "residency_day.updated",
        fields=RESIDENCY_AUDITED,
        created=created,
        target=lambda: residency_target(day),
        touch=not created,
    ):
        if created:
            day.recorded_by_name = principal.name
            session.add(day)
        elif day.kind != data.kind:
            day.kind = data.kind
            day.recorded_by_name = principal.name
    return residency_out(day, cadre_public_id=cadre.public_id, cadre_name=cadre.name), created


async def residency_json(read: ReadPath, principal: Principal, query: ResidencyQuery) -> bytes:
    scope = principal.scope.narrowed_to(query.region)
    filters: dict[str, Any] = {
        name: value for name in repo.RESIDENCY_FILTERS if (value := getattr(query, name)) is not None
    }
    before = decode_key_cursor(query.cursor, RESIDENCY_CURSOR)
    rows = await repo.residency_page(read, scope, filters=filters, before=before, limit=query.limit)
    items, next_cursor = key_page(rows, query.limit, RESIDENCY_CURSOR)
    for row in items:
        row.pop("pk")
    return to_json({"items": items, "next_cursor": next_cursor})


def required_to_date(year: int, today: date) -> int:
    """200 days pro rata to `today` in `year` (all of it for a past year, none for a future one)."""
    if year < today.year:
        return REQUIRED_DAYS
    if year > today.year:
        return 0
    elapsed = (today - date(year, 1, 1)).days + 1
    length = (date(year + 1, 1, 1) - date(year, 1, 1)).days
    return REQUIRED_DAYS * elapsed // length


async def residency_year(
    session: AsyncSession, principal: Principal, *, cadre_id: uuid.UUID, year: int
) -> ResidencyYear:
    cadre = await repo.get_cadre(session, principal.scope, cadre_id)
    counts = await repo.residency_counts(
        session, principal.scope, cadre=cadre, first=date(year, 1, 1), last=date(year, 12, 31)
    )
    days = ResidencyDays(**{kind: counts.get(kind, 0) for kind in RESIDENCY_KINDS})
    counted = sum(counts.get(kind, 0) for kind in COUNTED_RESIDENCY)
    due = required_to_date(year, date.today())
    return ResidencyYear(
        cadre_id=cadre.public_id,
        year=year,
        days=days,
        counted=counted,
        required=REQUIRED_DAYS,
        required_to_date=due,
        below_required=counted < due,
    )
