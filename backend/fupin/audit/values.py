"""Values as the audit chain stores and hashes them (JSON: decimals and dates as strings)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

PLAIN_TYPES = (str, int, float, bool, type(None))
_PLAIN = PLAIN_TYPES


def to_jsonable(value: Any) -> Any:
    if type(value) in _PLAIN:  # the common case first: an audit diff of a household is mostly text and numbers
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    # plain items are taken as they are without a call: an import's batch converts a million of them
    if isinstance(value, dict):
        return {
            (k if type(k) is str else str(k)): (v if type(v) in _PLAIN else to_jsonable(v)) for k, v in value.items()
        }
    if isinstance(value, list | tuple | set):
        return [v if type(v) in _PLAIN else to_jsonable(v) for v in value]
    return value


def json_default(value: Any) -> Any:
    """`json.dumps(..., default=json_default)` writes what `json.dumps(to_jsonable(...))` writes for values whose
    dicts have text keys (what the audit stores), without walking the value in Python first."""
    converted = to_jsonable(value)
    if converted is value:
        raise TypeError(f"{type(value).__name__} is not JSON serialisable")
    return converted
