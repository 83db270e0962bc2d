"""Webhook subscriptions from the client's side: create, read, change, delete, rotate the secret, send a ping.
Every write is audited and enters the change feed (as `webhook.*`); the secret never enters the audit trail."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from pydantic_core import to_json
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from fupin.audit import chain as audit
from fupin.audit.positions import encode_position
from fupin.authz.policy import sees_every_webhook
from fupin.authz.principal import Principal
from fupin.config import Settings
from fupin.core.concurrency import check_version
from fupin.core.errors import field_error, not_found
from fupin.core.models import utcnow
from fupin.core.pagination import decode_key_cursor, key_page
from fupin.core.readpath import ReadPath
from fupin.webhooks import repository as repo
from fupin.webhooks import signing
from fupin.webhooks.addresses import url_refused
from fupin.webhooks.events import PING
from fupin.webhooks.models import WebhookDelivery, WebhookSubscription
from fupin.webhooks.schemas import DeliveriesQuery, DeliveryOut, WebhookCreate, WebhookOut, WebhookUpdate

AUDITED = ("url", "events", "description", "active")
MASK = "********"
PREVIOUS_SECRET_HOURS = 24
CURSOR_KIND = "webhook-deliveries"
WAKE = "fupin.webhooks.wake"  # session.info flag: a delivery is due once this transaction commits


def target(sub: WebhookSubscription) -> audit.Target:
    return audit.Target("webhook", str(sub.public_id), sub.region_code, version=sub.version)


def _check_url(url: str, settings: Settings) -> None:
    if not settings.webhook_allow_private and url_refused(url):
        raise field_error(
            "/url",
            "webhook.private_address",
            "Webhooks may not be sent to private, loopback or link-local addresses on this installation.",
        )


async def _start_at_feed_end(session: AsyncSession, sub: WebhookSubscription) -> None:
    """Nothing before now is delivered: the subscription's cursor is the feed's end (its own event included).
    A plain UPDATE, so the subscription's version (its ETag) does not change."""
    head = await repo.feed_head(session)
    await session.execute(update(WebhookSubscription).where(WebhookSubscription.id == sub.id).values(cursor_seq=head))
    sub.cursor_seq = head


async def create(
    session: AsyncSession, principal: Principal, *, data: WebhookCreate, settings: Settings
) -> tuple[WebhookSubscription, str]:
    """A subscription owned by the caller, in the caller's area; the secret is returned once."""
    _check_url(data.url, settings)
    secret = signing.new_secret()
    now = utcnow()
    sub = WebhookSubscription(
        owner_type=principal.kind,
        owner_id=principal.public_id,
        owner_name=principal.name[:120],
        region_code=principal.region_code,
        url=data.url,
        events=list(data.events),
        description=data.description,
        active=data.active,
        secret_encrypted=signing.encrypt_secret(secret, secret_key=settings.secret_key),
        created_at=now,
        updated_at=now,
    )
    session.add(sub)
    await session.flush()
    changes: dict[str, Any] = {name: [None, getattr(sub, name)] for name in AUDITED}
    changes["owner"] = [None, f"{sub.owner_type}:{sub.owner_id}"]
    changes["secret"] = [None, MASK]
    await audit.record_on(session, target(sub), actor=principal.as_actor(), action="webhook.created", changes=changes)
    await _start_at_feed_end(session, sub)
    return sub, secret


async def _visible(session: AsyncSession, principal: Principal, webhook_id: uuid.UUID) -> WebhookSubscription:
    sub = await repo.get_for_update(
        session, principal, webhook_id=webhook_id, every_owner=sees_every_webhook(principal)
    )
    if sub is None:
        raise not_found("webhook")
    return sub


async def update_subscription(
    session: AsyncSession,
    principal: Principal,
    *,
    webhook_id: uuid.UUID,
    data: WebhookUpdate,
    expected_version: int | None,
    settings: Settings,
) -> WebhookSubscription:
    sub = await _visible(session, principal, webhook_id)
    check_version(expected_version, sub.version)
    values = data.sent(problem="required")
    if "url" in values:
        _check_url(values["url"], settings)
    activated = values.get("active") is True and not sub.active
    async with audit.tracked(
        session,
        sub,
        actor=principal.as_actor(),
        action="webhook.updated",
        fields=AUDITED,
        touch=True,
        target=lambda: target(sub),
    ) as result:
        for name, value in values.items():
            setattr(sub, name, list(value) if name == "events" else value)
    if activated and result.changes:
        await _start_at_feed_end(session, sub)
    return sub


async def delete(
    session: AsyncSession, principal: Principal, *, webhook_id: uuid.UUID, expected_version: int | None
) -> None:
    """The subscription and its delivery log are removed; what was not yet sent is not sent."""
    sub = await _visible(session, principal, webhook_id)
    check_version(expected_version, sub.version)
    gone = target(sub)
    changes = {name: [getattr(sub, name), None] for name in AUDITED}
    await session.delete(sub)
    await session.flush()
    await audit.record_on(session, gone, actor=principal.as_actor(), action="webhook.deleted", changes=changes)


async def rotate_secret(
    session: AsyncSession, principal: Principal, *, webhook_id: uuid.UUID, settings: Settings
) -> tuple[WebhookSubscription, str]:
    """A new secret, returned once; the one it replaces still signs (a second v1=) for 24 hours."""
    sub = await _visible(session, principal, webhook_id)
    secret = signing.new_secret()
    now = utcnow()
    sub.previous_secret_encrypted = sub.secret_encrypted
    sub.previous_secret_until = now + timedelta(hours=PREVIOUS_SECRET_HOURS)
    sub.secret_encrypted = signing.encrypt_secret(secret, secret_key=settings.secret_key)
    sub.secret_rotated_at = now
    sub.updated_at = now
    await session.flush()
    await audit.record_on(
        session,
        target(sub),
        actor=principal.as_actor(),
        action="webhook.secret_rotated",
        changes={"secret": [MASK, MASK], "previous_secret_until": [None, sub.previous_secret_until]},
    )
    return sub, secret


def ping_payload(delivery_id: uuid.UUID, sub: WebhookSubscription, *, head: int, now: datetime) -> dict[str, Any]:
    return {
        "id": str(delivery_id),
        "seq": None,
        "event": PING,
        "entity_type": "webhook",
        "entity_id": str(sub.public_id),
        "external_id": None,
        "region_code": sub.region_code,
        "version": sub.version,
        "occurred_at": now.isoformat(),
        "changes_position": encode_position(head),
    }


async def ping(session: AsyncSession, principal: Principal, *, webhook_id: uuid.UUID) -> WebhookDelivery:
    """Queue a ping (event `ping`, sent even to an inactive subscription): the dispatcher sends it after this
    transaction commits, never from inside it."""
    sub = await _visible(session, principal, webhook_id)
    now = utcnow()
    delivery_id = uuid.uuid4()
    await audit.record_on(
        session, target(sub), actor=principal.as_actor(), action="webhook.tested", changes={"ping": [None, True]}
    )
    head = await repo.feed_head(session)
    delivery = WebhookDelivery(
        public_id=delivery_id,
        subscription_id=sub.id,
        seq=None,
        event=PING,
        payload=ping_payload(delivery_id, sub, head=head, now=now),
        state="pending",
        attempt=0,
        created_at=now,
        next_attempt_at=now,
    )
    session.add(delivery)
    await session.flush()
    session.info[WAKE] = True
    return delivery


# ---------------------------------------------------------------- outputs


def out_view(row: dict[str, Any], *, secret: str | None = None) -> dict[str, Any]:
    """A subscription (read-path row or record) in the shape of `WebhookOut`."""
    return {
        "id": row["id"],
        "url": row["url"],
        "events": row["events"],
        "description": row["description"],
        "active": row["active"],
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
        "owner": {"type": row["owner_type"], "id": row["owner_id"], "name": row["owner_name"]},
        "region_code": row["region_code"],
        "version": row["version"],
        "secret_rotated_at": row["secret_rotated_at"],
        "previous_secret_expires_at": row["previous_secret_until"],
        "secret": secret,
    }


def webhook_out(sub: WebhookSubscription, *, secret: str | None = None) -> WebhookOut:
    row = {str(c.key): getattr(sub, str(c.key)) for c in repo.SUBSCRIPTION_COLUMNS[2:]}
    return WebhookOut.model_validate(out_view({**row, "id": sub.public_id}, secret=secret))


def delivery_out(delivery: WebhookDelivery) -> DeliveryOut:
    row = {str(c.key): getattr(delivery, str(c.key)) for c in repo.DELIVERY_COLUMNS[2:]}
    return DeliveryOut.model_validate({**row, "id": delivery.public_id, "attempts": []})


async def page_json(read: ReadPath, principal: Principal) -> bytes:
    rows = await repo.subscription_rows(read, principal, every_owner=sees_every_webhook(principal))
    return to_json({"items": [out_view(row) for row in rows]})


async def _visible_row(read: ReadPath, principal: Principal, webhook_id: uuid.UUID) -> dict[str, Any]:
    rows = await repo.subscription_rows(
        read, principal, every_owner=sees_every_webhook(principal), webhook_id=webhook_id
    )
    if not rows:
        raise not_found("webhook")
    return rows[0]


async def get_json(read: ReadPath, principal: Principal, webhook_id: uuid.UUID) -> tuple[bytes, int]:
    row = await _visible_row(read, principal, webhook_id)
    return to_json(out_view(row)), int(row["version"])


async def deliveries_json(
    read: ReadPath, principal: Principal, *, webhook_id: uuid.UUID, query: DeliveriesQuery
) -> bytes:
    sub = await _visible_row(read, principal, webhook_id)
    before = decode_key_cursor(query.cursor, CURSOR_KIND)
    rows = await repo.delivery_rows(
        read, subscription_pk=sub["pk"], state=query.state, before=before, limit=query.limit
    )
    items, next_cursor = key_page(rows, query.limit, CURSOR_KIND)
    for row in items:
        del row["pk"]
    return to_json({"items": items, "next_cursor": next_cursor})
