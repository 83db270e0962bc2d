"""Reading a reconciliation body in bounded memory: a JSON document up to `JSON_MAX_BYTES`, or NDJSON of any
length, one item per line, parsed as it arrives. Errors point at the item: `/items/<n>/...` (n from 0, the
line number minus one for NDJSON)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from fupin.core.errors import ProblemError
from fupin.reconcile.schemas import MAX_ITEMS, ReconcileIn, ReconcileItem

JSON_MAX_BYTES = MAX_ITEMS * 400  # room for 10,000 items with id, external id, source system and hash
LINE_MAX_BYTES = 4096
NDJSON = "application/x-ndjson"


def _too_large(what: str) -> ProblemError:
    return ProblemError(413, "payload_too_large", what)


def _invalid(exc: ValidationError, *prefix: Any) -> RequestValidationError:
    return RequestValidationError(
        [{**error, "loc": ("body", *prefix, *error["loc"])} for error in exc.errors(include_url=False)]
    )


def is_ndjson(request: Request) -> bool:
    return request.headers.get("content-type", "").split(";")[0].strip().lower() == NDJSON


async def json_body(request: Request) -> ReconcileIn:
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > JSON_MAX_BYTES:
            raise _too_large(
                f"A JSON body holds at most {MAX_ITEMS} items ({JSON_MAX_BYTES} bytes); "
                f"send a whole county as {NDJSON}."
            )
    try:
        return ReconcileIn.model_validate_json(bytes(body))
    except ValidationError as exc:
        if any(e["type"] == "json_invalid" for e in exc.errors()):
            raise ProblemError(400, "malformed_json", "The request body is not valid JSON.")
        raise _invalid(exc)


async def ndjson_items(request: Request) -> AsyncIterator[ReconcileItem]:
    """The items of an NDJSON body, one line at a time (blank lines skipped)."""
    pending = b""
    number = 0

    def parse(line: bytes) -> ReconcileItem:
        try:
            return ReconcileItem.model_validate_json(line)
        except ValidationError as exc:
            if any(e["type"] == "json_invalid" for e in exc.errors()):
                raise ProblemError(400, "malformed_json", f"Line {number + 1} of the body is not valid JSON.")
            raise _invalid(exc, "items", number)

    async for chunk in request.stream():
        pending += chunk
        *lines, pending = pending.split(b"\n")
        if len(pending) > LINE_MAX_BYTES:
            raise _too_large(f"Line {number + len(lines) + 1} is longer than {LINE_MAX_BYTES} bytes.")
        for line in lines:
            if line.strip():
                if len(line) > LINE_MAX_BYTES:
                    raise _too_large(f"Line {number + 1} is longer than {LINE_MAX_BYTES} bytes.")
                yield parse(line)
                number += 1
    if pending.strip():
        yield parse(pending)
