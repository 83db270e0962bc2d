"""A project's funds: allocations by source (资金下达, with the allocating document) and disbursements against
vouchers (报账), which never exceed the allocation of their source; corrections (冲正) are new negative entries
naming the disbursement they correct, never edits or deletes.

Rules (docs/funds.md):
- An allocation's amount is > 0 with two decimals at most; allocated_on and published_on are not after today.
- A disbursement's amount is not zero. A positive one names no `corrects_id`; a negative one must (422
  `funds.correction_target_required`): a disbursement of the same project and source that is not a correction
  itself, and at most its remaining net (422 `funds.correction_exceeds`).
- A payment never takes a source past its allocation: 409 `funds.overdraft` naming the figures. The project row is
  locked (`writable_project`) so two concurrent payments cannot both pass the check.
- Writes go to projects of the caller's area (404), of a department's field (403), not removed (409
  `funds.project_removed`). A payment after completion is recorded (the anomaly list shows it).
- Which allocation a disbursement uses: the source's net disbursements fill its allocations oldest first
  (allocated_on, then the order recorded). An allocation made more than 12 months before today with a remainder is
  idle (资金闲置) for that remainder.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from fupin.audit import chain as audit
from fupin.authz.principal import Principal
from fupin.core.errors import ProblemError, field_error
from fupin.core.schemas import record_view
from fupin.households.models import Household
from fupin.projects import clock
from fupin.projects.audit_target import project_target
from fupin.projects.evidence import check_evidence
from fupin.projects.fund_schemas import (
    AllocationIn,
    AllocationOut,
    DisbursementIn,
    DisbursementOut,
    ProjectFunds,
    SourceFunds,
)
from fupin.projects.models import FundAllocation, FundDisbursement, Project
from fupin.projects.repository import get_project, writable_project

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
SHARE = Decimal("0.0001")
FUTURE = "日期不能晚于今天 (the date is in the future)"


def idle_cutoff(today: date) -> date:
    """The day 12 months before `today` (29 February: the 28th): an allocation made before it is old enough to
    be idle."""
    try:
        return today.replace(year=today.year - 1)
    except ValueError:
        return today.replace(year=today.year - 1, day=28)


def rate(disbursed: Decimal, allocated: Decimal) -> str | None:
    if allocated.is_zero():
        return None
    return str((disbursed / allocated).quantize(SHARE))


def money(value: Any) -> str:
    return str(Decimal(value or 0).quantize(CENT))


def fill(amounts: Sequence[Decimal], disbursed: Decimal) -> list[Decimal]:
    """The part of each allocation (oldest first) the source's net disbursements use."""
    used: list[Decimal] = []
    left = max(disbursed, ZERO)
    for amount in amounts:
        part = min(amount, left)
        used.append(part)
        left -= part
    return used


def _check_not_removed(project: Project) -> None:
    if project.stage == "removed":
        raise ProblemError(
            409, "funds.project_removed", "已出库的项目不能再下达或支付资金 (the project was removed from the library)"
        )


def _check_past(pointer: str, value: date | None) -> None:
    if value is not None and value > clock.today():
        raise field_error(pointer, "date.out_of_range", FUTURE)


async def _allocations(session: AsyncSession, project: Project) -> list[FundAllocation]:
    stmt = (
        select(FundAllocation)
        .where(FundAllocation.project_id == project.id)
        .order_by(FundAllocation.allocated_on, FundAllocation.id)
    )
    return list((await session.execute(stmt)).scalars())


async def _disbursements(session: AsyncSession, project: Project) -> list[FundDisbursement]:
    stmt = select(FundDisbursement).where(FundDisbursement.project_id == project.id).order_by(FundDisbursement.id)
    return list((await session.execute(stmt)).scalars())


async def _source_sums(session: AsyncSession, model: Any, project: Project, source: str) -> Decimal:
    stmt = select(func.coalesce(func.sum(model.amount), 0)).where(
        model.project_id == project.id, model.source == source
    )
    return Decimal((await session.execute(stmt)).scalar_one()).quantize(CENT)


def _allocation_views(
    allocations: list[FundAllocation], disbursements: list[FundDisbursement]
) -> dict[int, tuple[Decimal, Decimal]]:
    """allocation pk → (disbursed from it, still available)."""
    net: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for d in disbursements:
        net[d.source] += d.amount
    by_source: dict[str, list[FundAllocation]] = defaultdict(list)
    for a in allocations:
        by_source[a.source].append(a)
    out: dict[int, tuple[Decimal, Decimal]] = {}
    for source, items in by_source.items():
        for a, used in zip(items, fill([a.amount for a in items], net[source]), strict=True):
            out[a.id] = (used, a.amount - used)
    return out


def allocation_out(project: Project, allocation: FundAllocation, disbursed: Decimal) -> AllocationOut:
    return AllocationOut.model_validate(
        record_view(
            allocation,
            id=allocation.public_id,
            project_id=project.public_id,
            disbursed=disbursed,
            available=allocation.amount - disbursed,
        )
    )


async def list_allocations(
    session: AsyncSession, principal: Principal, *, project_id: uuid.UUID
) -> list[AllocationOut]:
    """Oldest first (allocated_on, then as recorded): the order their source's disbursements use them."""
    project = await get_project(session, principal.scope, project_id)
    allocations = await _allocations(session, project)
    views = _allocation_views(allocations, await _disbursements(session, project))
    return [allocation_out(project, a, views[a.id][0]) for a in allocations]


async def create_allocation(
    session: AsyncSession, principal: Principal, *, project_id: uuid.UUID, data: AllocationIn
) -> AllocationOut:
    project = await writable_project(session, principal, project_id)
    _check_not_removed(project)
    _check_past("/allocated_on", data.allocated_on)
    _check_past("/published_on", data.published_on)
    allocation = FundAllocation(
        public_id=uuid.uuid4(),
        project_id=project.id,
        source=data.source,
        amount=data.amount,
        document_no=data.document_no,
        allocated_on=data.allocated_on,
        published_on=data.published_on,
        actor_name=principal.as_actor().name,
    )
    session.add(allocation)
    await session.flush()
    await audit.record_on(
        session,
        project_target(project, entity_type="fund_allocation", entity_id=str(allocation.public_id)),
        actor=principal.as_actor(),
        action="fund_allocation.created",
        changes={
            "project_id": [None, str(project.public_id)],
            "project_code": [None, project.code],
            "source": [None, data.source],
            "amount": [None, money(data.amount)],
            "document_no": [None, data.document_no],
            "allocated_on": [None, data.allocated_on.isoformat()],
            "published_on": [None, data.published_on.isoformat() if data.published_on else None],
        },
    )
    views = _allocation_views(await _allocations(session, project), await _disbursements(session, project))
    return allocation_out(project, allocation, views[allocation.id][0])


def _disbursement_outs(
    project: Project, disbursements: list[FundDisbursement], households: dict[int, uuid.UUID]
) -> dict[int, DisbursementOut]:
    by_pk = {d.id: d for d in disbursements}
    corrections: dict[int, list[FundDisbursement]] = defaultdict(list)
    for d in disbursements:
        if d.corrects_id is not None:
            corrections[d.corrects_id].append(d)
    out: dict[int, DisbursementOut] = {}
    for d in disbursements:
        fixes = corrections.get(d.id, [])
        out[d.id] = DisbursementOut.model_validate(
            record_view(
                d,
                id=d.public_id,
                project_id=project.public_id,
                payee_household_id=households.get(d.payee_household_id) if d.payee_household_id else None,
                corrects_id=by_pk[d.corrects_id].public_id if d.corrects_id in by_pk else None,
                corrected_by=[c.public_id for c in fixes],
                net=d.amount + sum((c.amount for c in fixes), ZERO),
                evidence_ids=[str(e) for e in d.evidence_ids],
            )
        )
    return out


async def _household_ids(session: AsyncSession, disbursements: list[FundDisbursement]) -> dict[int, uuid.UUID]:
    pks = {d.payee_household_id for d in disbursements if d.payee_household_id is not None}
    if not pks:
        return {}
    # the payee of a project's payment, read through the (scoped) project
    from fupin.authz.scope import unscoped

    stmt = select(Household.id, Household.public_id).where(Household.id.in_(pks))
    rows = await session.execute(stmt.execution_options(**unscoped("payees of a scoped project's payments")))
    return {pk: public_id for pk, public_id in rows.all()}


async def list_disbursements(
    session: AsyncSession, principal: Principal, *, project_id: uuid.UUID
) -> list[DisbursementOut]:
    """Newest paid first (then newest recorded first)."""
    project = await get_project(session, principal.scope, project_id)
    disbursements = await _disbursements(session, project)
    outs = _disbursement_outs(project, disbursements, await _household_ids(session, disbursements))
    ordered = sorted(disbursements, key=lambda d: (d.paid_on, d.id), reverse=True)
    return [outs[d.id] for d in ordered]


def overdraft(source: str, *, allocated: Decimal, disbursed: Decimal, requested: Decimal) -> ProblemError:
    available = max(allocated - disbursed, ZERO)
    figures = {
        "source": source,
        "allocated": money(allocated),
        "disbursed": money(disbursed),
        "requested": money(requested),
        "available": money(available),
    }
    detail = (
        f"超出该资金来源的下达额度: 已下达 {figures['allocated']} 元, 已支付 {figures['disbursed']} 元, "
        f"本次 {figures['requested']} 元, 可支付 {figures['available']} 元 "
        f"(the payment exceeds the allocation of source {source}: allocated {figures['allocated']}, disbursed "
        f"{figures['disbursed']}, requested {figures['requested']}, available {figures['available']})"
    )
    return ProblemError(409, "funds.overdraft", detail, extra=figures)


async def _corrected(session: AsyncSession, project: Project, data: DisbursementIn) -> FundDisbursement | None:
    """The disbursement a negative amount corrects, checked."""
    if data.amount > 0:
        if data.corrects_id is not None:
            raise field_error(
                "/corrects_id",
                "funds.correction_not_negative",
                "冲正金额须为负数 (only a negative amount corrects a disbursement)",
            )
        return None
    if data.corrects_id is None:
        raise field_error(
            "/corrects_id",
            "funds.correction_target_required",
            "负数金额为冲正, 须指明被冲正的支付记录 (a negative amount is a correction: name the disbursement)",
        )
    stmt = select(FundDisbursement).where(
        FundDisbursement.project_id == project.id, FundDisbursement.public_id == data.corrects_id
    )
    target = (await session.execute(stmt)).scalar_one_or_none()
    if target is None:
        raise field_error(
            "/corrects_id",
            "funds.correction_target_unknown",
            "本项目没有该支付记录 (no such disbursement of the project)",
        )
    if target.corrects_id is not None:
        raise field_error(
            "/corrects_id", "funds.correction_of_correction", "冲正记录不能再被冲正 (a correction cannot be corrected)"
        )
    if target.source != data.source:
        raise field_error(
            "/source",
            "funds.correction_source",
            "冲正的资金来源须与被冲正的支付相同 (the correction's source differs from the disbursement's)",
        )
    stmt_net = select(func.coalesce(func.sum(FundDisbursement.amount), 0)).where(
        FundDisbursement.corrects_id == target.id
    )
    remaining = target.amount + Decimal((await session.execute(stmt_net)).scalar_one())
    if -data.amount > remaining:
        raise field_error(
            "/amount",
            "funds.correction_exceeds",
            f"冲正金额超过被冲正支付的剩余金额 {money(remaining)} 元 (more than the disbursement's remaining net)",
        )
    if data.paid_on < target.paid_on:
        raise field_error(
            "/paid_on",
            "funds.correction_before_payment",
            "冲正日期不能早于被冲正支付的日期 (a correction is dated on or after the payment)",
        )
    return target


async def _payee(session: AsyncSession, principal: Principal, household_id: uuid.UUID | None) -> Household | None:
    if household_id is None:
        return None
    stmt = principal.scope.select(Household).where(Household.public_id == household_id)
    household = (await session.execute(stmt)).scalar_one_or_none()
    if household is None:
        raise field_error(
            "/payee_household_id", "funds.payee_unknown", "该户不存在或不在您的管辖范围内 (no such household)"
        )
    return household


async def create_disbursement(
    session: AsyncSession, principal: Principal, *, project_id: uuid.UUID, data: DisbursementIn
) -> DisbursementOut:
    project = await writable_project(session, principal, project_id)  # locked: the source's sums hold
    _check_not_removed(project)
    _check_past("/paid_on", data.paid_on)
    corrected = await _corrected(session, project, data)
    payee = await _payee(session, principal, data.payee_household_id)
    await check_evidence(session, project, data.evidence_ids)
    if data.amount > 0:
        allocated = await _source_sums(session, FundAllocation, project, data.source)
        disbursed = await _source_sums(session, FundDisbursement, project, data.source)
        if disbursed + data.amount > allocated:
            raise overdraft(data.source, allocated=allocated, disbursed=disbursed, requested=data.amount)
    disbursement = FundDisbursement(
        public_id=uuid.uuid4(),
        project_id=project.id,
        source=data.source,
        amount=data.amount,
        paid_on=data.paid_on,
        payee=data.payee,
        payee_household_id=payee.id if payee else None,
        purpose=data.purpose,
        voucher_no=data.voucher_no,
        stage=data.stage,
        corrects_id=corrected.id if corrected else None,
        evidence_ids=[str(e) for e in data.evidence_ids],
        actor_name=principal.as_actor().name,
    )
    session.add(disbursement)
    await session.flush()
    target = project_target(project, entity_type="fund_disbursement", entity_id=str(disbursement.public_id))
    if payee is not None:
        # a payment to a household (直补到户) joins the household's trail (操作记录)
        target = audit.Target(
            entity_type=target.entity_type,
            entity_id=target.entity_id,
            region_code=target.region_code,
            subject_id=str(payee.public_id),
            external_id=target.external_id,
            source_system=target.source_system,
        )
    changes: dict[str, list[Any]] = {
        "project_id": [None, str(project.public_id)],
        "project_code": [None, project.code],
        "source": [None, data.source],
        "amount": [None, money(data.amount)],
        "paid_on": [None, data.paid_on.isoformat()],
        "payee": [None, data.payee],
        "purpose": [None, data.purpose],
        "voucher_no": [None, data.voucher_no],
        "stage": [None, data.stage],
    }
    if payee is not None:
        changes["payee_household_id"] = [None, str(payee.public_id)]
    if corrected is not None:
        changes["corrects_id"] = [None, str(corrected.public_id)]
    if data.evidence_ids:
        changes["evidence_ids"] = [None, [str(e) for e in data.evidence_ids]]
    await audit.record_on(
        session, target, actor=principal.as_actor(), action="fund_disbursement.created", changes=changes
    )
    disbursements = await _disbursements(session, project)
    outs = _disbursement_outs(project, disbursements, {payee.id: payee.public_id} if payee else {})
    return outs[disbursement.id]


def figures(allocations: Sequence[tuple[str, date, Decimal]], net: dict[str, Decimal], today: date) -> ProjectFunds:
    """The project's figures from its allocations (source, day, amount; oldest first) and net disbursed by source."""
    cutoff = idle_cutoff(today)
    by_source: dict[str, list[tuple[date, Decimal]]] = defaultdict(list)
    for source, on, amount in allocations:
        by_source[source].append((on, amount))
    sources = sorted(set(by_source) | set(net))
    rows: list[SourceFunds] = []
    for source in sources:
        items = by_source.get(source, [])
        allocated = sum((a for _, a in items), ZERO)
        disbursed = net.get(source, ZERO)
        used = fill([a for _, a in items], disbursed)
        idle = sum((a - u for (on, a), u in zip(items, used, strict=True) if on < cutoff), ZERO)
        rows.append(
            SourceFunds(
                source=source,
                allocated=allocated,
                disbursed=disbursed,
                available=allocated - disbursed,
                rate=rate(disbursed, allocated),
                idle=idle,
            )
        )
    allocated = sum((r.allocated for r in rows), ZERO)
    disbursed = sum((r.disbursed for r in rows), ZERO)
    return ProjectFunds(
        allocated=allocated,
        disbursed=disbursed,
        available=allocated - disbursed,
        rate=rate(disbursed, allocated),
        idle=sum((r.idle for r in rows), ZERO),
        by_source=rows,
    )


async def project_funds(session: AsyncSession, principal: Principal, *, project_id: uuid.UUID) -> ProjectFunds:
    project = await get_project(session, principal.scope, project_id)
    allocations = [(a.source, a.allocated_on, a.amount) for a in await _allocations(session, project)]
    net: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for d in await _disbursements(session, project):
        net[d.source] += d.amount
    return figures(allocations, dict(net), clock.today())
