"""`among(column, values)`: "column is one of these values", for the long value lists of bulk work (an import's
chunk of ID numbers, external keys, household ids). On PostgreSQL it is `column = ANY(:array)`: one parameter, so
the statement text stays the same whatever the number of values (the driver parses and caches it once, where an
IN list of a thousand placeholders is parsed again on every call); elsewhere an ordinary expanding IN."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Boolean, and_, any_, bindparam, false, or_
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal


class Among(ColumnElement[bool]):
    __visit_name__ = "among"
    inherit_cache = True
    type = Boolean()
    # both parameters are part of the statement (and of its cache key); each dialect renders one of them
    _traverse_internals = [
        ("column", InternalTraversal.dp_clauseelement),
        ("listed", InternalTraversal.dp_clauseelement),
        ("array", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, column: Any, values: Iterable[Any]) -> None:
        items = list(values)
        self.column = column
        self.listed = bindparam(None, items, expanding=True, type_=column.type)
        self.array = bindparam(None, items, type_=ARRAY(column.type))


def among(column: Any, values: Iterable[Any]) -> ColumnElement[bool]:
    return Among(column, values)


@compiles(Among)
def _in_list(element: Among, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.column.in_(element.listed), **kw))


@compiles(Among, "postgresql")
def _any_array(element: Among, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.column == any_(element.array), **kw))


def pairs_among(first: Any, second: Any, pairs: Iterable[tuple[Any, Any]]) -> ColumnElement[bool]:
    """`(first, second)` is one of these pairs, grouped by the first value (an import's external keys share their
    source system): `first = a AND second = ANY(:bs)` for each distinct a."""
    grouped: dict[Any, list[Any]] = {}
    for a, b in pairs:
        grouped.setdefault(a, []).append(b)
    if not grouped:
        return false()
    return or_(*(and_(first == a, among(second, bs)) for a, bs in sorted(grouped.items())))
