"""Opaque keyset cursors, signed so a forged or edited cursor is a 400, never a 500."""

from __future__ import annotations

import base64
import json
from typing import Any

from fupin.core.errors import ProblemError
from fupin.core.security import sign, verify_signature


def encode_cursor(kind: str, values: list[Any]) -> str:
    payload = json.dumps({"k": kind, "v": values}, separators=(",", ":"), default=str).encode()
    token = base64.urlsafe_b64encode(payload).decode().rstrip("=")
    return f"{token}.{sign(payload)}"


def decode_cursor(cursor: str, kind: str) -> list[Any]:
    bad = ProblemError(400, "invalid_cursor", "The cursor is invalid; start again from the first page.")
    try:
        token, _, signature = cursor.partition(".")
        payload = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (ValueError, TypeError):
        raise bad
    if not signature or not verify_signature(payload, signature):
        raise bad
    try:
        data = json.loads(payload)
    except ValueError:
        raise bad
    if not isinstance(data, dict) or data.get("k") != kind or not isinstance(data.get("v"), list):
        raise bad
    return list(data["v"])


def decode_key_cursor(cursor: str | None, kind: str) -> int | None:
    """The row key a newest-first page continues below (None: the first page); a bad cursor is a 400."""
    if not cursor:
        return None
    values = decode_cursor(cursor, kind)
    if len(values) != 1 or not isinstance(values[0], int) or isinstance(values[0], bool):
        raise ProblemError(400, "invalid_cursor", "The cursor is invalid; start again from the first page.")
    return values[0]


def key_page(rows: list[dict[str, Any]], limit: int, kind: str) -> tuple[list[dict[str, Any]], str | None]:
    """A newest-first page from `limit + 1` rows keyed by `pk`: the rows to answer and the cursor of the next page."""
    items = rows[:limit]
    return items, (encode_cursor(kind, [items[-1]["pk"]]) if len(rows) > limit else None)
