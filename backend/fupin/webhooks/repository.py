"""Queries of webhooks. Reads of subscriptions start from the caller's scope (and, unless the caller sees every
subscription of its area, its own); deliveries and attempts are read from a subscription already found that way.
The request that changes a subscription reads it through the caller's scope; the dispatcher reads across areas."""

from __future__ import annotations

import uuid
from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy import Integer, Select, String, Uuid, bindparam, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from fupin.audit.chain import CHANGES
from fupin.audit.models import ChainHead
from fupin.authz.principal import Principal
from fupin.core.models import UTCDateTime
from fupin.core.readpath import ReadPath, ReadQuery
from fupin.webhooks.models import OPEN_STATES, WebhookAttempt, WebhookDelivery, WebhookSubscription

S, D, A = WebhookSubscription, WebhookDelivery, WebhookAttempt
SUBSCRIPTION_COLUMNS: tuple[Any, ...] = (
    S.id.label("pk"),
    S.public_id.label("id"),
    S.url,
    S.events,
    S.description,
    S.active,
    S.created_at,
    S.updated_at,
    S.owner_type,
    S.owner_id,
    S.owner_name,
    S.region_code,
    S.version,
    S.secret_rotated_at,
    S.previous_secret_until,
)
DELIVERY_COLUMNS: tuple[Any, ...] = (
    D.id.label("pk"),
    D.public_id.label("id"),
    D.seq,
    D.event,
    D.attempt,
    D.state,
    D.status_code,
    D.error,
    D.duration_ms,
    D.created_at,
    D.last_attempt_at,
    D.delivered_at,
    D.next_attempt_at,
)


def _subscriptions(own: bool, one: bool) -> Select[Any]:
    stmt: Select[Any] = select(*SUBSCRIPTION_COLUMNS)
    if own:
        stmt = stmt.where(S.owner_type == bindparam("owner_type", type_=String()))
        stmt = stmt.where(S.owner_id == bindparam("owner_id", type_=String()))
    if one:
        stmt = stmt.where(S.public_id == bindparam("id", type_=Uuid()))
    return stmt.order_by(S.id)


_SUBSCRIPTION_QUERIES = {
    (own, one): ReadQuery(("webhooks", own, one), partial(_subscriptions, own, one), lambda: S.region_code)
    for own in (False, True)
    for one in (False, True)
}


def _owner_values(principal: Principal, every_owner: bool) -> dict[str, Any]:
    return {} if every_owner else {"owner_type": principal.kind, "owner_id": principal.public_id}


async def subscription_rows(
    read: ReadPath, principal: Principal, *, every_owner: bool, webhook_id: uuid.UUID | None = None
) -> list[dict[str, Any]]:
    """Subscriptions of the caller's area: all of them (`every_owner`) or the caller's own; one by id."""
    query = _SUBSCRIPTION_QUERIES[(not every_owner, webhook_id is not None)]
    values = _owner_values(principal, every_owner)
    if webhook_id is not None:
        values["id"] = webhook_id
    return await read.fetch(query, principal.scope, values)


def _deliveries(state: bool, before: bool) -> Select[Any]:
    stmt: Select[Any] = select(*DELIVERY_COLUMNS).where(D.subscription_id == bindparam("subscription", type_=Integer()))
    if state:
        stmt = stmt.where(D.state == bindparam("state", type_=String()))
    if before:
        stmt = stmt.where(D.id < bindparam("before", type_=Integer()))
    return stmt.order_by(D.id.desc()).limit(bindparam("limit", type_=Integer()))


# area=None: deliveries are read only for a subscription the caller's scope has already found
_DELIVERY_QUERIES = {
    (state, before): ReadQuery(("webhook-deliveries", state, before), partial(_deliveries, state, before), None)
    for state in (False, True)
    for before in (False, True)
}
ATTEMPTS_QUERY = ReadQuery(
    "webhook-attempts",
    lambda: (
        select(A.delivery_id, A.attempt, A.started_at, A.duration_ms, A.status_code, A.error)
        .join(D, D.id == A.delivery_id)
        .where(
            D.subscription_id == bindparam("subscription", type_=Integer()),
            A.delivery_id >= bindparam("low", type_=Integer()),
            A.delivery_id <= bindparam("high", type_=Integer()),
        )
        .order_by(A.delivery_id, A.attempt)
    ),
    None,
)


async def delivery_rows(
    read: ReadPath, *, subscription_pk: int, state: str | None, before: int | None, limit: int
) -> list[dict[str, Any]]:
    """Up to limit + 1 deliveries of a subscription the caller may see, newest first, each with its attempts."""
    values: dict[str, Any] = {"subscription": subscription_pk, "limit": limit + 1}
    if state is not None:
        values["state"] = state
    if before is not None:
        values["before"] = before
    rows = await read.fetch(_DELIVERY_QUERIES[(state is not None, before is not None)], None, values)
    for row in rows:
        row["attempts"] = []
    if rows:
        by_pk = {row["pk"]: row for row in rows}
        attempts = await read.fetch(
            ATTEMPTS_QUERY, None, {"subscription": subscription_pk, "low": rows[-1]["pk"], "high": rows[0]["pk"]}
        )
        for attempt in attempts:
            owner = by_pk.get(attempt.pop("delivery_id"))
            if owner is not None:
                owner["attempts"].append(attempt)
    return rows


async def get_for_update(
    session: AsyncSession, principal: Principal, *, webhook_id: uuid.UUID, every_owner: bool
) -> WebhookSubscription | None:
    """A subscription the caller may see, locked until the request commits."""
    stmt = principal.scope.select(S).where(S.public_id == webhook_id)
    if not every_owner:
        stmt = stmt.where(S.owner_type == principal.kind, S.owner_id == principal.public_id)
    return (await session.execute(stmt.with_for_update())).scalar_one_or_none()


async def feed_head(session: AsyncSession) -> int:
    """The last change-feed number taken (after the caller's own write, which holds the counter until commit:
    every lower number is committed by then)."""
    return int((await session.execute(select(ChainHead.last_seq).where(ChainHead.name == CHANGES))).scalar_one())


# ---------------------------------------------------------------- the dispatcher's probes (read path, no lock)

PENDING_FEED_QUERY = ReadQuery(
    "webhooks-behind-feed",
    lambda: (
        select(S.id)
        .where(
            S.active.is_(True),
            S.cursor_seq < select(ChainHead.last_seq).where(ChainHead.name == CHANGES).scalar_subquery(),
        )
        .limit(1)
    ),
    None,  # the dispatcher serves every area
)
DUE_QUERY = ReadQuery(
    "webhook-deliveries-due",
    lambda: (
        select(D.id)
        .join(S, S.id == D.subscription_id)
        .where(
            or_(*(D.state == state for state in OPEN_STATES)),  # no IN list on the read path
            D.next_attempt_at <= bindparam("now", type_=UTCDateTime()),
            or_(S.active.is_(True), D.seq.is_(None)),
        )
        .limit(1)
    ),
    None,
)


async def has_work(read: ReadPath, now: datetime) -> bool:
    """A cheap autocommit look before the dispatcher opens write transactions (on SQLite they take the lock)."""
    return bool(await read.fetch(PENDING_FEED_QUERY, None, {})) or bool(await read.fetch(DUE_QUERY, None, {"now": now}))
