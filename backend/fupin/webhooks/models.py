"""Tables of webhooks: subscriptions (owned by a user or API key, in its owner's area), the deliveries the
dispatcher creates from the change feed, and the log of every attempt to send one."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from fupin.authz.scope import AreaScoped
from fupin.core.models import Base, IdMixin, JSONType, UTCDateTime, utcnow

DELIVERY_STATES = ("pending", "delivered", "failed", "gave_up")
OPEN_STATES = ("pending", "failed")  # a delivery the dispatcher still sends


class WebhookSubscription(AreaScoped, IdMixin, Base):
    """One client's subscription. `cursor_seq` is the last change-feed entry the dispatcher has turned into
    deliveries (committed together with them); the secrets are stored encrypted (`webhooks.signing`)."""

    __tablename__ = "webhook_subscriptions"
    __area_column__ = "region_code"

    public_id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True, default=uuid.uuid4, nullable=False)
    owner_type: Mapped[str] = mapped_column(String(12), nullable=False)  # user | api_key
    owner_id: Mapped[str] = mapped_column(String(64), nullable=False, index=True)  # the owner's public id
    owner_name: Mapped[str | None] = mapped_column(String(120), nullable=True)
    # the owner's area (None: the whole system); only feed entries inside it are delivered
    region_code: Mapped[str | None] = mapped_column(String(12), nullable=True, index=True)
    url: Mapped[str] = mapped_column(String(2000), nullable=False)
    events: Mapped[list[str]] = mapped_column(JSONType, nullable=False, default=list)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    secret_encrypted: Mapped[str] = mapped_column(Text, nullable=False)
    previous_secret_encrypted: Mapped[str | None] = mapped_column(Text, nullable=True)
    previous_secret_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    secret_rotated_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    cursor_seq: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)

    __mapper_args__ = {"version_id_col": version}


class WebhookDelivery(IdMixin, Base):
    """One message to one subscription: a change-feed entry (`seq`) or a ping (`seq` None). The body is fixed when
    the delivery is created, so every attempt sends the same bytes and the same delivery id (receivers
    deduplicate by it); only the signature's timestamp changes."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_webhook_deliveries_due", "state", "next_attempt_at"),
        Index("ix_webhook_deliveries_subscription", "subscription_id", "id"),
    )

    public_id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True, default=uuid.uuid4, nullable=False)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_subscriptions.id", ondelete="CASCADE"), nullable=False
    )
    seq: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    event: Mapped[str] = mapped_column(String(60), nullable=False)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    state: Mapped[str] = mapped_column(String(10), nullable=False, default="pending")
    attempt: Mapped[int] = mapped_column(Integer, nullable=False, default=0)  # attempts made so far
    status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)  # of the last attempt
    error: Mapped[str | None] = mapped_column(Text, nullable=True)  # of the last attempt
    duration_ms: Mapped[int | None] = mapped_column(Integer, nullable=True)  # of the last attempt
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # when the dispatcher sends it next; while a dispatcher is sending it, the end of that dispatcher's claim
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class WebhookAttempt(IdMixin, Base):
    """The log of a delivery: one row per attempt, with the answer (or the error) and how long it took."""

    __tablename__ = "webhook_attempts"

    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), nullable=False, index=True
    )
    attempt: Mapped[int] = mapped_column(Integer, nullable=False)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    duration_ms: Mapped[int] = mapped_column(Integer, nullable=False)
    status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
