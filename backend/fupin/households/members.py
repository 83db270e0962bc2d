"""Members of a household: joining (新增), corrections, leaving (减少, kept as history) and the head (户主)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from fupin.audit import chain as audit
from fupin.authz.principal import Principal
from fupin.core.concurrency import check_version
from fupin.core.errors import FieldError, ProblemError, field_error
from fupin.households import repository as repo
from fupin.households import stats
from fupin.households.member_schemas import HeadChange, MemberAdd, MemberFields, MemberUpdate, member_fields_of
from fupin.households.models import Household, Member
from fupin.households.presenters import MEMBER_AUDITED, household_target, member_target
from fupin.households.service import new_member, refresh_member_summary, require_unique_people


async def _record_member_count(
    session: AsyncSession, principal: Principal, household: Household, *, before: int
) -> None:
    await audit.record_on(
        session,
        household_target(household),
        actor=principal.as_actor(),
        action="household.updated",
        changes={"member_count": [before, household.member_count]},
    )


async def add_member(
    session: AsyncSession, principal: Principal, *, household_id: uuid.UUID, data: MemberAdd
) -> Member:
    household = await repo.get_household(session, principal.scope, household_id, for_update=True)
    stats_before = stats.snapshot(household)
    if household.status == "removed":
        raise ProblemError(409, "household.removed", "已注销的贫困户不能变更成员")
    if data.relation == "01":
        raise field_error(
            "/relation",
            "member.second_head",
            "户主只能有一名; 请先添加成员再变更户主 (use the head endpoint to change the head)",
        )
    await require_unique_people(session, principal, [("/id_number", data.id_number)])
    member = new_member(data, household=household, reason=data.reason, on=data.changed_on)
    count_before = household.member_count
    async with audit.tracked(
        session,
        member,
        actor=principal.as_actor(),
        action="member.added",
        fields=MEMBER_AUDITED,
        created=True,
        extra={"reason": [None, data.reason]},
        target=lambda: member_target(member, household),
    ):
        session.add(member)
        await session.flush()
        await refresh_member_summary(session, household)
    await _record_member_count(session, principal, household, before=count_before)
    await stats.move(session, stats_before, household)
    return member


def _validated_update(member: Member, sent: dict[str, Any]) -> MemberFields:
    """The member's fields with the sent ones merged in, validated as a whole (so an ID number and the birth date
    it implies stay in agreement); errors point at the sent fields."""
    merged = member_fields_of(member) | sent
    if "id_number" in sent or "id_type" in sent:
        # derived again from the new number unless sent with it
        merged.setdefault("birth_date", None) if "birth_date" in sent else merged.update(birth_date=None)
        merged.setdefault("gender", None) if "gender" in sent else merged.update(gender=None)
    try:
        return MemberFields.model_validate(merged)
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


async def update_member(
    session: AsyncSession,
    principal: Principal,
    *,
    household_id: uuid.UUID,
    member_id: uuid.UUID,
    expected_version: int | None,
    data: MemberUpdate,
) -> tuple[Member, Household]:
    household = await repo.get_household(session, principal.scope, household_id, for_update=True)
    member = await repo.get_member(session, household, member_id)
    check_version(expected_version, member.version)
    if not member.active:
        raise ProblemError(409, "member.removed", "已移出的成员不能修改 (member was removed)")
    sent = data.sent()
    if "relation" in sent and (sent["relation"] == "01") != (member.id == household.head_member_id):
        raise field_error("/relation", "member.head_relation", "户主关系请通过变更户主操作修改 (use the head endpoint)")
    validated = _validated_update(member, sent)
    if validated.id_number != member.id_number:
        await require_unique_people(session, principal, [("/id_number", validated.id_number)])
    async with audit.tracked(
        session,
        member,
        actor=principal.as_actor(),
        action="member.updated",
        fields=MEMBER_AUDITED,
        target=lambda: member_target(member, household),
        touch=True,
        when_changed=lambda: refresh_member_summary(session, household),
    ):
        for key, value in validated.model_dump().items():
            setattr(member, key, value)
    return member, household


async def remove_member(
    session: AsyncSession,
    principal: Principal,
    *,
    household_id: uuid.UUID,
    member_id: uuid.UUID,
    expected_version: int | None,
    reason: str,
    removed_on: date | None,
    new_head_id: uuid.UUID | None,
    note: str | None,
) -> Household:
    household = await repo.get_household(session, principal.scope, household_id, for_update=True)
    stats_before = stats.snapshot(household)
    member = await repo.get_member(session, household, member_id)
    check_version(expected_version, member.version)
    if not member.active:
        raise ProblemError(409, "member.removed", "该成员已移出 (member already removed)")
    active = await repo.members_of(session, household)
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
    async with audit.tracked(
        session,
        member,
        actor=principal.as_actor(),
        action="member.removed",
        fields=MEMBER_AUDITED,
        target=lambda: member_target(member, household),
        touch=True,
    ):
        member.active = False
        member.removed_reason = reason
        member.removed_on = removed_on or date.today()
        member.removal_note = note
    if new_head is not None:
        await _set_head(session, principal, household=household, new_head=new_head, previous_relation=None)
    count_before = household.member_count
    await refresh_member_summary(session, household)
    await _record_member_count(session, principal, household, before=count_before)
    await stats.move(session, stats_before, household)
    return household


async def _set_head(
    session: AsyncSession,
    principal: Principal,
    *,
    household: Household,
    new_head: Member,
    previous_relation: str | None,
) -> None:
    old_head_id = household.head_member_id
    if old_head_id is not None and previous_relation is not None:
        old = next((m for m in await repo.members_of(session, household) if m.id == old_head_id), None)
        if old is not None:
            old.relation = previous_relation
    before = {"head_member_id": old_head_id, "head_name": household.head_name}
    new_head.relation = "01"
    household.head_member_id = new_head.id
    household.head_name = new_head.name
    await session.flush()
    await audit.record_on(
        session,
        household_target(household),
        actor=principal.as_actor(),
        action="household.head_changed",
        changes=audit.diff(before, {"head_member_id": new_head.id, "head_name": new_head.name}),
    )


async def change_head(
    session: AsyncSession,
    principal: Principal,
    *,
    household_id: uuid.UUID,
    expected_version: int | None,
    data: HeadChange,
) -> Household:
    household = await repo.get_household(session, principal.scope, household_id, for_update=True)
    check_version(expected_version, household.version)
    member = await repo.get_member(session, household, data.member_id)
    if not member.active:
        raise field_error("/member_id", "member.removed", "已移出的成员不能成为户主")
    if member.id == household.head_member_id:
        raise field_error("/member_id", "household.head_unchanged", "该成员已是户主")
    await _set_head(
        session, principal, household=household, new_head=member, previous_relation=data.previous_head_relation
    )
    await refresh_member_summary(session, household)
    return household
