"""Webhook subscriptions of integration clients: list, create, read, change, delete, rotate the secret, the
delivery log and a ping. Permission webhooks:manage; an administrator sees every subscription of its area, anyone
else only its own (another's is a 404)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response

from fupin.authz.deps import WebhookManager
from fupin.config import Settings
from fupin.core.concurrency import IfMatch, etag, parse_if_match
from fupin.core.db import DbSession
from fupin.core.openapi import problems
from fupin.core.params import query_model
from fupin.core.readpath import ReadDb
from fupin.webhooks import service
from fupin.webhooks.schemas import (
    DeliveriesQuery,
    DeliveryOut,
    DeliveryPage,
    WebhookCreate,
    WebhookOut,
    WebhookPage,
    WebhookUpdate,
)

router = APIRouter(prefix="/api/v1", tags=["integration"])
JSON = "application/json"
deliveries_query, DELIVERIES_QUERY_DOCS = query_model(DeliveriesQuery)
LINKS: dict[str, Any] = {
    "get": {"operationId": "webhooks-get", "parameters": {"webhook_id": "$response.body#/id"}},
    "update": {"operationId": "webhooks-update", "parameters": {"webhook_id": "$response.body#/id"}},
    "deliveries": {"operationId": "webhooks-deliveries", "parameters": {"webhook_id": "$response.body#/id"}},
}


async def app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


AppSettings = Annotated[Settings, Depends(app_settings)]


@router.get("/webhooks", response_model=WebhookPage, operation_id="webhooks-list", responses=problems(403))
async def list_webhooks(read: ReadDb, principal: WebhookManager) -> Response:
    """The caller's webhook subscriptions (an administrator: every one of its area), oldest first."""
    return Response(await service.page_json(read, principal), media_type=JSON)


@router.post(
    "/webhooks",
    response_model=WebhookOut,
    status_code=201,
    operation_id="webhooks-create",
    responses={**problems(403), 201: {"description": "Created; `secret` is shown this once", "links": LINKS}},
)
async def create_webhook(
    data: WebhookCreate, session: DbSession, principal: WebhookManager, settings: AppSettings, response: Response
) -> WebhookOut:
    """Subscribe a URL to events of the caller's area. The answer carries the signing secret, once; deliveries
    start with the changes after this one."""
    sub, secret = await service.create(session, principal, data=data, settings=settings)
    response.headers["Location"] = f"/api/v1/webhooks/{sub.public_id}"
    response.headers["ETag"] = etag(sub.version)
    return service.webhook_out(sub, secret=secret)


@router.get(
    "/webhooks/{webhook_id}", response_model=WebhookOut, operation_id="webhooks-get", responses=problems(403, 404)
)
async def get_webhook(webhook_id: uuid.UUID, read: ReadDb, principal: WebhookManager) -> Response:
    """A subscription (never its secret)."""
    body, version = await service.get_json(read, principal, webhook_id)
    return Response(body, media_type=JSON, headers={"ETag": etag(version)})


@router.patch(
    "/webhooks/{webhook_id}",
    response_model=WebhookOut,
    operation_id="webhooks-update",
    responses=problems(403, 404, 412),
)
async def update_webhook(
    webhook_id: uuid.UUID,
    data: WebhookUpdate,
    session: DbSession,
    principal: WebhookManager,
    settings: AppSettings,
    response: Response,
    if_match: IfMatch = None,
) -> WebhookOut:
    """Change the URL, events, description or whether it is active (If-Match optional)."""
    sub = await service.update_subscription(
        session,
        principal,
        webhook_id=webhook_id,
        data=data,
        expected_version=parse_if_match(if_match, required=False),
        settings=settings,
    )
    response.headers["ETag"] = etag(sub.version)
    return service.webhook_out(sub)


@router.delete(
    "/webhooks/{webhook_id}",
    status_code=204,
    operation_id="webhooks-delete",
    responses=problems(403, 404, 412),
)
async def delete_webhook(
    webhook_id: uuid.UUID, session: DbSession, principal: WebhookManager, if_match: IfMatch = None
) -> Response:
    """Remove the subscription and its delivery log; nothing more is sent to it."""
    await service.delete(
        session, principal, webhook_id=webhook_id, expected_version=parse_if_match(if_match, required=False)
    )
    return Response(status_code=204)


@router.post(
    "/webhooks/{webhook_id}/rotate-secret",
    response_model=WebhookOut,
    operation_id="webhooks-rotate-secret",
    responses=problems(403, 404),
)
async def rotate_webhook_secret(
    webhook_id: uuid.UUID, session: DbSession, principal: WebhookManager, settings: AppSettings, response: Response
) -> WebhookOut:
    """A new signing secret, shown this once. For 24 hours deliveries carry two signatures (new and previous),
    so the receiver can switch without losing a message."""
    sub, secret = await service.rotate_secret(session, principal, webhook_id=webhook_id, settings=settings)
    response.headers["ETag"] = etag(sub.version)
    return service.webhook_out(sub, secret=secret)


@router.get(
    "/webhooks/{webhook_id}/deliveries",
    response_model=DeliveryPage,
    operation_id="webhooks-deliveries",
    responses=problems(403, 404),
    openapi_extra=DELIVERIES_QUERY_DOCS,
)
async def list_webhook_deliveries(
    webhook_id: uuid.UUID,
    read: ReadDb,
    principal: WebhookManager,
    params: Annotated[DeliveriesQuery, Depends(deliveries_query)],
) -> Response:
    """The delivery log of a subscription, newest first, each delivery with its attempts."""
    body = await service.deliveries_json(read, principal, webhook_id=webhook_id, query=params)
    return Response(body, media_type=JSON)


@router.post(
    "/webhooks/{webhook_id}/test",
    response_model=DeliveryOut,
    status_code=202,
    operation_id="webhooks-test",
    responses=problems(403, 404),
)
async def test_webhook(webhook_id: uuid.UUID, session: DbSession, principal: WebhookManager) -> DeliveryOut:
    """Queue a ping (event `ping`, also to an inactive subscription); the dispatcher sends it within seconds.
    Follow it in webhooks-deliveries."""
    delivery = await service.ping(session, principal, webhook_id=webhook_id)
    return service.delivery_out(delivery)
