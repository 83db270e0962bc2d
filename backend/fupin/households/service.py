"""Rules of the household register: creating and changing households, and the checks members share.
Services validate, write, audit and feed; they never commit."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from fupin.adjustments import gate
from fupin.adjustments.gate import Outcome
from fupin.audit import chain as audit
from fupin.authz.principal import Principal
from fupin.core.concurrency import check_version
from fupin.core.errors import FieldError, ProblemError, constraint_problem, field_error
from fupin.core.models import utcnow
from fupin.households import repository as repo
from fupin.households import stats
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
NOT_NULLABLE = frozenset(
    {
        "identification_standard",
        "attribute",
        "main_cause",
        "first_identified_on",
        "relocated",
        "military_family",
        "only_child",
        "two_daughters",
        "village_code",
        "secondary_causes",
    }
)


# ---------------------------------------------------------------- checks shared by households and members


async def require_village(session: AsyncSession, principal: Principal, code: str, *, pointer: str) -> None:
    region = await regions.get_scoped(session, principal.scope, code)
    if region is None or region.level != 5 or region.valid_to is not None:
        raise field_error(
            pointer,
            "region.unknown_village",
            f"村代码 {code} 不存在或不在您的管辖范围内 (unknown village or outside your area)",
        )


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
    errors = []
    for pointer, number in members:
        holder = by_number.get(number)
        if holder is None:
            continue
        if principal.scope.contains(holder.village_code):
            msg = (
                f"该身份证号已在户 {holder.household_number} 中登记 (already in household {holder.household_public_id})"
            )
        else:
            msg = "该身份证号已在其他地区的贫困户中登记 (already registered in another area)"
        errors.append(FieldError(pointer=pointer, code=DUPLICATE_MEMBER, message=msg))
    raise ProblemError(409, DUPLICATE_MEMBER, DUPLICATE_MEMBER_DETAIL, errors)


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


def check_consistency(h: Household) -> None:
    """Cross-field rules that hold for every household, after create and after each update."""
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
    await require_village(session, principal, data.village_code, pointer="/village_code")
    await require_unique_people(
        session, principal, [(f"/members/{i}/id_number", m.id_number) for i, m in enumerate(data.members)]
    )
    if (
        data.source_system
        and data.external_id
        and await repo.find_by_external(session, data.source_system, data.external_id)
    ):
        raise field_error(
            "/external_id",
            "household.external_id_exists",
            "该外部系统编号已存在 (external id already used)",
            status=409,
        )
    seq = await repo.next_household_sequence(session, data.village_code)
    household = Household(
        household_number=f"{data.village_code}{seq:04d}",
        group_name=data.group,
        identified_year=data.first_identified_on.year,
        status="not_exited",
        member_count=len(data.members),
        **data.model_dump(exclude={"members", "group"}),
    )
    check_consistency(household)
    session.add(household)
    await session.flush()
    members = [new_member(m, household=household, reason="initial", on=data.first_identified_on) for m in data.members]
    session.add_all(members)
    await session.flush()
    head = next(m for m in members if m.relation == "01")
    household.head_member_id = head.id
    household.head_name = head.name
    session.add(
        StatusChange(
            household_id=household.id,
            from_status=None,
            to_status="not_exited",
            reason="建档立卡 (registered)",
            year=data.first_identified_on.year,
            actor_name=principal.name,
            occurred_at=utcnow(),
        )
    )
    await session.flush()
    after = audit.snapshot(household, HOUSEHOLD_AUDITED)
    after["members"] = [
        {"id": str(m.public_id), "name": m.name, "id_number": m.id_number, "relation": m.relation} for m in members
    ]
    await audit.record_on(
        session,
        household_target(household),
        actor=principal.as_actor(),
        action="household.created",
        changes=audit.diff({}, after),
    )
    await stats.move(session, None, household)
    return household


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
    check_version(expected_version, household.version)
    override = data.override_reason
    gate.check_override(override, may_override=may_override)
    sent = data.model_dump(exclude_unset=True, exclude={"override_reason"})
    errors = [
        FieldError(pointer=f"/{k}", code="required", message="不能为空 (may not be null)")
        for k, v in sent.items()
        if v is None and k in NOT_NULLABLE
    ]
    if errors:
        raise ProblemError(422, "validation_failed", "The request contains invalid fields.", errors)
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
    await stats.move(session, stats_before, household)
    pending = None
    if locked:
        pending = await gate.queue_pending(session, principal, household=household, kind="update", changes=locked)
    return Outcome(household, pending)
