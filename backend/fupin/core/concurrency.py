"""If-Match handling: conditional updates answer 428 without the header and 412 when it is stale."""

from __future__ import annotations

from typing import Annotated

from fastapi import Header

from fupin.core.errors import ProblemError


def etag(version: int) -> str:
    return f'"{version}"'


# A version ETag ("3", W/"3" or 3); blank counts as absent, so it gets the 428 that a missing header gets.
IF_MATCH_PATTERN = r'^((W/)?"?[0-9]{1,18}"?)?$'


IfMatch = Annotated[
    str | None,
    Header(alias="If-Match", description='Version ETag you read, e.g. "3"', max_length=40, pattern=IF_MATCH_PATTERN),
]
# The header an update cannot go without (`parse_if_match`): required in the contract (`REQUIRED_MARK`, read by
# core.openapi), while a request without it still gets the 428 that names what is missing.
REQUIRED_MARK = "x-fupin-required"
IfMatchRequired = Annotated[
    str | None,
    Header(
        alias="If-Match",
        description='Version ETag you read, e.g. "3" (without it: 428)',
        max_length=40,
        pattern=IF_MATCH_PATTERN,
        # documented without the blank a request may still send (and get 428 for, as a missing header)
        json_schema_extra={REQUIRED_MARK: True, "pattern": '^(W/)?"?[0-9]{1,18}"?$'},
    ),
]


def if_match_sent(header: str | None) -> bool:
    return header is not None and header.strip() != ""


def parse_if_match(header: str | None, *, required: bool = True) -> int | None:
    if not if_match_sent(header):
        if required:
            raise ProblemError(
                428,
                "precondition_required",
                'This update needs an If-Match header with the version you read, e.g. If-Match: "3".',
            )
        return None
    value = (header or "").strip()
    if value.startswith("W/"):
        value = value[2:]
    value = value.strip('"')
    if not (value.isascii() and value.isdigit()) or len(value) > 18:
        raise ProblemError(400, "invalid_if_match", 'If-Match must be a version ETag such as "3".')
    return int(value)


def check_version(expected: int | None, actual: int) -> None:
    if expected is not None and expected != actual:
        raise ProblemError(
            412,
            "precondition_failed",
            "The record was changed by someone else since you read it; reload and try again.",
            extra={"current_version": actual},
        )


def check_replace(existing_version: int | None, expected: int | None, if_match_sent: bool, what: str) -> None:
    """PUT that creates or replaces: creating needs no If-Match; replacing needs the version that was read."""
    if existing_version is None:
        if if_match_sent:
            raise ProblemError(412, "precondition_failed", f"There is no {what} to replace yet.")
        return
    if not if_match_sent:
        raise ProblemError(
            428, "precondition_required", f"This {what} already exists; send If-Match with its version to replace it."
        )
    check_version(expected, existing_version)
