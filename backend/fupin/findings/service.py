"""The rules of supervision findings (督查问题): a finding is raised (待整改) by an inspector or an office for a
region within the caller's area, with links to the records it is about (each found through the caller's area);
its number is the next of its year, gap-free. Its fields may change while it is open. Every write is audited on
the finding's trail (a link to a household also on the household's) and enters its area's change feed."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from fupin.audit import chain as audit
from fupin.authz.principal import Principal
from fupin.authz.scope import unscoped
from fupin.core.concurrency import check_version
from fupin.core.errors import ProblemError, constraint_problem, field_error
from fupin.core.schemas import record_view
from fupin.findings import clock, deadlines
from fupin.findings import repository as repo
from fupin.findings.audit_target import finding_target
from fupin.findings.links import labelled
from fupin.findings.models import OPEN_STATES, Finding, FindingCounter, FindingLink, FindingStep
from fupin.findings.schemas import FindingCreate, FindingOut, FindingUpdate, LinkIn
from fupin.households.models import Household
from fupin.measures.models import Measure
from fupin.projects.models import FundDisbursement, Project
from fupin.regions.models import Region

AUDITED = (
    "year",
    "number",
    "source",
    "batch",
    "category",
    "severity",
    "timeframe",
    "description",
    "region_code",
    "lead_unit",
    "responsible_unit",
    "responsible_person",
    "raised_on",
    "deadline",
    "links",
    "state",
    "state_reason",
    "rectification",
    "closed_by",
    "closed_on",
    "reopened",
    "source_system",
    "external_id",
)

constraint_problem(
    "uq_findings_source_external",
    "findings.source_system, findings.external_id",
    code="finding.duplicate_external",
    detail="另一个问题已使用该外部编号 (another finding has this source_system and external_id)",
    pointer="/external_id",
)


def is_overdue(finding: Finding) -> bool:
    return finding.state != "closed" and finding.deadline < clock.today()


def link_values(links: Sequence[FindingLink]) -> list[dict[str, str]]:
    return [{"type": link.type, "id": str(link.target_id)} for link in links]


def _keep_links(finding: Finding, links: list[dict[str, str]]) -> None:
    # not a column: kept on the instance for the audit diff and the answer
    setattr(finding, "links", links)  # noqa: B010


async def _reopen_ids(
    session: AsyncSession, principal: Principal, finding: Finding
) -> tuple[uuid.UUID | None, uuid.UUID | None]:
    """The finding this one reopened (回头看) and the one that reopened it, as far as the caller sees them."""
    reopens = principal.scope.select(Finding.public_id, area_of=Finding).where(Finding.reopened_by_id == finding.id)
    old = (await session.execute(reopens.limit(1))).scalar_one_or_none()
    new = None
    if finding.reopened_by_id is not None:
        by = principal.scope.select(Finding.public_id, area_of=Finding).where(Finding.id == finding.reopened_by_id)
        new = (await session.execute(by)).scalar_one_or_none()
    return old, new


async def finding_out(session: AsyncSession, principal: Principal, finding: Finding) -> FindingOut:
    links = getattr(finding, "links", None)
    if links is None:
        links = link_values(await repo.links_of(session, finding))
    reopens_id, reopened_by_id = await _reopen_ids(session, principal, finding)
    return FindingOut.model_validate(
        record_view(
            finding,
            id=finding.public_id,
            links=await labelled(session, principal, links),
            overdue=is_overdue(finding),
            reopens_id=reopens_id,
            reopened_by_id=reopened_by_id,
        )
    )


async def check_region(session: AsyncSession, principal: Principal, code: str) -> None:
    """A known region within the caller's area (422 `region.unknown` at `/region_code` otherwise: outside the area
    is answered as unknown)."""
    stmt = (
        select(Region.code)
        .where(Region.code == code)
        .execution_options(**unscoped("a region code is checked against the region tree"))
    )
    if (await session.execute(stmt)).first() is None or not principal.scope.contains(code):
        raise field_error("/region_code", "region.unknown", "区划不存在或不在您的管辖范围内")


async def _linked_household(session: AsyncSession, principal: Principal, link: LinkIn) -> Household | None:
    stmt = principal.scope.select(Household).where(Household.public_id == link.id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def _found(session: AsyncSession, principal: Principal, link: LinkIn) -> bool:
    scope = principal.scope
    stmt: Any
    if link.type == "household":
        stmt = scope.select(Household.id, area_of=Household).where(Household.public_id == link.id)
    elif link.type == "measure":
        stmt = scope.select(Measure.id, area_of=Measure).where(Measure.public_id == link.id)
    elif link.type == "project":
        stmt = scope.select(Project.id, area_of=Project).where(Project.public_id == link.id)
    else:  # a disbursement is where its project is
        stmt = (
            scope.select(FundDisbursement.id, area_of=Project)
            .join(Project, Project.id == FundDisbursement.project_id)
            .where(FundDisbursement.public_id == link.id)
        )
    return (await session.execute(stmt.limit(1))).first() is not None


async def check_links(session: AsyncSession, principal: Principal, links: Sequence[LinkIn]) -> None:
    """Every linked record is found through the caller's area (422 `finding.link_unknown` at `/links/<i>/id`)."""
    for i, link in enumerate(links):
        if not await _found(session, principal, link):
            raise field_error(
                f"/links/{i}/id",
                "finding.link_unknown",
                "关联记录不存在或不在您的管辖范围内 (no such record in your area)",
            )


async def next_number(session: AsyncSession, year: int) -> int:
    """The next number of the year: the counter row locked for update (created once per year), so two findings
    never share a number and a refused request, rolled back, leaves no gap."""
    stmt = select(FindingCounter).where(FindingCounter.year == year).with_for_update()
    counter = (await session.execute(stmt)).scalar_one_or_none()
    if counter is None:
        try:
            async with session.begin_nested():
                session.add(FindingCounter(year=year, last_value=0))
        except IntegrityError:  # another request created it meanwhile: lock theirs
            pass
        counter = (await session.execute(stmt)).scalar_one()
    counter.last_value += 1
    await session.flush()
    return counter.last_value


def _household_link_target(finding: Finding, household: Household) -> audit.Target:
    return audit.Target(
        entity_type="finding_link",
        entity_id=str(uuid.uuid5(finding.public_id, str(household.public_id))),
        region_code=household.village_code,
        subject_id=str(household.public_id),
        external_id=household.external_id,
        source_system=household.source_system,
    )


async def _write_links(
    session: AsyncSession,
    principal: Principal,
    finding: Finding,
    *,
    old: list[dict[str, str]],
    new: Sequence[LinkIn],
) -> list[dict[str, str]]:
    """Replace the finding's links; a household linked or unlinked gets the event on its own trail."""
    await session.execute(delete(FindingLink).where(FindingLink.finding_id == finding.id))
    session.add_all(
        FindingLink(finding_id=finding.id, position=i, type=link.type, target_id=link.id) for i, link in enumerate(new)
    )
    values = [{"type": link.type, "id": str(link.id)} for link in new]
    old_households = {v["id"] for v in old if v["type"] == "household"}
    new_households = {v["id"] for v in values if v["type"] == "household"}
    changes = {"finding_id": str(finding.public_id), "finding_number": f"{finding.year}-{finding.number}"}
    for household_id, action, linked in [
        *((h, "finding_link.linked", True) for h in sorted(new_households - old_households)),
        *((h, "finding_link.unlinked", False) for h in sorted(old_households - new_households)),
    ]:
        stmt = principal.scope.select(Household).where(Household.public_id == uuid.UUID(household_id))
        household = (await session.execute(stmt)).scalar_one_or_none()
        if household is None:  # an old link the caller no longer sees: its trail is not the caller's to write
            continue
        await audit.record_on(
            session,
            _household_link_target(finding, household),
            actor=principal.as_actor(),
            action=action,
            changes={k: [None, v] if linked else [v, None] for k, v in changes.items()},
        )
    return values


def add_step(
    session: AsyncSession,
    principal: Principal,
    finding: Finding,
    *,
    from_state: str | None,
    to_state: str,
    reason: str | None = None,
    evidence_ids: Sequence[uuid.UUID] = (),
) -> None:
    actor = principal.as_actor()
    session.add(
        FindingStep(
            finding_id=finding.id,
            from_state=from_state,
            to_state=to_state,
            reason=reason,
            evidence_ids=[str(e) for e in evidence_ids],
            actor_type=actor.type,
            actor_id=actor.id,
            actor_name=actor.name,
        )
    )


async def _check_external_free(session: AsyncSession, source_system: str, external_id: str) -> None:
    stmt = (
        select(Finding.id)
        .where(Finding.source_system == source_system, Finding.external_id == external_id)
        .execution_options(**unscoped("an external key is unique across the system"))
    )
    if (await session.execute(stmt.limit(1))).first() is not None:
        raise field_error("/external_id", "finding.duplicate_external", "另一个问题已使用该外部编号", status=409)


async def _reopened(session: AsyncSession, principal: Principal, reopens_id: uuid.UUID) -> Finding:
    """The closed finding a 回头看 finds again: in the caller's area (422 `finding.reopens_unknown`), closed and
    not reopened yet (422 `finding.reopens_not_closed`)."""
    stmt = principal.scope.select(Finding).where(Finding.public_id == reopens_id).with_for_update()
    old = (await session.execute(stmt)).scalar_one_or_none()
    if old is None:
        raise field_error("/reopens_id", "finding.reopens_unknown", "问题不存在或不在您的管辖范围内")
    if old.state != "closed" or old.reopened:
        raise field_error(
            "/reopens_id",
            "finding.reopens_not_closed",
            "只有已销号且未被重新打开的问题才能“回头看”重新打开 (the finding is not closed or already reopened)",
        )
    return old


async def create_finding(session: AsyncSession, principal: Principal, *, data: FindingCreate) -> Finding:
    await check_region(session, principal, data.region_code)
    await check_links(session, principal, data.links)
    old = await _reopened(session, principal, data.reopens_id) if data.reopens_id is not None else None
    if data.source_system is not None and data.external_id is not None:
        await _check_external_free(session, data.source_system, data.external_id)
    year = data.raised_on.year
    number = await next_number(session, year)  # last: a refused request never takes a number
    finding = Finding(
        public_id=uuid.uuid4(),
        year=year,
        number=number,
        state="pending",
        reopened=False,
        **data.model_dump(exclude={"links", "reopens_id"}),
    )
    _keep_links(finding, [])
    async with audit.tracked(
        session,
        finding,
        actor=principal.as_actor(),
        action="finding.created",
        fields=AUDITED,
        created=True,
        target=lambda: finding_target(finding),
    ):
        session.add(finding)
        await session.flush()
        _keep_links(finding, await _write_links(session, principal, finding, old=[], new=data.links))
        add_step(session, principal, finding, from_state=None, to_state="pending")
    if old is not None:
        await _mark_reopened(session, principal, old, by=finding)
    return finding


async def _mark_reopened(session: AsyncSession, principal: Principal, old: Finding, *, by: Finding) -> None:
    _keep_links(old, link_values(await repo.links_of(session, old)))
    async with audit.tracked(
        session,
        old,
        actor=principal.as_actor(),
        action="finding.updated",
        fields=AUDITED,
        target=lambda: finding_target(old),
        touch=True,
        extra={"reopened_by": [None, str(by.public_id)]},
    ):
        old.reopened = True
        old.reopened_by_id = by.id


async def read_finding(session: AsyncSession, principal: Principal, *, finding_id: uuid.UUID) -> Finding:
    return await repo.get_finding(session, principal.scope, finding_id)


def check_open(finding: Finding) -> None:
    if finding.state not in OPEN_STATES:
        raise ProblemError(
            409,
            "finding.closed",
            "已销号或已移交纪委的问题不能修改 (the finding is closed or transferred)",
            extra={"state": finding.state},
        )


async def update_finding(
    session: AsyncSession,
    principal: Principal,
    *,
    finding_id: uuid.UUID,
    expected_version: int | None,
    data: FindingUpdate,
) -> Finding:
    finding = await repo.get_finding(session, principal.scope, finding_id, for_update=True)
    check_version(expected_version, finding.version)
    check_open(finding)
    sent: dict[str, Any] = data.sent()
    raised_on = sent.get("raised_on", finding.raised_on)
    deadline = sent.get("deadline", finding.deadline)
    if deadline < raised_on:
        pointer = "/deadline" if "deadline" in sent else "/raised_on"
        raise field_error(
            pointer, "finding.deadline_before_raised", "整改时限不能早于发现日期 (deadline is before raised_on)"
        )
    if raised_on.year != finding.year:
        raise field_error(
            "/raised_on", "finding.year_fixed", "发现日期不能改到其他年度 (the number belongs to the year)"
        )
    if "region_code" in sent:
        await check_region(session, principal, sent["region_code"])
    new_links: list[LinkIn] | None = None
    if "links" in sent:
        new_links = list(data.links or [])
        await check_links(session, principal, new_links)
        sent.pop("links")
    old_links = link_values(await repo.links_of(session, finding))
    _keep_links(finding, old_links)
    async with audit.tracked(
        session,
        finding,
        actor=principal.as_actor(),
        action="finding.updated",
        fields=AUDITED,
        target=lambda: finding_target(finding),
        touch=True,
    ):
        if new_links is not None:
            values = [{"type": link.type, "id": str(link.id)} for link in new_links]
            if values != old_links:
                _keep_links(finding, await _write_links(session, principal, finding, old=old_links, new=new_links))
        for key, value in sent.items():
            if getattr(finding, key) != value:
                setattr(finding, key, value)
    if "deadline" in sent or "raised_on" in sent:
        await session.flush()
        await deadlines.refresh_figures(session, finding, clock.today())  # the day figures follow a new deadline
    return finding
