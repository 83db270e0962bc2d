"""One household candidate through the household services, as the API would do it: create, or compare field by
field and update only what differs (nothing differs: `unchanged`, no service call at all). Every write goes through
households/service.py, members.py, incomes.py, assessments.py with the job owner's Principal, so the ID checks, one
person one household, the area scope, the audit trail and the change feed all apply; there is no second
validation path."""

from __future__ import annotations

import operator
import uuid
from collections.abc import Set
from dataclasses import dataclass
from typing import Any, Literal, cast

from pydantic import BaseModel, ValidationError
from sqlalchemy import Row, Table, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from fupin.authz.principal import Principal
from fupin.authz.scope import unscoped
from fupin.core.errors import ProblemError
from fupin.core.sets import among, pairs_among
from fupin.households import members as member_service
from fupin.households import repository as repo
from fupin.households import service as household_service
from fupin.households.columns import COLUMNS, ERASE
from fupin.households.member_schemas import MemberAdd, MemberUpdate
from fupin.households.models import Household, Member
from fupin.households.schemas import HouseholdCreate, HouseholdUpdate
from fupin.imports.checks import ABSENT as _ABSENT
from fupin.imports.checks import RowFailed
from fupin.imports.checks import any_differs as _any_differs
from fupin.imports.checks import differs as _differs
from fupin.imports.checks import problem_failed as _problem
from fupin.imports.checks import validation_failed as _validation
from fupin.imports.rows import Candidate, MemberPart, RowError, parse_uuid
from fupin.imports.yearly import apply_yearly, create_yearly, yearly_changes

# queued: the row's locked part (贫困户属性, 识别标准: adjustments/locks.py) waits for the adjustment window as a
# pending change; its other fields were applied
Outcome = Literal["created", "updated", "unchanged", "failed", "queued"]
Strategy = Literal["create", "update", "create_and_update"]
DEFAULT_ADD_REASON = "transfer_in"  # 其他转入: a member new to a household in an imported file
_REQUIRED = {c.key for c in COLUMNS if c.required}
_MEMBER_REQUIRED = MemberUpdate.not_null  # what a blank cell may not erase, as a PATCH may not null it
_HOUSEHOLD_ATTR = {"group": "group_name"}
# a stored household or member as a chunk reads it: a row of its columns (prefetched for the chunk: no ORM object
# to build, attributes read from a tuple), or the ORM object when read again after a write
Stored = Any
_UNREAD = frozenset({"created_at", "updated_at"})  # nothing here reads them: not converted for every row
_HOUSEHOLD_COLUMNS = tuple(c for c in cast(Table, Household.__table__).c if c.key not in _UNREAD)
_MEMBER_COLUMNS = tuple(c for c in cast(Table, Member.__table__).c if c.key not in _UNREAD)


class _Positions:
    """A prefetched row's values by position (a Row's attribute access costs ten times an index): the values of
    a row group's keys read in one call, the getter kept per set of keys (a file has few: its blank cells)."""

    def __init__(self, columns: tuple[Any, ...], attributes: dict[str, str]) -> None:
        self.at = {c.key: i for i, c in enumerate(columns)}
        self.attributes = attributes
        self.getters: dict[tuple[str, ...], Any] = {}

    def values(self, row: Row[Any], keys: tuple[str, ...]) -> tuple[Any, ...] | None:
        """The stored values of the keys, in their order; None: a key that is not a column."""
        getter = self.getters.get(keys, _ABSENT)
        if getter is _ABSENT:
            at = [self.at.get(self.attributes.get(k, k)) for k in keys]
            if None in at:
                getter = None
            elif len(at) == 1:
                getter = (lambda one: lambda r: (r[one],))(at[0])
            else:
                getter = operator.itemgetter(*at) if at else (lambda r: ())
            if len(self.getters) < 1000:
                self.getters[keys] = getter
        return None if getter is None else getter(row)


_HOUSEHOLD_AT = _Positions(_HOUSEHOLD_COLUMNS, _HOUSEHOLD_ATTR)
_MEMBER_AT = _Positions(_MEMBER_COLUMNS, {})


@dataclass(frozen=True, slots=True)
class Options:
    strategy: Strategy
    id_scheme: Literal["id", "external"]


def _sent(values: dict[str, Any], model: type[BaseModel], *, codes_lists: tuple[str, ...] = ()) -> dict[str, Any]:
    """The values a partial update of `model` sends: ERASE becomes null (an erased list, empty); the external key
    is how a household is found, not a field an update changes."""
    sent: dict[str, Any] = {}
    for key, value in values.items():
        if value is ERASE:
            sent[key] = [] if key in codes_lists else None
        else:
            sent[key] = value
    sent.pop("source_system", None)
    sent.pop("external_id", None)
    return sent


def _erased_required(candidate: Candidate, values: dict[str, Any], required: Set[str], prefix: str) -> list[RowError]:
    return [
        candidate.error(
            f"{prefix}/{key}", "import.required_erase", "必填项不能清空 (a required field cannot be erased)"
        )
        for key, value in values.items()
        if value is ERASE and key in required
    ]


@dataclass(slots=True)
class Lookups:
    """The households a chunk's candidates name and their active members, read in a few statements for the whole
    chunk (instead of two per household). A household a candidate wrote (or tried to) is read again by the next
    candidate naming it: `touched`."""

    by_id: dict[uuid.UUID, Stored]
    by_external: dict[tuple[str, str], Stored]
    elsewhere: set[uuid.UUID]
    members: dict[int, list[Stored]]
    touched: set[int]
    # external keys looked up with the chunk and not found: no such household, unless a row of the batch
    # created it since (Creates.flush then forgets them)
    absent: set[tuple[str, str]]

    @classmethod
    def empty(cls) -> Lookups:
        return cls({}, {}, set(), {}, set(), set())


async def prefetch(
    session: AsyncSession, principal: Principal, candidates: list[Candidate], options: Options
) -> Lookups:
    found = Lookups.empty()
    households: list[Stored] = []
    if options.id_scheme == "id":
        ids = {u for c in candidates if c.key_id and (u := parse_uuid(c.key_id)) is not None}
        if ids:
            stmt = principal.scope.select(*_HOUSEHOLD_COLUMNS, area_of=Household).where(among(Household.public_id, ids))
            households = list((await session.execute(stmt)).all())
            found.by_id = {h.public_id: h for h in households}
            missing = ids - set(found.by_id)
            if missing:
                found.elsewhere = set(
                    (
                        await session.execute(
                            select(Household.public_id)
                            .where(among(Household.public_id, missing))
                            .execution_options(**unscoped("telling a row outside the caller's area from an unknown id"))
                        )
                    ).scalars()
                )
    else:
        keys = {(c.source_system, c.external_id) for c in candidates if c.source_system and c.external_id}
        if keys:
            stmt = (
                select(*_HOUSEHOLD_COLUMNS)
                .where(pairs_among(Household.source_system, Household.external_id, keys))
                .execution_options(**unscoped("external keys are unique across areas"))
            )
            everywhere = list((await session.execute(stmt)).all())
            found.by_external = {(str(h.source_system), str(h.external_id)): h for h in everywhere}
            found.absent = keys - set(found.by_external)
            households = [h for h in everywhere if principal.scope.contains(h.village_code)]
    if households:
        stmt = (
            select(*_MEMBER_COLUMNS)
            .where(among(Member.household_id, [h.id for h in households]), Member.active.is_(True))
            .order_by(Member.id)
        )
        for member in (await session.execute(stmt)).all():
            found.members.setdefault(member.household_id, []).append(member)
        for h in households:
            found.members.setdefault(h.id, [])
    return found


async def locate(
    session: AsyncSession, principal: Principal, candidate: Candidate, options: Options, lookups: Lookups
) -> Stored | None:
    """The household the candidate is about, in the caller's area; None: a new one. Raises RowFailed."""
    if options.id_scheme == "id":
        if candidate.key_id is None:
            return None
        public_id = parse_uuid(candidate.key_id)
        if public_id is None:
            raise RowFailed([candidate.error("/id", "import.bad_id", f"系统编号不是有效的编号: {candidate.key_id}")])
        found = lookups.by_id.get(public_id)
        if found is not None and found.id in lookups.touched:
            found = (
                await session.execute(principal.scope.select(Household).where(Household.public_id == public_id))
            ).scalar_one_or_none()
        if found is not None:
            return found
        if public_id in lookups.elsewhere:
            raise RowFailed([_out_of_area(candidate)])
        raise RowFailed([candidate.error("/id", "import.not_found", "系统编号对应的贫困户不存在 (no such household)")])
    if candidate.source_system is None and candidate.external_id is None:
        return None
    if candidate.source_system is None or candidate.external_id is None:
        missing = "/source_system" if candidate.source_system is None else "/external_id"
        raise RowFailed([candidate.error(missing, "import.no_key", "外部系统和外部编号须同时填写")])
    key = (candidate.source_system, candidate.external_id)
    if key in lookups.absent:
        return None
    known = lookups.by_external.get(key)
    if known is None or known.id in lookups.touched:
        # not read with the chunk, or written since: created by an earlier row of this chunk, or changed
        known = await repo.find_by_external(session, candidate.source_system, candidate.external_id)
    if known is not None and not principal.scope.contains(known.village_code):
        raise RowFailed([_out_of_area(candidate)])
    return known


def _out_of_area(candidate: Candidate) -> RowError:
    pointer = "/id" if candidate.key_id else "/external_id"
    return candidate.error(
        pointer, "import.out_of_area", "该贫困户不在您的管辖范围内 (the household is outside your area)"
    )


Done = list[tuple[Candidate, Outcome, list[RowError]]]  # candidates finished by a call, in file order


class Creates:
    """The new households of a batch, kept back and written together (`households.service.create_households`:
    the same checks, in a few statements for all). Anything else that writes waits until the ones before it are
    written (`flush`), so the file's order decides as it would one by one; a race with another writer (the
    unique index refuses the batch) writes them one by one instead, each in its own savepoint."""

    def __init__(self, session: AsyncSession, principal: Principal, lookups: Lookups) -> None:
        self.session = session
        self.principal = principal
        self.lookups = lookups
        self.items: list[tuple[Candidate, HouseholdCreate]] = []
        self.keys: set[tuple[str, str]] = set()

    def add(self, candidate: Candidate, data: HouseholdCreate) -> None:
        self.items.append((candidate, data))
        if data.source_system and data.external_id:
            self.keys.add((data.source_system, data.external_id))

    def holds(self, candidate: Candidate) -> bool:
        """A later row of a household kept back: it must see that household written."""
        return (candidate.source_system or "", candidate.external_id or "") in self.keys

    async def flush(self) -> Done:
        items, self.items = self.items, []
        self.lookups.absent -= self.keys  # written now (or refused): later rows look them up again
        self.keys.clear()
        if not items:
            return []
        results: list[household_service.Created | ProblemError | None]
        try:
            async with self.session.begin_nested():
                results = list(
                    await household_service.create_households(self.session, self.principal, [d for _, d in items])
                )
        except IntegrityError:
            results = []
            for _, data in items:
                try:
                    async with self.session.begin_nested():
                        results += await household_service.create_households(self.session, self.principal, [data])
                except IntegrityError:
                    results.append(None)
        done: Done = []
        for (candidate, _), result in zip(items, results, strict=True):
            if result is None:
                done.append((candidate, "failed", [_conflict(candidate)]))
            elif isinstance(result, ProblemError):
                done.append((candidate, "failed", _problem(candidate, result).errors))
            else:
                done.append((candidate, "created", []))
        return done


def _conflict(candidate: Candidate) -> RowError:
    return candidate.error("", "import.conflict", "与已有数据冲突 (conflicts with stored data)")


async def process(
    session: AsyncSession,
    principal: Principal,
    candidate: Candidate,
    options: Options,
    lookups: Lookups,
    creates: Creates,
) -> Done:
    """One candidate: a new household without yearly records is kept back in `creates`; anything else is done
    now, after the households kept back before it. Reads and comparisons run outside any savepoint (an unchanged
    or refused household costs no round trip more); the writes of one household run in its own savepoint, rolled
    back alone when a service refuses. Returns the candidates finished, in file order."""
    if candidate.errors:
        return [(candidate, "failed", candidate.errors)]
    done: Done = await creates.flush() if creates.holds(candidate) else []
    try:
        existing = await locate(session, principal, candidate, options, lookups)
        if existing is None:
            if options.strategy == "update":
                pointer = "/id" if options.id_scheme == "id" else "/external_id"
                raise RowFailed([candidate.error(pointer, "import.not_found", "更新模式下找不到该贫困户 (not found)")])
            data = _create_data(candidate)
            if not (candidate.incomes or candidate.assessments):
                creates.add(candidate, data)
                return done
            done += await creates.flush()
            await _create(session, principal, candidate, data)
            return [*done, (candidate, "created", [])]
        if options.strategy == "create":
            pointer = "/id" if options.id_scheme == "id" else "/external_id"
            raise RowFailed([candidate.error(pointer, "import.exists", "该贫困户已存在 (already exists)")])
        done += await creates.flush()
        return [*done, (candidate, await _update(session, principal, candidate, existing, lookups), [])]
    except RowFailed as failed:
        return [*done, (candidate, "failed", failed.errors)]
    except ProblemError as exc:
        return [*done, (candidate, "failed", _problem(candidate, exc).errors)]
    except IntegrityError:
        return [*done, (candidate, "failed", [_conflict(candidate)])]


# ---------------------------------------------------------------- create


def _create_data(candidate: Candidate) -> HouseholdCreate:
    errors = []
    for index, part in enumerate(candidate.members):
        if "id_number" in part.masked:
            errors.append(
                candidate.error(
                    f"/members/{index}/id_number",
                    "import.masked_value",
                    "脱敏的证件号码不能用于新建成员, 请填写完整号码",
                )
            )
    if errors:
        raise RowFailed(errors)
    body = {k: v for k, v in candidate.household.items() if v is not ERASE}
    body["members"] = [{k: v for k, v in m.values.items() if v is not ERASE} for m in candidate.members]
    try:
        return HouseholdCreate.model_validate(body)
    except ValidationError as exc:
        raise _validation(candidate, exc)


async def _create(session: AsyncSession, principal: Principal, candidate: Candidate, data: HouseholdCreate) -> None:
    """A new household with its yearly records, in one savepoint."""
    async with session.begin_nested():
        household = await household_service.create_household(session, principal, data)
        await create_yearly(session, principal, candidate, household)


# ---------------------------------------------------------------- update


_NOT_ERASABLE = _REQUIRED | HouseholdUpdate.not_null
_LOOKUP_KEYS = frozenset({"source_system", "external_id"})


def _stored_as_sent(record: Stored, values: dict[str, Any], positions: _Positions) -> bool:
    """Every value of the row equals the stored one and none erases: the row repeats what is stored (what
    `_update` would find field by field, decided without building what an update would send). Equal values
    never differ (`checks.differs`), so all of them equal at once (one comparison of two tuples) decides it;
    anything else is looked at value by value."""
    row = record if isinstance(record, Row) else None
    if row is not None and positions.values(row, tuple(values)) == tuple(values.values()):
        return True  # ERASE equals no stored value: an erasing row is never taken here
    attributes = positions.attributes
    for key, value in values.items():
        if value is ERASE:
            return False
        if key in _LOOKUP_KEYS:
            continue
        name = attributes.get(key, key)
        if row is not None:
            at = positions.at.get(name)
            current = row[at] if at is not None else _ABSENT
        else:
            current = getattr(record, name, _ABSENT)
        if type(current) is type(value) and current == value:
            continue
        if current is _ABSENT or _differs(current, value):
            return False
    return True


def _repeats_stored(candidate: Candidate, household: Stored, active: list[Stored]) -> bool:
    """The whole row group is the stored household as it is: the household's cells, every member found (by
    member id, else by ID number) with the same cells, no new member, no yearly record."""
    if candidate.incomes or candidate.assessments or not _stored_as_sent(household, candidate.household, _HOUSEHOLD_AT):
        return False
    by_id = {str(m.public_id): m for m in active}
    by_number = {m.id_number: m for m in active}
    for part in candidate.members:
        if part.member_id is not None:
            target = by_id.get(part.member_id)
        else:
            number = part.values.get("id_number")
            target = by_number.get(number.upper()) if isinstance(number, str) else None
        if target is None or not _stored_as_sent(target, part.values, _MEMBER_AT):
            return False
    return True


async def _update(
    session: AsyncSession, principal: Principal, candidate: Candidate, household: Stored, lookups: Lookups
) -> Outcome:
    active = lookups.members.get(household.id) if household.id not in lookups.touched else None
    if active is None:
        active = await repo.members_of(session, household)
    if _repeats_stored(candidate, household, active):
        return "unchanged"  # a re-import, the untouched rows of an edited export
    errors = _erased_required(candidate, candidate.household, _NOT_ERASABLE, "")
    sent = _sent(candidate.household, HouseholdUpdate, codes_lists=("secondary_causes",))
    changes: dict[str, Any] = {}
    if not errors and _any_differs(household, sent, _HOUSEHOLD_ATTR):
        try:
            parsed = HouseholdUpdate.model_validate(sent)
        except ValidationError as exc:
            raise _validation(candidate, exc)
        for key in parsed.model_fields_set:
            if _differs(getattr(household, _HOUSEHOLD_ATTR.get(key, key)), getattr(parsed, key)):
                changes[key] = sent[key]
    by_id = {str(m.public_id): m for m in active}
    by_number = {m.id_number: m for m in active}
    member_changes: list[tuple[int, Stored, dict[str, Any]]] = []
    additions: list[tuple[int, MemberPart]] = []
    for index, part in enumerate(candidate.members):
        target: Stored | None = None
        if part.member_id is not None:
            target = by_id.get(part.member_id)
            if target is None:
                errors.append(
                    candidate.error(
                        f"/members/{index}/member_id", "import.member_not_found", "成员编号不是本户的在册成员"
                    )
                )
                continue
        else:
            number = part.values.get("id_number")
            if isinstance(number, str):
                target = by_number.get(number.upper())
            elif "id_number" in part.masked:
                errors.append(
                    candidate.error(
                        f"/members/{index}/id_number",
                        "import.masked_value",
                        "证件号码已脱敏且没有成员编号, 无法确定是哪位成员",
                    )
                )
                continue
        if target is None:
            additions.append((index, part))
            continue
        errors += _erased_required(candidate, part.values, _MEMBER_REQUIRED, f"/members/{index}")
        member_sent = _sent(part.values, MemberUpdate)
        if not _any_differs(target, member_sent, {}):
            continue  # the stored values, valid as stored: nothing to check or change
        try:
            parsed_member = MemberUpdate.model_validate(member_sent)
        except ValidationError as exc:
            errors += _validation(candidate, exc, prefix=("members", index)).errors
            continue
        diff = {
            k: member_sent[k]
            for k in parsed_member.model_fields_set
            if _differs(getattr(target, k), getattr(parsed_member, k))
        }
        if diff:
            member_changes.append((index, target, diff))
    yearly = await yearly_changes(session, candidate, household)
    if errors:
        raise RowFailed(errors)
    if not (changes or member_changes or additions or yearly):
        return "unchanged"
    lookups.touched.add(household.id)
    outcome: Outcome = "updated"
    async with session.begin_nested():
        if changes:
            # the same path as PATCH: locked fields outside an open adjustment window become a pending change
            changed = await household_service.change_household(
                session,
                principal,
                household_id=household.public_id,
                expected_version=None,
                data=HouseholdUpdate.model_validate(changes),
            )
            if changed.pending is not None:
                outcome = "queued"
        for index, member, diff in member_changes:
            try:
                await member_service.update_member(
                    session,
                    principal,
                    household_id=household.public_id,
                    member_id=member.public_id,
                    expected_version=None,
                    data=MemberUpdate.model_validate(diff),
                )
            except ProblemError as exc:
                raise _problem(candidate, exc, f"/members/{index}")
        for index, part in additions:
            body = {k: v for k, v in part.values.items() if v is not ERASE}
            body["reason"] = part.reason or DEFAULT_ADD_REASON
            try:
                data = MemberAdd.model_validate(body)
            except ValidationError as exc:
                raise _validation(candidate, exc, prefix=("members", index))
            try:
                await member_service.add_member(session, principal, household_id=household.public_id, data=data)
            except ProblemError as exc:
                raise _problem(candidate, exc, f"/members/{index}")
        await apply_yearly(session, principal, candidate, household, yearly)
    return outcome


def household_key(household: Stored) -> uuid.UUID:
    return household.public_id
