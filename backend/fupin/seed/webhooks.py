"""Demo webhook subscription (demo mode only): one inactive subscription of the integration demo user, pointing
at http://127.0.0.1:9/ (the discard port: nothing is ever delivered), with a short delivery log, so the
integration page has something to show."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, Table, select

from fupin.audit.models import ChangeEntry
from fupin.audit.positions import encode_position
from fupin.core.models import utcnow
from fupin.seed import bulk
from fupin.seed.demo import DEMO_USERS
from fupin.webhooks import signing
from fupin.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookSubscription

DEMO_WEBHOOK_ID = uuid.uuid5(uuid.NAMESPACE_URL, "fupin-demo-webhook:integration")
DEMO_URL = "http://127.0.0.1:9/"
SUBSCRIPTIONS: Table = WebhookSubscription.__table__  # type: ignore[assignment]
DELIVERIES: Table = WebhookDelivery.__table__  # type: ignore[assignment]
ATTEMPTS: Table = WebhookAttempt.__table__  # type: ignore[assignment]
FEED: Table = ChangeEntry.__table__  # type: ignore[assignment]


def seed_demo_webhooks(conn: Connection, *, secret_key: str) -> int:
    """The demo subscription and its log, once (0 when it exists already)."""
    if conn.execute(select(SUBSCRIPTIONS.c.id).where(SUBSCRIPTIONS.c.public_id == DEMO_WEBHOOK_ID)).first():
        return 0
    username, display, _, region, _, _ = next(u for u in DEMO_USERS if u[0] == "integration")
    owner_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"fupin-demo-user:{username}"))
    now = utcnow()
    head = conn.execute(select(FEED).order_by(FEED.c.seq.desc()).limit(1)).first()
    sub_pk = conn.execute(
        SUBSCRIPTIONS.insert()
        .values(
            public_id=DEMO_WEBHOOK_ID,
            owner_type="user",
            owner_id=owner_id,
            owner_name=display,
            region_code=region,
            url=DEMO_URL,
            events=["household.*", "member.*"],
            description="演示订阅 (未启用): 省扶贫信息平台的变更通知",
            active=False,
            secret_encrypted=signing.encrypt_secret(signing.new_secret(), secret_key=secret_key),
            cursor_seq=head.seq if head else 0,
            version=1,
            created_at=now - timedelta(days=1),
            updated_at=now - timedelta(days=1),
        )
        .returning(SUBSCRIPTIONS.c.id)
    ).scalar_one()
    log: list[tuple[str, Any, str, list[tuple[int | None, str | None]]]] = [
        # a ping that was answered, then a change the receiver refused for three days
        ("ping", None, "delivered", [(200, None)]),
        ("household.updated", head, "gave_up", [(None, "ConnectError: [Errno 111] Connection refused")] * 3),
    ]
    for offset, (event, entry, state, attempts) in enumerate(log):
        delivery_id = uuid.uuid4()
        created = now - timedelta(hours=20 - offset * 10)
        payload = {
            "id": str(delivery_id),
            "seq": entry.seq if entry else None,
            "event": event,
            "entity_type": entry.entity_type if entry else "webhook",
            "entity_id": entry.entity_id if entry else str(DEMO_WEBHOOK_ID),
            "external_id": None,
            "region_code": entry.region_code if entry else region,
            "version": entry.version if entry else 1,
            "occurred_at": (entry.occurred_at if entry else created).isoformat(),
            "changes_position": encode_position(entry.seq if entry else (head.seq if head else 0)),
        }
        last_status, last_error = attempts[-1]
        delivery_pk = conn.execute(
            DELIVERIES.insert()
            .values(
                public_id=delivery_id,
                subscription_id=sub_pk,
                seq=payload["seq"],
                event=event,
                payload=payload,
                state=state,
                attempt=len(attempts),
                status_code=last_status,
                error=last_error,
                duration_ms=42,
                created_at=created,
                last_attempt_at=created + timedelta(minutes=len(attempts)),
                delivered_at=created if state == "delivered" else None,
                next_attempt_at=None,
            )
            .returning(DELIVERIES.c.id)
        ).scalar_one()
        conn.execute(
            ATTEMPTS.insert(),
            [
                {
                    "delivery_id": delivery_pk,
                    "attempt": number,
                    "started_at": created + timedelta(minutes=number - 1),
                    "duration_ms": 42,
                    "status_code": status,
                    "error": error,
                }
                for number, (status, error) in enumerate(attempts, start=1)
            ],
        )
    bulk.record_sync(
        conn,
        "fupin seed",
        "webhook.demo_created",
        "webhook",
        str(DEMO_WEBHOOK_ID),
        region,
        {"url": [None, DEMO_URL], "active": [None, False], "secret": [None, "********"]},
    )
    return 1
