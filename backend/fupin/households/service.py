"""Rules of the household register: creating and changing households, and the checks members share.
Services validate, write, audit and feed; they never commit."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from types import SimpleNamespace
from typing import Any, cast

from sqlalchemy import Table, bindparam, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from fupin.adjustments import gate
from fupin.adjustments.gate import Outcome
from fupin.audit import chain as audit
from fupin.authz.principal import Principal
from fupin.core import bulk
from fupin.core.concurrency import check_version
from fupin.core.errors import FieldError, ProblemError, constraint_problem, field_error
from fupin.core.models import utcnow
from fupin.households import moves, stats
from fupin.households import repository as repo
from fupin.households.member_schemas import MemberFields
from fupin.households.models import Household, Member, StatusChange
from fupin.households.presenters import HOUSEHOLD_AUDITED, household_target
from fupin.households.schemas import HouseholdCreate, HouseholdUpdate
from fupin.regions import repository as regions

DUPLICATE_MEMBER = "household.duplicate_member"
DUPLICATE_MEMBER_DETAIL = "一人只能属于一个在册贫困户 (a person may belong to one active household only)"
# two requests registering the same person at once: the unique index answers what the service check would
constraint_problem(
    "uq_members_active_id_number",
    "members.id_number",
    code=DUPLICATE_MEMBER,
    detail=DUPLICATE_MEMBER_DETAIL,
    pointer="/id_number",
)


# ---------------------------------------------------------------- checks shared by households and members


async def require_village(session: AsyncSession, principal: Principal, code: str, *, pointer: str) -> None:
    region = await regions.get_scoped(session, principal.scope, code)
    if region is None or region.level != 5 or region.valid_to is not None:
        raise _unknown_village(code, pointer=pointer)


async def require_unique_people(
    session: AsyncSession,
    principal: Principal,
    members: list[tuple[str, str]],
    *,
    exclude_household_id: int | None = None,
) -> None:
    """members: (pointer, id_number). A person may be in one active household only; the answer names the other
    household only when the caller may see it."""
    holders = await repo.active_holders(session, [n for _, n in members], exclude_household_id=exclude_household_id)
    if not holders:
        return
    by_number = {h.id_number: h for h in holders}
    raise _duplicate_people(
        [(pointer, _holder_message(principal, by_number[n])) for pointer, n in members if n in by_number]
    )


def new_member(data: MemberFields, *, household: Household, reason: str, on: date | None) -> Member:
    return Member(
        household_id=household.id,
        added_reason=reason,
        added_on=on or date.today(),
        **data.model_dump(include=set(MemberFields.model_fields)),
    )


async def refresh_member_summary(session: AsyncSession, household: Household) -> None:
    """Member-level changes bump the household's version and updated time (the list shows them)."""
    active = await repo.members_of(session, household)
    household.member_count = len(active)
    head = next((m for m in active if m.id == household.head_member_id), None)
    household.head_name = head.name if head else None
    household.updated_at = utcnow()
    await session.flush()


def check_consistency(h: Household | SimpleNamespace) -> None:
    """Cross-field rules that hold for every household, after create and after each update (a household's
    values as a namespace: a batch checks them before any ORM object exists)."""
    errors = []
    if not h.relocated and (h.relocation_year is not None or h.relocation_site):
        errors.append(
            FieldError(
                pointer="/relocation_year" if h.relocation_year is not None else "/relocation_site",
                code="household.relocation_inconsistent",
                message="未易地搬迁的户不应填写搬迁年度或安置点 (relocated is false)",
            )
        )
    if h.relocation_year is not None and h.relocation_year < h.identified_year:
        errors.append(
            FieldError(
                pointer="/relocation_year",
                code="household.year_before_identification",
                message="搬迁年度不能早于识别年度",
            )
        )
    if h.planned_exit_year is not None and h.planned_exit_year < h.identified_year:
        errors.append(
            FieldError(
                pointer="/planned_exit_year",
                code="household.year_before_identification",
                message="计划脱贫年度不能早于识别年度 (planned exit before identification)",
            )
        )
    if errors:
        raise ProblemError(422, "validation_failed", "The request contains invalid fields.", errors)


# ---------------------------------------------------------------- households


async def create_household(session: AsyncSession, principal: Principal, data: HouseholdCreate) -> Household:
    """One household: `create_households` with one item; its refusal is raised."""
    (created,) = await create_households(session, principal, [data])
    if isinstance(created, ProblemError):
        raise created
    return await repo.get_household(session, principal.scope, created.public_id)


@dataclass(frozen=True, slots=True)
class Created:
    """A household `create_households` wrote: its row id and public id."""

    id: int
    public_id: uuid.UUID


async def create_households(
    session: AsyncSession, principal: Principal, items: Sequence[HouseholdCreate]
) -> list[Created | ProblemError]:
    """Register households, each checked as if it came alone and in the order given (a person or external key
    claimed by an earlier item is taken for the later ones): a refused item is its problem in the answer, the
    others are written. The checks and writes take a few statements for the whole batch whatever its size (one per
    village for the numbers), so an import's chunk costs what one household used to. A race with another writer
    (the same person registered meanwhile) ends in the unique index's IntegrityError for the whole batch: callers
    that want the others written retry the items one by one."""
    results: list[Created | ProblemError | None] = [None] * len(items)
    villages = await regions.get_scoped_many(session, principal.scope, {d.village_code for d in items})
    holders = {
        h.id_number: h for h in await repo.active_holders(session, [m.id_number for d in items for m in d.members])
    }
    taken = await repo.taken_external_keys(
        session, [(d.source_system, d.external_id) for d in items if d.source_system and d.external_id]
    )
    people: dict[str, int] = {}  # id number -> the earlier item that registers it
    accepted: list[tuple[int, HouseholdCreate, dict[str, Any]]] = []
    in_batch: dict[int, list[tuple[str, int]]] = {}  # item -> (pointer, earlier item) of people taken in the batch
    for index, data in enumerate(items):
        try:
            region = villages.get(data.village_code)
            if region is None or region.level != 5 or region.valid_to is not None:
                raise _unknown_village(data.village_code, pointer="/village_code")
            _check_people(principal, data, holders=holders, claimed=people, index=index, in_batch=in_batch)
            if index in in_batch:
                continue  # refused as a duplicate once the earlier item has its number
            key = (data.source_system, data.external_id)
            if data.source_system and data.external_id and key in taken:
                raise _external_taken()
            values = _new_household_values(data, principal=principal)
            check_consistency(SimpleNamespace(**values))
        except ProblemError as problem:
            results[index] = problem
            continue
        for member in data.members:
            people.setdefault(member.id_number, index)
        if data.source_system and data.external_id:
            taken.add((data.source_system, data.external_id))
        accepted.append((index, data, values))
    rows = await _insert_households(session, principal, accepted)
    for index, row in rows.items():
        results[index] = Created(row.id, row.public_id)
    numbers = {index: row.household_number for index, row in rows.items()}
    for index, duplicates in in_batch.items():
        results[index] = _duplicate_people(
            [
                (
                    pointer,
                    f"该身份证号已在户 {numbers[earlier]} 中登记 (already in household {rows[earlier].public_id})",
                )
                for pointer, earlier in duplicates
            ]
        )
    return [r for r in results if r is not None]


def _unknown_village(code: str, *, pointer: str) -> ProblemError:
    return field_error(
        pointer,
        "region.unknown_village",
        f"村代码 {code} 不存在或不在您的管辖范围内 (unknown village or outside your area)",
    )


def _external_taken() -> ProblemError:
    return field_error(
        "/external_id", "household.external_id_exists", "该外部系统编号已存在 (external id already used)", status=409
    )


def _duplicate_people(found: list[tuple[str, str]]) -> ProblemError:
    errors = [FieldError(pointer=pointer, code=DUPLICATE_MEMBER, message=msg) for pointer, msg in found]
    return ProblemError(409, DUPLICATE_MEMBER, DUPLICATE_MEMBER_DETAIL, errors)


def _holder_message(principal: Principal, holder: repo.ActiveHolder) -> str:
    if principal.scope.contains(holder.village_code):
        return f"该身份证号已在户 {holder.household_number} 中登记 (already in household {holder.household_public_id})"
    return "该身份证号已在其他地区的贫困户中登记 (already registered in another area)"


def _check_people(
    principal: Principal,
    data: HouseholdCreate,
    *,
    holders: dict[str, repo.ActiveHolder],
    claimed: dict[str, int],
    index: int,
    in_batch: dict[int, list[tuple[str, int]]],
) -> None:
    """Raises for people already registered; notes (in `in_batch`) those an earlier item of the batch registers."""
    found = []
    for position, member in enumerate(data.members):
        pointer = f"/members/{position}/id_number"
        holder = holders.get(member.id_number)
        if holder is not None:
            found.append((pointer, _holder_message(principal, holder)))
        elif member.id_number in claimed:
            in_batch.setdefault(index, []).append((pointer, claimed[member.id_number]))
    if found:
        in_batch.pop(index, None)
        raise _duplicate_people(found)


def _new_household_values(data: HouseholdCreate, *, principal: Principal) -> dict[str, Any]:
    head = next(m for m in data.members if m.relation == "01")
    now = utcnow()
    return {
        **data.model_dump(exclude={"members", "group"}),
        "public_id": uuid.uuid4(),
        "group_name": data.group,
        "identified_year": data.first_identified_on.year,
        "status": "not_exited",
        "member_count": len(data.members),
        "head_name": head.name,
        "version": 1,
        "created_at": now,
        "updated_at": now,
    }


_HOUSEHOLDS = cast(Table, Household.__table__)
_MEMBERS = cast(Table, Member.__table__)
_STATUS_CHANGES = cast(Table, StatusChange.__table__)
_MEMBER_FIELDS = set(MemberFields.model_fields)
_SET_HEADS = text(
    "UPDATE households SET head_member_id = pairs.head FROM unnest(CAST(:households AS bigint[]), "
    "CAST(:heads AS bigint[])) AS pairs(household, head) WHERE households.id = pairs.household"
)


async def _insert_households(
    session: AsyncSession, principal: Principal, accepted: list[tuple[int, HouseholdCreate, dict[str, Any]]]
) -> dict[int, Any]:
    """Number, insert, audit and count the accepted households (`core.bulk`: one statement per table).
    Returns each item's stored household row."""
    if not accepted:
        return {}
    per_village: dict[str, list[dict[str, Any]]] = {}
    for _, data, values in accepted:
        per_village.setdefault(data.village_code, []).append(values)
    firsts = await repo.take_household_numbers(session, {v: len(rows) for v, rows in per_village.items()})
    for village, rows in per_village.items():
        for offset, values in enumerate(rows):
            values["household_number"] = f"{village}{firsts[village] + offset:04d}"
    rows = [values for _, _, values in accepted]
    await bulk.insert_rows(session, _HOUSEHOLDS, rows, with_ids=True)
    households = [SimpleNamespace(**row) for row in rows]
    member_rows = []
    for (_, data, _), household in zip(accepted, households, strict=True):
        for m in data.members:
            member_rows.append(
                {
                    **m.model_dump(include=_MEMBER_FIELDS),
                    "household_id": household.id,
                    "added_reason": "initial",
                    "added_on": data.first_identified_on,
                    "public_id": uuid.uuid4(),
                    "version": 1,
                    "created_at": household.created_at,
                    "updated_at": household.created_at,
                }
            )
    await bulk.insert_rows(session, _MEMBERS, member_rows, with_ids=True)
    members: dict[int, list[Any]] = {}
    for member in member_rows:
        members.setdefault(member["household_id"], []).append(SimpleNamespace(**member))
    heads = []
    for h in households:
        h.head_member_id = next(m.id for m in members[h.id] if m.relation == "01")
        heads.append({"hid": h.id, "head": h.head_member_id})
    if session.get_bind().dialect.name == "postgresql":  # one short statement, the pairs as two arrays
        await session.execute(
            _SET_HEADS,
            {"households": [h["hid"] for h in heads], "heads": [h["head"] for h in heads]},
        )
    else:
        await session.execute(
            update(_HOUSEHOLDS).where(_HOUSEHOLDS.c.id == bindparam("hid")).values(head_member_id=bindparam("head")),
            heads,
        )
    await bulk.insert_rows(
        session,
        _STATUS_CHANGES,
        [
            {
                "household_id": h.id,
                "from_status": None,
                "to_status": "not_exited",
                "reason": "建档立卡 (registered)",
                "year": h.identified_year,
                "actor_name": principal.name,
                "occurred_at": h.created_at,
            }
            for h in households
        ],
    )
    entries = []
    for h in households:
        after = audit.snapshot(h, HOUSEHOLD_AUDITED)
        after["members"] = [
            {"id": str(m.public_id), "name": m.name, "id_number": m.id_number, "relation": m.relation}
            for m in members[h.id]
        ]
        entries.append(audit.Entry(household_target(h), "household.created", audit.diff({}, after)))
    await audit.record_many(session, entries, actor=principal.as_actor())
    await stats.move_many(session, [(None, stats.snapshot(h)) for h in households])
    return {index: row for (index, _, _), row in zip(accepted, households, strict=True)}


async def update_household(
    session: AsyncSession,
    principal: Principal,
    *,
    household_id: uuid.UUID,
    expected_version: int | None,
    data: HouseholdUpdate,
) -> Household:
    """`change_household`, for callers that only need the household."""
    outcome = await change_household(
        session, principal, household_id=household_id, expected_version=expected_version, data=data
    )
    return outcome.household


async def change_household(
    session: AsyncSession,
    principal: Principal,
    *,
    household_id: uuid.UUID,
    expected_version: int | None,
    data: HouseholdUpdate,
    may_override: bool = False,
    hold_locked: bool = True,
) -> Outcome:
    """Validate all that was sent, apply it; locked fields outside an open adjustment window are kept as a pending
    change instead (`adjustments.gate`), unless `data.override_reason` (authz: adjustments:override, `may_override`)
    applies them now. `hold_locked=False`: the adjustments.apply job, applying inside an open window."""
    household = await repo.get_household(session, principal.scope, household_id, for_update=True)
    stats_before = stats.snapshot(household)
    old_village = household.village_code
    check_version(expected_version, household.version)
    override = data.override_reason
    gate.check_override(override, may_override=may_override)
    sent = data.sent()
    sent.pop("override_reason", None)
    if "village_code" in sent and sent["village_code"] != household.village_code:
        await require_village(session, principal, sent["village_code"], pointer="/village_code")
    if "first_identified_on" in sent and (
        sent["first_identified_on"] > date.today() or sent["first_identified_on"].year < 2000
    ):
        raise field_error("/first_identified_on", "date.out_of_range", "首次识别时间不能晚于今天")
    main = sent.get("main_cause", household.main_cause)
    secondary = sent.get("secondary_causes", household.secondary_causes) or []
    if main in secondary or len(set(secondary)) != len(secondary):
        raise field_error(
            "/secondary_causes",
            "household.secondary_causes",
            "次要致贫原因不能重复, 也不能与主要致贫原因相同",
        )
    sent, locked = await gate.split_locked(session, household, sent=sent)
    extra = None
    if locked and (override is not None or not hold_locked):
        sent, locked = {**sent, **locked}, {}
        extra = {"override_reason": [None, override]} if override is not None else None
    async with audit.tracked(
        session,
        household,
        actor=principal.as_actor(),
        action="household.updated",
        fields=HOUSEHOLD_AUDITED,
        target=lambda: household_target(household),
        touch=True,
        extra=extra,
    ):
        for key, value in sent.items():
            setattr(household, "group_name" if key == "group" else key, value)
            if key == "first_identified_on":
                household.identified_year = value.year
        check_consistency(household)
    if household.village_code != old_village:
        await moves.carry_records(session, principal, household, old_village=old_village)
    await stats.move(session, stats_before, household)
    pending = None
    if locked:
        pending = await gate.queue_pending(session, principal, household=household, kind="update", changes=locked)
    return Outcome(household, pending)
