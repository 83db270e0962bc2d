"""HTTP routes of household members and the head of household."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Response

from fupin.authz.deps import HouseholdReader, HouseholdWriter
from fupin.core.concurrency import IfMatchRequired, etag, parse_if_match
from fupin.core.db import DbSession
from fupin.core.errors import field_error
from fupin.core.openapi import UPDATE, WRITE, problems
from fupin.households import members, presenters
from fupin.households import repository as repo
from fupin.households.fields import RemoveReason
from fupin.households.member_schemas import HeadChange, MemberAdd, MemberList, MemberOut, MemberUpdate
from fupin.households.schemas import HouseholdOut

router = APIRouter(prefix="/api/v1/households", tags=["households"])
EARLIEST_CHANGE = date(2000, 1, 1)


@router.get(
    "/{household_id}/members",
    response_model=MemberList,
    operation_id="members-list",
    responses=problems(403, 404),
)
async def list_members(
    household_id: uuid.UUID, session: DbSession, principal: HouseholdReader, include_removed: bool = False
) -> MemberList:
    household = await repo.get_household(session, principal.scope, household_id)
    await presenters.record_personal_data_read(session, principal, household, what="members")
    rows = await repo.members_of(session, household, include_removed=include_removed)
    view = await presenters.personal_view(session, principal)
    return MemberList(items=presenters.members_out(principal, rows, head_member_id=household.head_member_id, view=view))


@router.post(
    "/{household_id}/members",
    response_model=MemberOut,
    status_code=201,
    operation_id="members-add",
    responses=problems(*WRITE),
)
async def add_member(
    household_id: uuid.UUID,
    body: MemberAdd,
    session: DbSession,
    principal: HouseholdWriter,
    response: Response,
) -> MemberOut:
    member = await members.add_member(session, principal, household_id=household_id, data=body)
    response.headers["Location"] = f"/api/v1/households/{household_id}/members/{member.public_id}"
    response.headers["ETag"] = etag(member.version)
    view = await presenters.personal_view(session, principal)
    return presenters.member_out(principal, member, head_member_id=None, view=view)


@router.patch(
    "/{household_id}/members/{member_id}",
    response_model=MemberOut,
    operation_id="members-update",
    responses=problems(*UPDATE),
)
async def update_member(
    household_id: uuid.UUID,
    member_id: uuid.UUID,
    body: MemberUpdate,
    session: DbSession,
    principal: HouseholdWriter,
    response: Response,
    if_match: IfMatchRequired = None,
) -> MemberOut:
    member, household = await members.update_member(
        session,
        principal,
        household_id=household_id,
        member_id=member_id,
        expected_version=parse_if_match(if_match),
        data=body,
    )
    response.headers["ETag"] = etag(member.version)
    view = await presenters.personal_view(session, principal)
    return presenters.member_out(principal, member, head_member_id=household.head_member_id, view=view)


@router.delete(
    "/{household_id}/members/{member_id}",
    status_code=204,
    operation_id="members-remove",
    responses=problems(*UPDATE),
)
async def remove_member(
    household_id: uuid.UUID,
    member_id: uuid.UUID,
    session: DbSession,
    principal: HouseholdWriter,
    reason: Annotated[RemoveReason, Query(description="member_remove_reason code: death, married_out, ...")],
    removed_on: date | None = None,
    new_head_member_id: uuid.UUID | None = None,
    note: Annotated[str | None, Query(max_length=500, pattern=r"^[^\x00-\x08\x0b-\x1f\x7f]*$")] = None,
    if_match: IfMatchRequired = None,
) -> Response:
    """A member leaves the household (死亡, 嫁出 ...). The member is kept as history, never deleted."""
    if removed_on is not None and (removed_on > date.today() or removed_on < EARLIEST_CHANGE):
        raise field_error("/query/removed_on", "date.out_of_range", "变更日期须在 2000-01-01 至今天之间")
    household = await members.remove_member(
        session,
        principal,
        household_id=household_id,
        member_id=member_id,
        expected_version=parse_if_match(if_match),
        reason=reason,
        removed_on=removed_on,
        new_head_id=new_head_member_id,
        note=note,
    )
    return Response(status_code=204, headers={"ETag": etag(household.version)})


@router.post(
    "/{household_id}/head",
    response_model=HouseholdOut,
    operation_id="households-change-head",
    responses=problems(*UPDATE),
)
async def change_head(
    household_id: uuid.UUID,
    body: HeadChange,
    session: DbSession,
    principal: HouseholdWriter,
    response: Response,
    if_match: IfMatchRequired = None,
) -> HouseholdOut:
    household = await members.change_head(
        session, principal, household_id=household_id, expected_version=parse_if_match(if_match), data=body
    )
    response.headers["ETag"] = etag(household.version)
    return await presenters.household_out(session, principal, household)
