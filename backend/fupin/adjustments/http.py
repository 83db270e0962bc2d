"""The 202 answer of a household write whose locked part waits for the adjustment window, and its contract."""

from __future__ import annotations

from typing import Any

from fastapi import Response
from pydantic_core import to_json

from fupin.adjustments.gate import Outcome, pending_out
from fupin.adjustments.schemas import PendingChangeAccepted
from fupin.core.concurrency import etag

PENDING_ACCEPTED: dict[int | str, dict[str, Any]] = {
    202: {
        "model": PendingChangeAccepted,
        "description": (
            "Accepted: the locked change waits for the adjustment window (年度调整) as a pending change; "
            "the other fields sent were applied"
        ),
        "headers": {
            "Location": {"description": "URL of the pending change", "schema": {"type": "string"}},
        },
        "links": {
            "pending_change": {
                "operationId": "pending-changes-get",
                "parameters": {"change_id": "$response.body#/pending_change/id"},
            },
            "cancel": {
                "operationId": "pending-changes-cancel",
                "parameters": {"change_id": "$response.body#/pending_change/id"},
            },
        },
    }
}


def pending_accepted(outcome: Outcome) -> Response:
    assert outcome.pending is not None
    body = PendingChangeAccepted(pending_change=pending_out(outcome.pending, outcome.household))
    return Response(
        to_json(body),
        status_code=202,
        media_type="application/json",
        headers={
            "Location": f"/api/v1/pending-changes/{outcome.pending.public_id}",
            "ETag": etag(outcome.household.version),
        },
    )
