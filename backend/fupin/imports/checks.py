"""What the household import steps share: a row's failure (its errors at the row's cells) and the comparison of a
sent value with the stored one."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from fupin.core.errors import ProblemError, field_errors
from fupin.imports.rows import Candidate, RowError


class RowFailed(Exception):
    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"{len(errors)} errors")
        self.errors = errors


def validation_failed(candidate: Candidate, exc: ValidationError, prefix: tuple[Any, ...] = ()) -> RowFailed:
    return RowFailed([candidate.error(e.pointer, e.code, e.message) for e in field_errors(exc.errors(), prefix=prefix)])


def problem_failed(candidate: Candidate, exc: ProblemError, prefix: str = "") -> RowFailed:
    if exc.errors:
        return RowFailed([candidate.error(prefix + e.pointer, e.code, e.message) for e in exc.errors])
    return RowFailed([candidate.error(prefix, exc.code, exc.detail or exc.code)])


def differs(current: Any, new: Any) -> bool:
    if isinstance(current, Decimal) or isinstance(new, Decimal):
        try:
            return Decimal(str(current)) != Decimal(str(new)) if current is not None and new is not None else True
        except ArithmeticError:
            return True
    if isinstance(current, list) and isinstance(new, list):
        return list(current) != list(new)
    return bool(current != new)


ABSENT = object()


def any_differs(record: Any, sent: dict[str, Any], attributes: dict[str, str]) -> bool:
    """Does any value sent differ from the stored one, before validation? A file that repeats what is stored
    (a re-import, the untouched rows of an edited export) costs no validation at all."""
    for key, value in sent.items():
        current = getattr(record, attributes.get(key, key), ABSENT)
        if type(current) is type(value) and current == value:
            continue  # the common case of a re-import, without a call
        if current is ABSENT or differs(current, value):
            return True
    return False
