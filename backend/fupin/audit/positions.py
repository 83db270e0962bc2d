"""Change-feed positions as opaque, signed tokens: what `GET /changes` returns as `next_after`, what an export
carries in `X-Fupin-Changes-Position`, and what a client passes back as `?after=`. A plain integer is still
accepted as `after` (0 = from the start), so clients written against the first contract keep working."""

from __future__ import annotations

from fupin.core.errors import ProblemError
from fupin.core.pagination import decode_cursor, encode_cursor

_KIND = "feed"


def encode_position(seq: int) -> str:
    return encode_cursor(_KIND, [seq])


def decode_position(value: str | int) -> int:
    """The feed sequence a position stands for; a forged or garbled token is a 400 (`invalid_cursor`)."""
    if isinstance(value, int):
        return value
    text = value.strip()
    if text.isascii() and text.isdigit():
        return int(text)
    seq = decode_cursor(text, _KIND)
    if len(seq) != 1 or not isinstance(seq[0], int) or seq[0] < 0:
        raise ProblemError(400, "invalid_cursor", "The cursor is invalid; start again from the first page.")
    return seq[0]
