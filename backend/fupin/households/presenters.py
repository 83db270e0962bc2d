"""How households and their records are shown and traced: outputs built from the records (masked by the caller's
personal-data permission), the audit targets that put every write on the household's trail (操作记录), and the
trace left by reading unmasked personal data."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from fupin.audit import chain as audit
from fupin.authz.principal import Principal
from fupin.core.pii import presentation
from fupin.core.schemas import record_view
from fupin.departments.field import sees_health
from fupin.households import repository as repo
from fupin.households.member_schemas import MemberFields, MemberOut
from fupin.households.models import Assessment, Household, Income, Member
from fupin.households.schemas import HouseholdOut
from fupin.households.yearly_schemas import AssessmentOut, IncomeOut
from fupin.poverty_lines.models import PovertyLine
from fupin.regions import repository as regions

# the fields whose before/after the trail keeps
HOUSEHOLD_AUDITED = (
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
MEMBER_AUDITED = (*MemberFields.model_fields, "active", "removed_reason", "removed_on", "added_reason")
ASSESSMENT_ITEMS = ("food_clothing", "compulsory_education", "basic_medical", "safe_housing", "safe_drinking_water")


# ---------------------------------------------------------------- audit targets


# a household in one of these statuses has left every reader's area (注销): its feed entries are tombstones
OUT_OF_THE_REGISTER = frozenset({"removed"})


def household_target(household: Household | Row[Any] | SimpleNamespace) -> audit.Target:
    """Of the ORM record or of a stored row (bulk writes)."""
    hid = str(household.public_id)
    return audit.Target(
        "household",
        hid,
        household.village_code,
        subject_id=hid,
        version=household.version,
        external_id=household.external_id,
        source_system=household.source_system,
        tombstone=household.status in OUT_OF_THE_REGISTER,
    )


def member_target(member: Member, household: Household) -> audit.Target:
    """A member's entries name the household's external identifiers; a member who left is a tombstone (the
    household itself stays: its own entry for the new member count follows)."""
    return audit.Target(
        "member",
        str(member.public_id),
        household.village_code,
        subject_id=str(household.public_id),
        version=household.version,
        external_id=household.external_id,
        source_system=household.source_system,
        tombstone=not member.active,
    )


def yearly_target(entity: str, household: Household, year: int) -> audit.Target:
    return audit.Target(
        entity,
        f"{household.public_id}:{year}",
        household.village_code,
        subject_id=str(household.public_id),
        version=household.version,
        external_id=household.external_id,
        source_system=household.source_system,
    )


async def record_personal_data_read(
    session: AsyncSession, principal: Principal, household: Household, *, what: str
) -> None:
    """Reading unmasked ID numbers, phones, accounts or health details leaves a trace (no change-feed entry)."""
    if principal.pii:
        await audit.record_on(
            session,
            household_target(household),
            actor=principal.as_actor(),
            action="household.personal_data_read",
            changes={"read": [None, what]},
            feed=False,
        )


# ---------------------------------------------------------------- outputs


def _member_view(member: Member, head_member_id: int | None) -> Any:
    return record_view(member, id=member.public_id, is_head=member.id == head_member_id)


async def personal_view(session: AsyncSession, principal: Principal) -> dict[str, Any]:
    """How personal data is shown to the caller: by its pii permission; health details to a line department by
    its field (健康), whatever its pii permission."""
    return presentation(pii=principal.pii, health=await sees_health(session, principal))


def member_out(
    principal: Principal, member: Member, *, head_member_id: int | None, view: dict[str, Any] | None = None
) -> MemberOut:
    context = view if view is not None else presentation(pii=principal.pii)
    return MemberOut.model_validate(_member_view(member, head_member_id), context=context)


def members_out(
    principal: Principal, members: list[Member], *, head_member_id: int | None, view: dict[str, Any] | None = None
) -> list[MemberOut]:
    return [member_out(principal, m, head_member_id=head_member_id, view=view) for m in members]


async def household_out(
    session: AsyncSession, principal: Principal, household: Household, members: list[Member] | None = None
) -> HouseholdOut:
    if members is None:
        members = await repo.members_of(session, household)
    code = household.village_code
    township, county = code[:9] + "000", code[:6] + "000000"
    names = await regions.names(session, [code, township, county])
    head = next((m for m in members if m.id == household.head_member_id), None)
    view = record_view(
        household,
        id=household.public_id,
        group=household.group_name,
        village_name=names.get(code),
        township_name=names.get(township),
        county_name=names.get(county),
        head_member_id=head.public_id if head else None,
        secondary_causes=list(household.secondary_causes or []),
        members=[_member_view(m, household.head_member_id) for m in members],
    )
    return HouseholdOut.model_validate(view, context=await personal_view(session, principal))


def income_out(income: Income, line: PovertyLine | None) -> IncomeOut:
    total = income.wage_income + income.production_income + income.property_income + income.transfer_income
    return IncomeOut.model_validate(
        record_view(
            income,
            total_income=total,
            poverty_line=line.amount if line else None,
            above_line=(income.per_capita_net_income > line.amount) if line else None,
        )
    )


def assessment_out(assessment: Assessment) -> AssessmentOut:
    return AssessmentOut.model_validate(
        record_view(assessment, all_met=all(getattr(assessment, k) for k in ASSESSMENT_ITEMS))
    )
