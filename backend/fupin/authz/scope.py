"""Region scopes: a subtree of the 12-digit statistical code tree, expressed as a code range.

Codes are hierarchical by prefix: province 2 digits, city 4, county 6, township 9, village 12. A subtree is
therefore the half-open range [prefix000..., next_prefix000...), which every B-tree index can scan.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, true
from sqlalchemy.sql.elements import ColumnElement

LEVEL_PREFIX = {1: 2, 2: 4, 3: 6, 4: 9, 5: 12}


def region_level(code: str) -> int:
    if code[9:12] != "000":
        return 5
    if code[6:9] != "000":
        return 4
    if code[4:6] != "00":
        return 3
    if code[2:4] != "00":
        return 2
    return 1


def region_prefix(code: str) -> str:
    return code[: LEVEL_PREFIX[region_level(code)]]


def code_range(code: str) -> tuple[str, str]:
    prefix = region_prefix(code)
    low = prefix.ljust(12, "0")
    high_prefix = str(int(prefix) + 1).zfill(len(prefix))
    return low, high_prefix.ljust(12, "0")


def contains(scope_code: str | None, code: str | None) -> bool:
    """Is `code` inside the subtree rooted at `scope_code`? None scope = everything."""
    if scope_code is None:
        return True
    if code is None:
        return False
    low, high = code_range(scope_code)
    return low <= code < high


def in_subtree(column: Any, scope_code: str | None) -> ColumnElement[bool]:
    if scope_code is None:
        return true()
    low, high = code_range(scope_code)
    return and_(column >= low, column < high)
