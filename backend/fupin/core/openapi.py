"""Contract helpers: every route declares the problem+json statuses it can return."""

from __future__ import annotations

from typing import Any

from fupin.core.errors import PROBLEM_MEDIA_TYPE, Problem

_DESCRIPTIONS = {
    400: "Malformed request (bad JSON, forged cursor, bad header)",
    401: "Missing or invalid credentials",
    403: "Authenticated but not permitted",
    404: "Not found, or outside the caller's area",
    409: "Conflict with the current state",
    412: "If-Match does not match the current version",
    413: "Request body too large",
    422: "Invalid fields; see errors[].pointer",
    428: "If-Match required",
    429: "Too many requests",
}


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    wanted = sorted({400, 401, 422, 429, *statuses})
    return {
        s: {
            "model": Problem,
            "description": _DESCRIPTIONS.get(s, "Error"),
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for s in wanted
    }


WRITE = (403, 404, 409, 413)
UPDATE = (403, 404, 409, 412, 413, 428)
