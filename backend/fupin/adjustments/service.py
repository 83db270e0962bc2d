"""Adjustment windows (configure, read, apply) and pending changes (read, cancel). Services never commit.

For other modules (imports): `split_locked(session, household, sent=...)` tells which of the sent household fields
are locked now, `queue_pending(session, principal, household=..., kind="update", changes=...)` keeps them as a
pending change; the household service itself (`change_household`, `submit_transition`) uses the same two."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic_core import to_json
from sqlalchemy.ext.asyncio import AsyncSession

from fupin.adjustments import clock
from fupin.adjustments import repository as repo
from fupin.adjustments.gate import Outcome, locks_in_force, pending_out, pending_target, pending_view, queue_pending
from fupin.adjustments.gate import split_locked as split_locked
from fupin.adjustments.models import AdjustmentWindow, PendingChange
from fupin.adjustments.schemas import (
    CLOSES_BEFORE_OPENS,
    CLOSES_BEFORE_OPENS_MESSAGE,
    PendingChangeOut,
    PendingChangesQuery,
    WindowIn,
    WindowList,
    WindowOut,
    WindowUpdate,
)
from fupin.audit import chain as audit
from fupin.authz.principal import Principal
from fupin.authz.scope import within
from fupin.core.concurrency import check_version
from fupin.core.errors import ProblemError, field_error, not_found
from fupin.core.models import utcnow
from fupin.core.pagination import decode_key_cursor, key_page
from fupin.core.readpath import ReadPath
from fupin.jobs import service as jobs
from fupin.jobs.models import Job

__all__ = [
    "Outcome",
    "apply_window",
    "cancel_pending",
    "create_window",
    "get_pending",
    "list_windows",
    "locks_in_force",
    "page_json",
    "queue_pending",
    "split_locked",
    "update_window",
]
APPLY_KIND = "adjustments.apply"
CURSOR_KIND = "pending-changes"
WINDOW_FIELDS = ("year", "region_code", "opens_on", "closes_on", "note")


# ---------------------------------------------------------------- windows


def window_target(window: AdjustmentWindow) -> audit.Target:
    return audit.Target("adjustment_window", str(window.public_id), window.region_code, version=window.version)


def window_out(window: AdjustmentWindow, *, job: Job | None = None) -> WindowOut:
    return WindowOut(
        id=window.public_id,
        year=window.year,
        opens_on=window.opens_on,
        closes_on=window.closes_on,
        note=window.note,
        is_open=window.is_open_on(clock.today()),
        region_code=window.region_code,
        created_at=window.created_at,
        updated_at=window.updated_at,
        version=window.version,
        apply_job_id=job.public_id if job is not None else None,
    )


async def list_windows(session: AsyncSession, principal: Principal) -> WindowList:
    """The windows that cover the caller's area, and those of its parts, newest year first."""
    windows = await repo.windows_visible(session, principal.scope)
    return WindowList(items=[window_out(w) for w in windows])


async def _check_overlap(session: AsyncSession, window: AdjustmentWindow, *, exclude: int | None) -> None:
    other = await repo.overlapping(
        session,
        region_code=window.region_code,
        opens_on=window.opens_on,
        closes_on=window.closes_on,
        exclude=exclude,
    )
    if other is not None:
        raise field_error(
            "/opens_on",
            "adjustment_window.overlap",
            f"与调整期 {other.year} ({other.opens_on} 至 {other.closes_on}) 重叠 (overlaps window {other.public_id})",
            status=409,
        )


async def _apply_if_open(session: AsyncSession, principal: Principal, window: AdjustmentWindow) -> Job | None:
    """A window open today: queue the job that applies the pending changes it covers (same transaction)."""
    if not window.is_open_on(clock.today()):
        return None
    return await jobs.submit(
        session,
        principal,
        kind=APPLY_KIND,
        params={"window_id": str(window.public_id)},
        scope=principal.scope.narrowed_to(window.region_code),
    )


async def create_window(
    session: AsyncSession, principal: Principal, data: WindowIn
) -> tuple[AdjustmentWindow, Job | None]:
    """A window for the caller's area (city office: its city; admin: the whole system)."""
    window = AdjustmentWindow(
        region_code=principal.region_code,
        created_by_name=principal.name,
        **data.model_dump(),
    )
    await _check_overlap(session, window, exclude=None)
    session.add(window)
    await session.flush()
    after = audit.snapshot(window, WINDOW_FIELDS)
    await audit.record_on(
        session,
        window_target(window),
        actor=principal.as_actor(),
        action="adjustment_window.created",
        changes=audit.diff({}, after),
    )
    return window, await _apply_if_open(session, principal, window)


async def _managed_window(
    session: AsyncSession, principal: Principal, window_id: uuid.UUID, *, for_update: bool
) -> AdjustmentWindow:
    window = await repo.get_window(session, principal.scope, window_id, for_update=for_update)
    if window is None:
        raise not_found("adjustment window")
    return window


async def update_window(
    session: AsyncSession,
    principal: Principal,
    *,
    window_id: uuid.UUID,
    expected_version: int | None,
    data: WindowUpdate,
) -> tuple[AdjustmentWindow, Job | None]:
    window = await _managed_window(session, principal, window_id, for_update=True)
    if not within(window.region_code, principal.region_code):
        raise ProblemError(
            403,
            "adjustment_window.outside_area",
            "该调整期由上级配置, 不能修改 (the window belongs to a wider area)",
        )
    check_version(expected_version, window.version)
    sent = data.sent(problem="required")
    opens_on, closes_on = sent.get("opens_on", window.opens_on), sent.get("closes_on", window.closes_on)
    if closes_on < opens_on:
        raise field_error("/closes_on", CLOSES_BEFORE_OPENS, CLOSES_BEFORE_OPENS_MESSAGE)
    was_open = window.is_open_on(clock.today())
    async with audit.tracked(
        session,
        window,
        actor=principal.as_actor(),
        action="adjustment_window.updated",
        fields=WINDOW_FIELDS,
        target=lambda: window_target(window),
    ) as done:
        for name, value in sent.items():
            setattr(window, name, value)
        await _check_overlap(session, window, exclude=window.id)
    job = None
    if done.changes and not was_open:
        job = await _apply_if_open(session, principal, window)
    return window, job


async def apply_window(session: AsyncSession, principal: Principal, *, window_id: uuid.UUID) -> Job:
    """Queue the job that applies the pending changes of the window's area (within the caller's); only while the
    window is open (409 `adjustment_window.closed`)."""
    window = await _managed_window(session, principal, window_id, for_update=False)
    job = await _apply_if_open(session, principal, window)
    if job is None:
        raise ProblemError(
            409,
            "adjustment_window.closed",
            f"调整期 {window.opens_on} 至 {window.closes_on} 未开放, 不能处理待调整变更 (the window is not open today)",
        )
    return job


# ---------------------------------------------------------------- pending changes


async def page_json(read: ReadPath, principal: Principal, query: PendingChangesQuery) -> bytes:
    before = decode_key_cursor(query.cursor, CURSOR_KIND)
    filters: dict[str, Any] = {name: value for name in repo.FILTERS if (value := getattr(query, name)) is not None}
    rows = await repo.page(read, principal.scope, filters=filters, before=before, limit=query.limit)
    items, next_cursor = key_page(rows, query.limit, CURSOR_KIND)
    return to_json({"items": [pending_view(row) for row in items], "next_cursor": next_cursor})


async def get_pending(session: AsyncSession, principal: Principal, change_id: uuid.UUID) -> PendingChangeOut:
    found = await repo.get_pending(session, principal.scope, change_id)
    if found is None:
        raise not_found("pending change")
    return pending_out(*found)


def requested_by(principal: Principal, change: PendingChange) -> bool:
    return change.requested_by_type == principal.kind and change.requested_by_id == principal.public_id


async def cancel_pending(
    session: AsyncSession, principal: Principal, *, change_id: uuid.UUID, reason: str, any_requester: bool
) -> PendingChangeOut:
    """Its requester, or anyone of its area with `any_requester` (authz: adjustments:manage), cancels a pending
    change; one already applied, cancelled or failed is a 409 `pending_change.not_pending`."""
    found = await repo.get_pending(session, principal.scope, change_id, for_update=True)
    if found is None:
        raise not_found("pending change")
    change, household = found
    if not (any_requester or requested_by(principal, change)):
        raise ProblemError(
            403, "pending_change.not_requester", "Only the requester or an adjustments manager may cancel it."
        )
    if change.state != "pending":
        raise ProblemError(
            409, "pending_change.not_pending", f"The change is {change.state} already; only a pending one is cancelled."
        )
    async with audit.tracked(
        session,
        change,
        actor=principal.as_actor(),
        action="pending_change.cancelled",
        fields=("state", "reason"),
        target=lambda: pending_target(change, household),
    ):
        change.state = "cancelled"
        change.reason = reason
        change.decided_at = utcnow()
        change.decided_by_name = principal.name
    return pending_out(change, household)
