"""Rules of the household register. Services validate, write, audit and feed; they never commit."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from fupin.authz.principal import Principal
from fupin.authz.scope import region_level
from fupin.codes.tables import label
from fupin.core import audit
from fupin.core.concurrency import check_replace, check_version
from fupin.core.errors import FieldError, ProblemError, field_error
from fupin.core.idnumber import mask, mask_account, mask_phone
from fupin.core.models import utcnow
from fupin.households import repository as repo
from fupin.households import stats
from fupin.households.models import Assessment, Household, Income, Member, PovertyLine, StatusChange
from fupin.households.schemas import (
    AssessmentIn,
    AssessmentOut,
    ChecklistItem,
    ExitEvaluation,
    HeadChange,
    HouseholdCreate,
    HouseholdOut,
    HouseholdUpdate,
    IncomeIn,
    IncomeOut,
    MemberAdd,
    MemberFields,
    MemberOut,
    MemberUpdate,
    StatusTransitionIn,
)
from fupin.regions import repository as regions

CENT = Decimal("0.01")
HOUSEHOLD_FIELDS = (
    "household_number",
    "village_code",
    "group_name",
    "address",
    "phone",
    "bank_account",
    "first_identified_on",
    "identification_standard",
    "attribute",
    "main_cause",
    "secondary_causes",
    "status",
    "status_reason",
    "planned_exit_year",
    "exit_year",
    "head_name",
    "member_count",
    "housing_area",
    "housing_safety",
    "safe_drinking_water",
    "electricity",
    "road_type",
    "sanitary_toilet",
    "fuel",
    "relocated",
    "relocation_year",
    "relocation_site",
    "military_family",
    "only_child",
    "two_daughters",
    "source_system",
    "external_id",
)
MEMBER_FIELDS = (*MemberFields.model_fields, "active", "removed_reason", "removed_on", "added_reason")
TRANSITIONS: dict[str, frozenset[str]] = {
    "not_exited": frozenset({"exited_with_policy", "removed"}),
    "exited_with_policy": frozenset({"exited_no_policy", "returned", "removed"}),
    "exited_no_policy": frozenset({"returned", "removed"}),
    "returned": frozenset({"exited_with_policy", "removed"}),
    "removed": frozenset(),
}


def snapshot(obj: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    return {f: getattr(obj, f) for f in fields}


# ---------------------------------------------------------------- output (masking lives here)


def member_out(m: Member, principal: Principal, head_member_id: int | None) -> MemberOut:
    pii = principal.pii
    return MemberOut(
        id=m.public_id,
        name=m.name,
        id_type=m.id_type,
        id_number=m.id_number if pii else (mask(m.id_number) or ""),
        gender=m.gender,
        birth_date=m.birth_date if pii else None,
        ethnicity=m.ethnicity,
        relation=m.relation,
        education=m.education,
        school_status=m.school_status,
        health=m.health if pii else None,
        disability_grade=m.disability_grade if pii else None,
        labour=m.labour,
        work_status=m.work_status,
        months_worked=m.months_worked,
        public_welfare_job=m.public_welfare_job,
        medical_insurance=m.medical_insurance,
        serious_illness_insurance=m.serious_illness_insurance,
        pension_insurance=m.pension_insurance,
        dibao=m.dibao,
        tekun=m.tekun,
        active=m.active,
        added_reason=m.added_reason,
        added_on=m.added_on,
        removed_reason=m.removed_reason,
        removed_on=m.removed_on,
        is_head=(m.id == head_member_id),
        version=m.version,
        pii_masked=not pii,
    )


async def household_out(
    session: AsyncSession, principal: Principal, h: Household, members: list[Member] | None = None
) -> HouseholdOut:
    if members is None:
        members = await repo.members_of(session, h.id)
    code = h.village_code
    names = await regions.names(session, [code, code[:9] + "000", code[:6] + "000000"])
    head_public = next((m.public_id for m in members if m.id == h.head_member_id), None)
    pii = principal.pii
    return HouseholdOut(
        id=h.public_id,
        household_number=h.household_number,
        village_code=code,
        village_name=names.get(code),
        township_name=names.get(code[:9] + "000"),
        county_name=names.get(code[:6] + "000000"),
        group=h.group_name,
        address=h.address,
        phone=h.phone if pii else mask_phone(h.phone),
        bank_account=h.bank_account if pii else mask_account(h.bank_account),
        identification_standard=h.identification_standard,
        attribute=h.attribute,
        main_cause=h.main_cause,
        secondary_causes=list(h.secondary_causes or []),
        first_identified_on=h.first_identified_on,
        status=h.status,
        status_reason=h.status_reason,
        planned_exit_year=h.planned_exit_year,
        exit_year=h.exit_year,
        head_member_id=head_public,
        head_name=h.head_name,
        member_count=h.member_count,
        housing_area=h.housing_area,
        housing_safety=h.housing_safety,
        safe_drinking_water=h.safe_drinking_water,
        electricity=h.electricity,
        road_type=h.road_type,
        sanitary_toilet=h.sanitary_toilet,
        fuel=h.fuel,
        relocated=h.relocated,
        relocation_year=h.relocation_year,
        relocation_site=h.relocation_site,
        military_family=h.military_family,
        only_child=h.only_child,
        two_daughters=h.two_daughters,
        source_system=h.source_system,
        external_id=h.external_id,
        members=[member_out(m, principal, h.head_member_id) for m in members],
        created_at=h.created_at,
        updated_at=h.updated_at,
        version=h.version,
        pii_masked=not pii,
    )


async def audit_write(
    session: AsyncSession,
    principal: Principal,
    action: str,
    h: Household,
    changes: dict[str, Any],
    entity_type: str = "household",
    entity_id: str | None = None,
) -> None:
    await session.flush()
    await audit.record(
        session,
        principal.as_actor(),
        action,
        entity_type,
        entity_id or str(h.public_id),
        h.village_code,
        changes,
        version=h.version,
        subject_id=str(h.public_id),
    )


async def audit_personal_data_read(session: AsyncSession, principal: Principal, h: Household, what: str) -> None:
    """Reading unmasked ID numbers, phones, accounts or health details leaves a trace (no change-feed entry)."""
    if principal.pii:
        await audit.record(
            session,
            principal.as_actor(),
            "household.personal_data_read",
            "household",
            str(h.public_id),
            h.village_code,
            {"read": [None, what]},
            feed=False,
            subject_id=str(h.public_id),
        )


# ---------------------------------------------------------------- checks shared by create and member changes


async def require_village(session: AsyncSession, principal: Principal, code: str, pointer: str) -> None:
    region = await regions.get_scoped(session, principal, code)
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
    exclude_household_id: int | None,
) -> None:
    """members: (pointer, id_number). A person may be in one active household only."""
    holders = await repo.active_holders(session, [n for _, n in members], exclude_household_id=exclude_household_id)
    if not holders:
        return
    by_number = {h.id_number: h for h in holders}
    errors = []
    for pointer, number in members:
        holder = by_number.get(number)
        if holder is None:
            continue
        if principal.sees(holder.village_code):
            msg = (
                f"该身份证号已在户 {holder.household_number} 中登记 (already in household {holder.household_public_id})"
            )
        else:
            msg = "该身份证号已在其他地区的贫困户中登记 (already registered in another area)"
        errors.append(FieldError(pointer=pointer, code="household.duplicate_member", message=msg))
    raise ProblemError(
        409,
        "household.duplicate_member",
        "一人只能属于一个在册贫困户 (a person may belong to one active household only)",
        errors,
    )


def new_member(data: MemberFields, household_id: int, reason: str, on: date | None) -> Member:
    fields = data.model_dump(exclude={"reason", "changed_on"})
    return Member(household_id=household_id, added_reason=reason, added_on=on or date.today(), **fields)


# ---------------------------------------------------------------- households


def check_consistency(h: Household) -> None:
    """Cross-field rules that hold for every household, after create and after each update."""
    errors = []
    if not h.relocated and (h.relocation_year is not None or h.relocation_site):
        errors.append(
            FieldError(
                pointer="/relocation_year",
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


async def create_household(session: AsyncSession, principal: Principal, data: HouseholdCreate) -> Household:
    await require_village(session, principal, data.village_code, "/village_code")
    await require_unique_people(
        session,
        principal,
        [(f"/members/{i}/id_number", m.id_number) for i, m in enumerate(data.members)],
        None,
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
    values = data.model_dump(exclude={"members", "group"})
    household = Household(
        household_number=f"{data.village_code}{seq:04d}",
        group_name=data.group,
        identified_year=data.first_identified_on.year,
        status="not_exited",
        member_count=len(data.members),
        **values,
    )
    check_consistency(household)
    session.add(household)
    await session.flush()
    members = [new_member(m, household.id, "initial", data.first_identified_on) for m in data.members]
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
    after = snapshot(household, HOUSEHOLD_FIELDS)
    after["members"] = [
        {"id": str(m.public_id), "name": m.name, "id_number": m.id_number, "relation": m.relation} for m in members
    ]
    await audit_write(session, principal, "household.created", household, audit.diff({}, after))
    await stats.move(session, None, household)
    return household


async def update_household(
    session: AsyncSession,
    principal: Principal,
    public_id: uuid.UUID,
    expected_version: int | None,
    data: HouseholdUpdate,
) -> Household:
    household = await repo.get_household(session, principal, public_id, for_update=True)
    stats_before = stats.snapshot(household)
    check_version(expected_version, household.version)
    sent = data.model_dump(exclude_unset=True)
    not_nullable = {
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
    errors = [
        FieldError(pointer=f"/{k}", code="required", message="不能为空 (may not be null)")
        for k, v in sent.items()
        if v is None and k in not_nullable
    ]
    if errors:
        raise ProblemError(422, "validation_failed", "The request contains invalid fields.", errors)
    if "village_code" in sent and sent["village_code"] != household.village_code:
        await require_village(session, principal, sent["village_code"], "/village_code")
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
    before = snapshot(household, HOUSEHOLD_FIELDS)
    for key, value in sent.items():
        setattr(household, "group_name" if key == "group" else key, value)
        if key == "first_identified_on":
            household.identified_year = value.year
    check_consistency(household)
    changes = audit.diff(before, snapshot(household, HOUSEHOLD_FIELDS))
    if changes:
        household.updated_at = utcnow()
        await audit_write(session, principal, "household.updated", household, changes)
    await stats.move(session, stats_before, household)
    return household


async def _touch(session: AsyncSession, household: Household) -> None:
    """Member-level changes bump the household's version and updated time (the list shows them)."""
    active = await repo.members_of(session, household.id)
    household.member_count = len(active)
    head = next((m for m in active if m.id == household.head_member_id), None)
    household.head_name = head.name if head else None
    household.updated_at = utcnow()
    await session.flush()


async def add_member(session: AsyncSession, principal: Principal, public_id: uuid.UUID, data: MemberAdd) -> Member:
    household = await repo.get_household(session, principal, public_id, for_update=True)
    stats_before = stats.snapshot(household)
    if household.status == "removed":
        raise ProblemError(409, "household.removed", "已注销的贫困户不能变更成员")
    if data.relation == "01":
        raise field_error(
            "/relation",
            "member.second_head",
            "户主只能有一名; 请先添加成员再变更户主 (use the head endpoint to change the head)",
        )
    await require_unique_people(session, principal, [("/id_number", data.id_number)], None)
    member = new_member(data, household.id, data.reason, data.changed_on)
    session.add(member)
    await session.flush()
    await _touch(session, household)
    await audit_write(
        session,
        principal,
        "member.added",
        household,
        {"reason": [None, data.reason], **audit.diff({}, snapshot(member, MEMBER_FIELDS))},
        entity_type="member",
        entity_id=str(member.public_id),
    )
    await audit_write(
        session,
        principal,
        "household.updated",
        household,
        {"member_count": [household.member_count - 1, household.member_count]},
    )
    await stats.move(session, stats_before, household)
    return member


async def update_member(
    session: AsyncSession,
    principal: Principal,
    public_id: uuid.UUID,
    member_id: uuid.UUID,
    expected_version: int | None,
    data: MemberUpdate,
) -> tuple[Member, Household]:
    household = await repo.get_household(session, principal, public_id, for_update=True)
    member = await repo.get_member(session, household.id, member_id)
    check_version(expected_version, member.version)
    if not member.active:
        raise ProblemError(409, "member.removed", "已移出的成员不能修改 (member was removed)")
    sent = data.model_dump(exclude_unset=True)
    nulls = [
        k
        for k, v in sent.items()
        if v is None
        and k
        in (
            "name",
            "id_type",
            "id_number",
            "gender",
            "birth_date",
            "ethnicity",
            "relation",
            "health",
            "public_welfare_job",
            "medical_insurance",
            "serious_illness_insurance",
            "pension_insurance",
            "dibao",
            "tekun",
        )
    ]
    if nulls:
        raise ProblemError(
            422,
            "validation_failed",
            "The request contains invalid fields.",
            [FieldError(pointer=f"/{k}", code="required", message="不能为空") for k in nulls],
        )
    if "relation" in sent and (sent["relation"] == "01") != (member.id == household.head_member_id):
        raise field_error("/relation", "member.head_relation", "户主关系请通过变更户主操作修改 (use the head endpoint)")
    merged = {f: getattr(member, f) for f in MemberFields.model_fields} | sent
    if "id_number" in sent and "birth_date" not in sent:
        merged["birth_date"] = None
    if "id_number" in sent and "gender" not in sent:
        merged["gender"] = None
    try:
        validated = MemberFields.model_validate(merged)
    except ValidationError as exc:
        raise ProblemError(
            422,
            "validation_failed",
            "The request contains invalid fields.",
            [
                FieldError(
                    pointer="/" + "/".join(str(p) for p in e["loc"]) if e["loc"] else "/id_number",
                    code=e["type"],
                    message=e["msg"],
                )
                for e in exc.errors()
            ],
        )
    if validated.id_number != member.id_number:
        await require_unique_people(session, principal, [("/id_number", validated.id_number)], None)
    before = snapshot(member, MEMBER_FIELDS)
    for key, value in validated.model_dump().items():
        setattr(member, key, value)
    changes = audit.diff(before, snapshot(member, MEMBER_FIELDS))
    if changes:
        member.updated_at = utcnow()
        await session.flush()
        await _touch(session, household)
        await audit_write(
            session,
            principal,
            "member.updated",
            household,
            changes,
            entity_type="member",
            entity_id=str(member.public_id),
        )
    return member, household


async def remove_member(
    session: AsyncSession,
    principal: Principal,
    public_id: uuid.UUID,
    member_id: uuid.UUID,
    expected_version: int | None,
    reason: str,
    removed_on: date | None,
    new_head_id: uuid.UUID | None,
    note: str | None,
) -> Household:
    household = await repo.get_household(session, principal, public_id, for_update=True)
    stats_before = stats.snapshot(household)
    member = await repo.get_member(session, household.id, member_id)
    check_version(expected_version, member.version)
    if not member.active:
        raise ProblemError(409, "member.removed", "该成员已移出 (member already removed)")
    active = await repo.members_of(session, household.id)
    if len(active) == 1:
        raise ProblemError(
            422,
            "household.last_member",
            "不能移出最后一名成员; 请办理注销 (the last member cannot be removed; use status 注销)",
        )
    new_head: Member | None = None
    if member.id == household.head_member_id:
        if new_head_id is None:
            raise field_error(
                "/new_head_member_id",
                "household.head_required",
                "移出户主须同时指定新户主 (removing the head needs new_head_member_id)",
            )
        new_head = next((m for m in active if m.public_id == new_head_id and m.id != member.id), None)
        if new_head is None:
            raise field_error("/new_head_member_id", "member.not_found", "新户主须为本户在册成员")
    elif new_head_id is not None:
        raise field_error("/new_head_member_id", "household.head_unchanged", "只有移出户主时才能指定新户主")
    before = snapshot(member, MEMBER_FIELDS)
    member.active = False
    member.removed_reason = reason
    member.removed_on = removed_on or date.today()
    member.removal_note = note
    member.updated_at = utcnow()
    await session.flush()
    await audit_write(
        session,
        principal,
        "member.removed",
        household,
        audit.diff(before, snapshot(member, MEMBER_FIELDS)),
        entity_type="member",
        entity_id=str(member.public_id),
    )
    if new_head is not None:
        await _set_head(session, principal, household, new_head, previous_relation=None)
    await _touch(session, household)
    await audit_write(
        session,
        principal,
        "household.updated",
        household,
        {"member_count": [household.member_count + 1, household.member_count]},
    )
    await stats.move(session, stats_before, household)
    return household


async def _set_head(
    session: AsyncSession,
    principal: Principal,
    household: Household,
    new_head: Member,
    previous_relation: str | None,
) -> None:
    old_head_id = household.head_member_id
    before: dict[str, Any] = {"head_member_id": None, "head_name": household.head_name}
    if old_head_id is not None and previous_relation is not None:
        old = next((m for m in await repo.members_of(session, household.id) if m.id == old_head_id), None)
        if old is not None:
            old.relation = previous_relation
    new_head.relation = "01"
    household.head_member_id = new_head.id
    household.head_name = new_head.name
    await session.flush()
    before["head_member_id"] = old_head_id
    await audit_write(
        session,
        principal,
        "household.head_changed",
        household,
        audit.diff(before, {"head_member_id": new_head.id, "head_name": new_head.name}),
    )


async def change_head(
    session: AsyncSession,
    principal: Principal,
    public_id: uuid.UUID,
    expected_version: int | None,
    data: HeadChange,
) -> Household:
    household = await repo.get_household(session, principal, public_id, for_update=True)
    check_version(expected_version, household.version)
    member = await repo.get_member(session, household.id, data.member_id)
    if not member.active:
        raise field_error("/member_id", "member.removed", "已移出的成员不能成为户主")
    if member.id == household.head_member_id:
        raise field_error("/member_id", "household.head_unchanged", "该成员已是户主")
    await _set_head(session, principal, household, member, previous_relation=data.previous_head_relation)
    await _touch(session, household)
    return household


# ---------------------------------------------------------------- incomes, assessments, poverty lines


def income_figures(data: IncomeIn, size: int) -> tuple[Decimal, Decimal, Decimal]:
    transfer = data.transfer_income or Decimal(0)
    total = data.wage_income + data.production_income + data.property_income + transfer
    net = total - data.production_costs
    per_capita = (net / size).quantize(CENT, rounding=ROUND_HALF_UP) if size else Decimal(0)
    return total, net, per_capita


async def income_out(session: AsyncSession, household: Household, income: Income) -> IncomeOut:
    line = await repo.poverty_line(session, income.year, household.identification_standard)
    return income_out_with_line(income, line)


async def incomes_out(session: AsyncSession, household: Household) -> list[IncomeOut]:
    """All years of a household, with the poverty lines read once (not once per year)."""
    lines = await repo.poverty_lines(session)
    by_key = {(p.year, p.scope): p for p in lines}
    standard = household.identification_standard
    return [
        income_out_with_line(i, by_key.get((i.year, standard)) or by_key.get((i.year, "national")))
        for i in await repo.incomes(session, household.id)
    ]


def income_out_with_line(income: Income, line: PovertyLine | None) -> IncomeOut:
    total = income.wage_income + income.production_income + income.property_income + income.transfer_income
    return IncomeOut(
        year=income.year,
        wage_income=income.wage_income,
        production_income=income.production_income,
        property_income=income.property_income,
        transfer_income=income.transfer_income,
        transfer_details={k: Decimal(v) for k, v in (income.transfer_details or {}).items()},
        production_costs=income.production_costs,
        total_income=total,
        net_income=income.net_income,
        household_size=income.household_size,
        per_capita_net_income=income.per_capita_net_income,
        poverty_line=line.amount if line else None,
        above_line=(income.per_capita_net_income > line.amount) if line else None,
        updated_at=income.updated_at,
        version=income.version,
    )


async def put_income(
    session: AsyncSession,
    principal: Principal,
    public_id: uuid.UUID,
    year: int,
    expected_version: int | None,
    if_match_sent: bool,
    data: IncomeIn,
) -> tuple[Income, Household, bool]:
    household, existing = await _yearly_target(
        session, principal, public_id, year, repo.income, expected_version, if_match_sent, "income"
    )
    size = household.member_count
    if size < 1:
        raise ProblemError(422, "household.no_members", "户内无在册成员, 无法计算人均纯收入")
    _, net, per_capita = income_figures(data, size)
    values = {
        "wage_income": data.wage_income,
        "production_income": data.production_income,
        "property_income": data.property_income,
        "transfer_income": data.transfer_income or Decimal(0),
        "transfer_details": {k: str(v) for k, v in data.transfer_details.items()},
        "production_costs": data.production_costs,
        "household_size": size,
        "net_income": net,
        "per_capita_net_income": per_capita,
    }
    income = await _create_or_replace(session, principal, household, existing, Income, year, values, "income")
    return income, household, existing is None


async def _yearly_target(
    session: AsyncSession,
    principal: Principal,
    public_id: uuid.UUID,
    year: int,
    lookup: Any,
    expected_version: int | None,
    if_match_sent: bool,
    what: str,
) -> tuple[Household, Any]:
    """The household (locked) and its record of that year, after the year and If-Match rules."""
    _check_year(year)
    household = await repo.get_household(session, principal, public_id, for_update=True)
    existing = await lookup(session, household.id, year)
    check_replace(existing.version if existing else None, expected_version, if_match_sent, what)
    return household, existing


async def _create_or_replace(
    session: AsyncSession,
    principal: Principal,
    household: Household,
    existing: Any,
    model: Any,
    year: int,
    values: dict[str, Any],
    entity: str,
) -> Any:
    """Write a yearly record of a household (income, assessment) and audit what changed."""
    record = existing or model(household_id=household.id, year=year, **values)
    before = {} if existing is None else snapshot(record, tuple(values))
    if existing is None:
        session.add(record)
    else:
        for key, value in values.items():
            setattr(record, key, value)
        record.updated_at = utcnow()
    await session.flush()
    changes = audit.diff(before, snapshot(record, tuple(values)))
    if changes:
        await audit_write(
            session,
            principal,
            f"{entity}.{'created' if existing is None else 'updated'}",
            household,
            {"year": [None, year], **changes},
            entity_type=entity,
            entity_id=f"{household.public_id}:{year}",
        )
    return record


def _check_year(year: int) -> None:
    if year < 2010 or year > date.today().year + 1:
        raise field_error("/year", "year.out_of_range", "年度超出范围 (year out of range)")


ASSESSMENT_ITEMS = (
    "food_clothing",
    "compulsory_education",
    "basic_medical",
    "safe_housing",
    "safe_drinking_water",
)
ASSESSMENT_LABELS = {
    "food_clothing": "不愁吃、不愁穿",
    "compulsory_education": "义务教育有保障",
    "basic_medical": "基本医疗有保障",
    "safe_housing": "住房安全有保障",
    "safe_drinking_water": "饮水安全有保障",
}


def assessment_out(a: Assessment) -> AssessmentOut:
    return AssessmentOut(
        year=a.year,
        food_clothing=a.food_clothing,
        compulsory_education=a.compulsory_education,
        basic_medical=a.basic_medical,
        safe_housing=a.safe_housing,
        safe_drinking_water=a.safe_drinking_water,
        evidence=dict(a.evidence or {}),
        assessed_on=a.assessed_on,
        assessor=a.assessor,
        all_met=all(getattr(a, k) for k in ASSESSMENT_ITEMS),
        updated_at=a.updated_at,
        version=a.version,
    )


async def put_assessment(
    session: AsyncSession,
    principal: Principal,
    public_id: uuid.UUID,
    year: int,
    expected_version: int | None,
    if_match_sent: bool,
    data: AssessmentIn,
) -> tuple[Assessment, bool]:
    household, existing = await _yearly_target(
        session, principal, public_id, year, repo.assessment, expected_version, if_match_sent, "assessment"
    )
    values = data.model_dump()
    item = await _create_or_replace(session, principal, household, existing, Assessment, year, values, "assessment")
    return item, existing is None


async def put_poverty_line(
    session: AsyncSession,
    principal: Principal,
    year: int,
    scope: str,
    amount: Decimal,
    note: str | None,
    expected_version: int | None,
    if_match_was_sent: bool,
) -> tuple[PovertyLine, bool]:
    existing = next((p for p in await repo.poverty_lines(session) if p.year == year and p.scope == scope), None)
    check_replace(existing.version if existing else None, expected_version, if_match_was_sent, "poverty line")
    before = {} if existing is None else {"amount": existing.amount, "note": existing.note}
    line = existing or PovertyLine(year=year, scope=scope, amount=amount, note=note)
    if existing is None:
        session.add(line)
    else:
        line.amount, line.note = amount, note
    await session.flush()
    changes = audit.diff(before, {"amount": line.amount, "note": line.note})
    if changes:
        await audit.record(
            session,
            principal.as_actor(),
            "poverty_line.updated",
            "poverty_line",
            f"{year}:{scope}",
            None,
            changes,
            version=line.version,
        )
    return line, existing is None


# ---------------------------------------------------------------- exit evaluation and status transitions


async def evaluate_exit(session: AsyncSession, household: Household, year: int) -> ExitEvaluation:
    items: list[ChecklistItem] = []
    income = await repo.income(session, household.id, year)
    line = await repo.poverty_line(session, year, household.identification_standard)
    if income is None or line is None:
        missing = "收入" if income is None else "贫困线"
        items.append(
            ChecklistItem(
                key="income",
                label="人均纯收入稳定超过当年贫困线",
                passed=False,
                detail=f"{year}年{missing}数据缺失 (no {('income' if income is None else 'poverty line')} for {year})",
                figures={
                    "year": year,
                    "per_capita_net_income": str(income.per_capita_net_income) if income else None,
                    "poverty_line": str(line.amount) if line else None,
                },
            )
        )
    else:
        passed = income.per_capita_net_income > line.amount
        items.append(
            ChecklistItem(
                key="income",
                label="人均纯收入稳定超过当年贫困线",
                passed=passed,
                detail=(
                    f"人均纯收入 {income.per_capita_net_income} 元 {'>' if passed else '≤'} "
                    f"{year}年贫困线 {line.amount} 元"
                ),
                figures={
                    "year": year,
                    "per_capita_net_income": str(income.per_capita_net_income),
                    "poverty_line": str(line.amount),
                    "poverty_line_scope": line.scope,
                    "net_income": str(income.net_income),
                    "household_size": income.household_size,
                },
            )
        )
    assessment = await repo.assessment(session, household.id, year)
    for key in ASSESSMENT_ITEMS:
        if assessment is None:
            items.append(
                ChecklistItem(
                    key=key,
                    label=ASSESSMENT_LABELS[key],
                    passed=False,
                    detail=f"{year}年两不愁三保障评估缺失 (no assessment for {year})",
                    figures={"year": year},
                )
            )
        else:
            ok = bool(getattr(assessment, key))
            items.append(
                ChecklistItem(
                    key=key,
                    label=ASSESSMENT_LABELS[key],
                    passed=ok,
                    detail="已达标 (met)" if ok else "未达标 (not met)",
                    figures={"year": year, "evidence": (assessment.evidence or {}).get(key)},
                )
            )
    return ExitEvaluation(household_id=household.public_id, year=year, passed=all(i.passed for i in items), items=items)


async def transition(
    session: AsyncSession,
    principal: Principal,
    public_id: uuid.UUID,
    expected_version: int | None,
    data: StatusTransitionIn,
) -> Household:
    household = await repo.get_household(session, principal, public_id, for_update=True)
    stats_before = stats.snapshot(household)
    check_version(expected_version, household.version)
    current = household.status
    if data.to_status not in TRANSITIONS[current]:
        raise field_error(
            "/to_status",
            "household.transition_not_allowed",
            f"不能从“{label('household_status', current)}”变更为“{label('household_status', data.to_status)}”",
            status=409,
        )
    evaluation: dict[str, Any] | None = None
    if data.to_status == "exited_with_policy":
        if data.year is None:
            raise field_error("/year", "required", "脱贫须指定评估年度 (year is required for an exit)")
        result = await evaluate_exit(session, household, data.year)
        evaluation = result.model_dump(mode="json")
        if not result.passed:
            failed = [i.label for i in result.items if not i.passed]
            raise ProblemError(
                422,
                "household.exit_criteria_not_met",
                "未达到脱贫标准: " + "、".join(failed),
                extra={"evaluation": evaluation},
            )
    if data.to_status == "removed" and principal.region_code is not None and region_level(principal.region_code) > 3:
        raise ProblemError(403, "forbidden", "注销须由县级及以上扶贫部门办理 (county office or above)")
    before = snapshot(household, HOUSEHOLD_FIELDS)
    household.status = data.to_status
    household.status_reason = data.reason
    if data.to_status == "exited_with_policy":
        household.exit_year = data.year
    household.updated_at = utcnow()
    session.add(
        StatusChange(
            household_id=household.id,
            from_status=current,
            to_status=data.to_status,
            reason=data.reason,
            year=data.year,
            evaluation=evaluation,
            actor_name=principal.name,
            occurred_at=utcnow(),
        )
    )
    await session.flush()
    await audit_write(
        session,
        principal,
        "household.status_changed",
        household,
        audit.diff(before, snapshot(household, HOUSEHOLD_FIELDS)),
    )
    await stats.move(session, stats_before, household)
    return household
