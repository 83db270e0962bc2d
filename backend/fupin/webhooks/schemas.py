"""Inputs and outputs of webhooks."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, ClassVar, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, Field
from pydantic_core import PydanticCustomError

from fupin.core.schemas import OutModel, StrictModel
from fupin.webhooks.events import all_events, is_known_pattern

DeliveryState = Literal["pending", "delivered", "failed", "gave_up"]
MAX_URL = 2000


def check_url(value: str) -> str:
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018  (raises on a port that is not a number)
    except ValueError:
        raise PydanticCustomError("webhook.url_invalid", "The URL cannot be parsed.")
    if parts.scheme not in ("http", "https"):
        raise PydanticCustomError("webhook.url_scheme", "Only http:// and https:// URLs can receive webhooks.")
    if not parts.hostname:
        raise PydanticCustomError("webhook.url_invalid", "The URL has no host.")
    if parts.username is not None or parts.password is not None:
        raise PydanticCustomError(
            "webhook.url_credentials", "Put no credentials in the URL; deliveries are signed instead."
        )
    return value


def check_pattern(value: str) -> str:
    if not is_known_pattern(value):
        raise PydanticCustomError(
            "webhook.unknown_event",
            "'{value}' is not a known event: use an event such as household.updated, an entity with .* "
            "(household.*) or *",
            {"value": value},
        )
    return value


WebhookUrl = Annotated[
    str,
    Field(
        min_length=1,
        max_length=MAX_URL,
        description="http:// or https:// URL that receives the POSTs",
        # documented for clients; `check_url` says which rule a URL breaks
        json_schema_extra={"pattern": "^[Hh][Tt][Tt][Pp][Ss]?://[^/?#@\\s]+([/?#][^\\s]*)?$"},
    ),
    AfterValidator(check_url),
]
EventPattern = Annotated[
    str,
    Field(max_length=60, json_schema_extra={"examples": ["household.*", "household.updated", "*"]}),
    AfterValidator(check_pattern),
]
Events = Annotated[
    list[EventPattern],
    Field(
        min_length=1,
        max_length=50,
        description=f"Patterns of events: an event, <entity>.* or *. Known events: {', '.join(all_events())}",
    ),
]
Description = Annotated[str, Field(max_length=500)]


class WebhookCreate(StrictModel):
    url: WebhookUrl
    events: Events
    description: Description | None = None
    active: bool = True


class WebhookUpdate(StrictModel):
    """The fields to change; absent fields stay as they are. Activating a subscription starts it at the current
    end of the change feed (nothing that happened while it was inactive is sent)."""

    not_null: ClassVar[frozenset[str]] = frozenset({"url", "events", "active"})

    url: WebhookUrl | None = None
    events: Events | None = None
    description: Description | None = None
    active: bool | None = None


class WebhookOwner(OutModel):
    type: str = Field(description="user or api_key")
    id: str
    name: str | None


class WebhookOut(OutModel):
    id: uuid.UUID
    url: str
    events: list[str]
    description: str | None
    active: bool
    created_at: datetime
    updated_at: datetime
    owner: WebhookOwner
    region_code: str | None = Field(description="The area whose changes are delivered (the owner's)")
    version: int
    secret_rotated_at: datetime | None
    previous_secret_expires_at: datetime | None = Field(
        description="Until then deliveries carry a second signature made with the previous secret"
    )
    secret: str | None = Field(
        None, description="The signing secret: only in the answers of webhooks-create and webhooks-rotate-secret"
    )


class WebhookPage(OutModel):
    items: list[WebhookOut]


class AttemptOut(OutModel):
    attempt: int
    started_at: datetime
    duration_ms: int
    status_code: int | None
    error: str | None


class DeliveryOut(OutModel):
    id: uuid.UUID
    seq: int | None = Field(description="The change-feed entry delivered (None: a ping)")
    event: str
    attempt: int = Field(description="Attempts made so far")
    state: DeliveryState
    status_code: int | None = Field(description="The receiver's status of the last attempt")
    error: str | None = Field(description="Why the last attempt failed")
    duration_ms: int | None
    created_at: datetime
    last_attempt_at: datetime | None
    delivered_at: datetime | None
    next_attempt_at: datetime | None
    attempts: list[AttemptOut] = Field(description="Every attempt, oldest first")


class DeliveryPage(OutModel):
    items: list[DeliveryOut]
    next_cursor: str | None = Field(None, description="Pass as ?cursor= for the next (older) page")


class DeliveriesQuery(BaseModel):
    limit: Annotated[int, Field(ge=1, le=200)] = 50
    cursor: Annotated[str, Field(max_length=500)] | None = None
    state: DeliveryState | None = None
