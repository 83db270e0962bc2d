"""Scripted writes of measures: the conditional upsert by a partner's key (`PUT /measures/by-external/...`) and the
batch (`POST /measures/batch`, the import jobs' measures): every item checked by the rules of `measures.service`,
the records of a whole batch read at once and the accepted items written at once."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from fupin.audit import chain as audit
from fupin.authz.principal import Principal
from fupin.cadres.models import Cadre
from fupin.core.concurrency import check_version
from fupin.core.errors import (
    TITLES,
    Problem,
    ProblemError,
    field_error,
    field_errors,
    not_found,
)
from fupin.core.models import utcnow
from fupin.departments.field import check_field
from fupin.households.models import Household, Member
from fupin.measures import repository as repo
from fupin.measures.models import Measure
from fupin.measures.schemas import (
    BatchItem,
    BatchResult,
    MeasureUpsert,
)
from fupin.measures.service import (
    AUDITED,
    Outcome,
    Written,
    after_write,
    apply_changes,
    cadre_of,
    check_writable,
    checked_cadre,
    measure_target,
    member_of,
    project_of,
    scoped_household,
)
from fupin.measures.workflow import UPSERT_STATUS, MeasureMove
from fupin.projects.models import Project


class Lookup:
    """Where an upsert finds the records it needs: the database, one read each (`Lookup`), or the rows a batch
    read at once (`BatchLookup`). Both answer as the scope says: outside the caller's area is a 404."""

    def __init__(self, session: AsyncSession, principal: Principal) -> None:
        self.session = session
        self.principal = principal
        self.projects: dict[tuple[uuid.UUID, str], Project | None] = {}

    async def by_key(self, source_system: str, external_id: str) -> Measure | None:
        found = await repo.find_by_external(self.session, source_system, external_id)
        if found is None or not self.principal.scope.contains(found.village_code):
            return found
        return await repo.get_measure(self.session, self.principal.scope, found.public_id, for_update=True)

    async def household(self, household_id: uuid.UUID) -> Household:
        return await scoped_household(self.session, self.principal, household_id)

    async def household_of(self, measure: Measure) -> Household:
        return await repo.household_of(self.session, measure)

    async def member(self, household: Household, member_id: uuid.UUID | None) -> Member | None:
        return await member_of(self.session, household, member_id)

    async def member_by_pk(self, household: Household, member_pk: int | None) -> Member | None:
        return await repo.member_by_pk(self.session, household, member_pk)

    async def cadre(self, household: Household, cadre_id: uuid.UUID | None) -> Cadre | None:
        return await cadre_of(self.session, self.principal, household, cadre_id)

    async def project(self, household: Household, project_id: uuid.UUID | None) -> Project | None:
        """The project (checked once per project and village: a batch names a few projects many times)."""
        if project_id is None:
            return None
        key = (project_id, household.village_code)
        if key not in self.projects:
            self.projects[key] = await project_of(self.session, self.principal, household, project_id)
        return self.projects[key]


@dataclass
class Prepared:
    """An upsert checked and ready to write: the measure to create (`measure` None) or the existing one and the
    values it gets."""

    outcome: Outcome
    household: Household
    member: Member | None
    measure: Measure | None
    values: dict[str, Any]
    cadre: Cadre | None = None
    project: Project | None = None
    previous_project: int | None = None

    def linked(self) -> Project | None:
        """The project newly named (its household becomes a beneficiary)."""
        if self.project is None or self.project.id == self.previous_project:
            return None
        return self.project


async def prepare_upsert(
    session: AsyncSession,
    principal: Principal,
    lookup: Lookup,
    *,
    source_system: str,
    external_id: str,
    expected_version: int | None,
    data: MeasureUpsert,
) -> Prepared:
    """Every rule of an upsert, nothing written: area, household, member, the department's field, the status move."""
    existing = await lookup.by_key(source_system, external_id)
    if existing is not None and not principal.scope.contains(existing.village_code):
        raise not_found("measure")  # another area's key: as if it did not exist, and not to be taken
    if existing is None:
        if expected_version is not None:
            raise ProblemError(412, "precondition_failed", "There is no measure with this key to replace yet.")
        household = await lookup.household(data.household_id)
        member = await lookup.member(household, data.member_id)
        cadre = await lookup.cadre(household, data.cadre_id)
        project = await lookup.project(household, data.project_id)
        await check_field(session, principal, measure_type=data.type, member=member, department=data.department)
        values = {
            **_fields(data, member, cadre, project),
            "department": data.department or principal.department,
            "status": data.status,
            "source_system": source_system,
            "external_id": external_id,
        }
        return Prepared("created", household, member, None, values, cadre, project)
    check_version(expected_version, existing.version)
    household = await lookup.household_of(existing)
    current = await lookup.member_by_pk(household, existing.member_id)
    await check_field(session, principal, measure_type=existing.type, member=current, department=None)
    if household.public_id != data.household_id:
        raise field_error(
            "/household_id", "measure.household_fixed", "措施不能改挂到另一户 (a measure stays with its household)"
        )
    check_writable(household)
    member = await lookup.member(household, data.member_id)
    cadre = await lookup.cadre(household, data.cadre_id)
    project = await lookup.project(household, data.project_id)
    await check_field(session, principal, measure_type=data.type, member=member, department=data.department)
    if data.status != existing.status:
        await UPSERT_STATUS.check(
            source=existing.status, target=data.status, context=MeasureMove(existing, None, data.done_on)
        )
    values = {
        **_fields(data, member, cadre, project),
        "department": data.department or existing.department,
        "status": data.status,
    }
    changed = any(getattr(existing, key) != value for key, value in values.items())
    outcome: Outcome = "updated" if changed else "unchanged"
    return Prepared(outcome, household, member, existing, values, cadre, project, existing.project_id)


def _fields(data: MeasureUpsert, member: Member | None, cadre: Cadre | None, project: Project | None) -> dict[str, Any]:
    return {
        "member_id": member.id if member is not None else None,
        "cadre_id": cadre.id if cadre is not None else None,
        "project_id": project.id if project is not None else None,
        "type": data.type,
        "content": data.content,
        "year": data.year,
        "amount": data.amount,
        "planned_on": data.planned_on,
        "done_on": data.done_on,
    }


def _built(prepared: Prepared) -> Measure:
    household = prepared.household
    return Measure(
        public_id=uuid.uuid4(), household_id=household.id, village_code=household.village_code, **prepared.values
    )


async def upsert(
    session: AsyncSession,
    principal: Principal,
    *,
    source_system: str,
    external_id: str,
    expected_version: int | None,
    data: MeasureUpsert,
) -> Written:
    """Create the measure of the department system's key, or make it what `data` says (every field: omitted
    optional fields are cleared); identical data changes nothing (same version, no event)."""
    prepared = await prepare_upsert(
        session,
        principal,
        Lookup(session, principal),
        source_system=source_system,
        external_id=external_id,
        expected_version=expected_version,
        data=data,
    )
    if prepared.measure is None:
        measure = _built(prepared)
        async with audit.tracked(
            session,
            measure,
            actor=principal.as_actor(),
            action="measure.created",
            fields=AUDITED,
            created=True,
            target=lambda: measure_target(measure, prepared.household),
        ):
            session.add(measure)
            await session.flush()
        await after_write(
            session,
            principal,
            measure=measure,
            household=prepared.household,
            project=prepared.project,
            previous_project=None,
        )
        return Written(measure, prepared.household, prepared.member, "created", prepared.cadre, prepared.project)
    measure = prepared.measure
    if prepared.outcome == "updated":
        await apply_changes(
            session,
            principal,
            measure=measure,
            household=prepared.household,
            values=prepared.values,
            action="measure.updated",
        )
        await after_write(
            session,
            principal,
            measure=measure,
            household=prepared.household,
            project=prepared.linked(),
            previous_project=prepared.previous_project,
        )
    return Written(measure, prepared.household, prepared.member, prepared.outcome, prepared.cadre, prepared.project)


STATUS_OF = {"created": 201, "updated": 200, "unchanged": 200}


def _problem(exc: ProblemError) -> Problem:
    return Problem(
        type=f"https://fupin.example/problems/{exc.code}",
        title=TITLES.get(exc.status, "Error"),
        status=exc.status,
        detail=exc.detail,
        code=exc.code,
        errors=exc.errors,
    )


def _failed(index: int, exc: ProblemError, external_id: str | None) -> BatchResult:
    return BatchResult(index=index, status=exc.status, outcome="failed", external_id=external_id, problem=_problem(exc))


def _done(index: int, written: Written) -> BatchResult:
    return BatchResult(
        index=index,
        status=STATUS_OF[written.outcome],
        outcome=written.outcome,
        id=written.measure.public_id,
        version=written.measure.version,
        external_id=written.measure.external_id,
    )


class BatchLookup(Lookup):
    """The records of a whole batch read at once: the measures of its keys, its households (locked, in the
    caller's area), their members. What was not read before is read one at a time."""

    def __init__(self, session: AsyncSession, principal: Principal) -> None:
        super().__init__(session, principal)
        self.measures: dict[tuple[str, str], Measure] = {}
        self.households: dict[uuid.UUID, Household] = {}
        self.households_by_pk: dict[int, Household] = {}
        self.members: dict[uuid.UUID, Member] = {}
        self.members_by_pk: dict[int, Member] = {}
        self.cadres: dict[uuid.UUID, Cadre] = {}

    async def load(self, items: list[BatchItem]) -> None:
        keys = {(i.source_system, i.external_id) for i in items}
        for measure in await repo.measures_by_keys(self.session, sorted(keys)):
            self.measures[(measure.source_system or "", measure.external_id or "")] = measure
        wanted = {i.household_id for i in items}
        for household in await repo.households_for_update(self.session, self.principal.scope, sorted(wanted)):
            self.households[household.public_id] = household
            self.households_by_pk[household.id] = household
        others = {m.household_id for m in self.measures.values()} - set(self.households_by_pk)
        for household in await repo.households_by_pk(self.session, sorted(others)):
            self.households_by_pk[household.id] = household
        member_ids = {i.member_id for i in items if i.member_id is not None}
        member_pks = {m.member_id for m in self.measures.values() if m.member_id is not None}
        for member in await repo.members_by_ids(self.session, sorted(member_ids), sorted(member_pks)):
            self.members[member.public_id] = member
            self.members_by_pk[member.id] = member
        cadre_ids = {i.cadre_id for i in items if i.cadre_id is not None}
        for cadre in await repo.cadres_by_ids(self.session, self.principal.scope, sorted(cadre_ids)):
            self.cadres[cadre.public_id] = cadre

    async def cadre(self, household: Household, cadre_id: uuid.UUID | None) -> Cadre | None:
        if cadre_id is None:
            return None
        return checked_cadre(household, self.cadres.get(cadre_id))

    async def by_key(self, source_system: str, external_id: str) -> Measure | None:
        return self.measures.get((source_system, external_id))

    async def household(self, household_id: uuid.UUID) -> Household:
        household = self.households.get(household_id)
        if household is None:
            raise not_found("household")
        check_writable(household)
        return household

    async def household_of(self, measure: Measure) -> Household:
        return self.households_by_pk.get(measure.household_id) or await super().household_of(measure)

    async def member(self, household: Household, member_id: uuid.UUID | None) -> Member | None:
        if member_id is None:
            return None
        member = self.members.get(member_id)
        if member is None or member.household_id != household.id:
            raise field_error(
                "/member_id", "measure.member_not_in_household", "该成员不属于本户 (not a member of the household)"
            )
        if not member.active:
            raise field_error("/member_id", "measure.member_removed", "已移出的成员不能登记措施", status=409)
        return member

    async def member_by_pk(self, household: Household, member_pk: int | None) -> Member | None:
        if member_pk is None:
            return None
        found = self.members_by_pk.get(member_pk)
        return found if found is not None and found.household_id == household.id else None


async def _write(
    session: AsyncSession, principal: Principal, prepared: list[tuple[int, Prepared]]
) -> dict[int, Written]:
    """The checked upserts of a batch in a few statements: the new measures in one multi-row insert, the changed
    ones updated, one audit event and feed entry each (`audit.record_many`), in item order."""
    now = utcnow()
    written: dict[int, Written] = {}
    befores: dict[int, dict[str, Any]] = {}
    for index, p in prepared:
        if p.measure is None:
            measure = _built(p)
            session.add(measure)
            written[index] = Written(measure, p.household, p.member, "created", p.cadre, p.project)
        else:
            measure = p.measure
            if p.outcome == "updated":
                befores[index] = audit.snapshot(measure, AUDITED)
                for key, value in p.values.items():
                    if getattr(measure, key) != value:
                        setattr(measure, key, value)
                measure.updated_at = now
            written[index] = Written(measure, p.household, p.member, p.outcome, p.cadre, p.project)
    await session.flush()
    entries = []
    for index, w in sorted(written.items()):
        if w.outcome == "unchanged":
            continue
        after = audit.snapshot(w.measure, AUDITED)
        action = "measure.created" if w.outcome == "created" else "measure.updated"
        changes = audit.diff(befores.get(index, {}), after)
        entries.append(audit.Entry(measure_target(w.measure, w.household), action, changes))
    await audit.record_many(session, entries, actor=principal.as_actor())
    await _link_projects(session, principal, [p for _, p in prepared if p.outcome != "unchanged"])
    return written


async def _link_projects(session: AsyncSession, principal: Principal, prepared: list[Prepared]) -> None:
    """The households of the batch's measures naming a project become its beneficiaries; each project named
    before or now is refreshed once."""
    from fupin.projects.beneficiaries import ensure_beneficiary
    from fupin.projects.health import refresh_projects

    for p in prepared:
        project = p.project if p.measure is None else p.linked()
        if project is not None:
            await ensure_beneficiary(session, principal, project=project, household=p.household)
    touched = {p.previous_project for p in prepared} | {p.project.id for p in prepared if p.project is not None}
    await refresh_projects(session, touched)


async def _one(session: AsyncSession, principal: Principal, index: int, item: BatchItem) -> BatchResult:
    """One item on its own, in a savepoint: a refused item changes nothing."""
    try:
        async with session.begin_nested():
            written = await upsert(
                session,
                principal,
                source_system=item.source_system,
                external_id=item.external_id,
                expected_version=None,
                data=item,
            )
    except ProblemError as exc:
        return _failed(index, exc, item.external_id)
    except IntegrityError:
        conflict = ProblemError(409, "conflict", "The item conflicts with data saved at the same moment; retry it.")
        return _failed(index, conflict, item.external_id)
    return _done(index, written)


async def batch(session: AsyncSession, principal: Principal, *, items: list[dict[str, Any]]) -> list[BatchResult]:
    """Each item checked on its own (a refused one changes nothing, the others are saved), like a FHIR batch. The
    records the items need are read at once, the checked items written at once; an item whose key came earlier in
    the same batch, or every item when a concurrent writer took a key meanwhile, goes on its own after them."""
    results: dict[int, BatchResult] = {}
    valid: list[tuple[int, BatchItem]] = []
    for index, raw in enumerate(items):
        try:
            valid.append((index, BatchItem.model_validate(raw)))
        except ValidationError as exc:
            external = raw.get("external_id") if isinstance(raw.get("external_id"), str) else None
            problem = ProblemError(
                422, "validation_failed", "The item contains invalid fields.", field_errors(exc.errors())
            )
            results[index] = _failed(index, problem, external)
    lookup = BatchLookup(session, principal)
    await lookup.load([item for _, item in valid])
    prepared: list[tuple[int, Prepared]] = []
    later: list[tuple[int, BatchItem]] = []
    seen: set[tuple[str, str]] = set()
    for index, item in valid:
        key = (item.source_system, item.external_id)
        if key in seen:
            later.append((index, item))
            continue
        seen.add(key)
        try:
            prepared.append(
                (
                    index,
                    await prepare_upsert(
                        session,
                        principal,
                        lookup,
                        source_system=item.source_system,
                        external_id=item.external_id,
                        expected_version=None,
                        data=item,
                    ),
                )
            )
        except ProblemError as exc:
            results[index] = _failed(index, exc, item.external_id)
    try:
        async with session.begin_nested():
            for index, written in (await _write(session, principal, prepared)).items():
                results[index] = _done(index, written)
    except IntegrityError:
        by_index = dict(valid)
        later.extend((index, by_index[index]) for index, _ in prepared)
    for index, item in sorted(later):
        results[index] = await _one(session, principal, index, item)
    return [results[index] for index in range(len(items))]
