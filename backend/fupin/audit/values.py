"""Values as the audit chain stores and hashes them (JSON: decimals and dates as strings)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

_PLAIN = (str, int, float, bool, type(None))


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
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [to_jsonable(v) for v in value]
    return value
