"""An event's hash computed with its changes given as JSON text (the bulk path, which writes that text by COPY)
is the hash computed from the values (what verification recomputes from the stored row)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

from fupin.audit.chain import HASHED_FIELDS, build_event, event_hash
from fupin.audit.feed import canonical, digest, digest_with
from fupin.core.bulk import JsonText
from fupin.core.context import Actor


def test_digest_with_a_value_as_text_is_the_digest() -> None:
    values = [1, "甲", {"b": [1, Decimal("2.50")], "a": None}, date(2020, 1, 2), None]
    for at in range(len(values)):
        assert digest_with(values, at=at, text=canonical(values[at])) == digest(values)
    assert digest_with([{"x": 1}], at=0, text=canonical({"x": 1})) == digest([{"x": 1}])


def test_an_event_built_for_copy_has_the_hash_of_its_stored_values() -> None:
    common = dict(
        seq=7,
        prev_hash="0" * 64,
        occurred_at=datetime(2026, 12, 3, 8, 0, tzinfo=UTC),
        actor=Actor("user", "1", "管理员"),
        client_ip=None,
        request_id="r-1",
        action="household.created",
        entity_type="household",
        entity_id="h-1",
        region_code="220382001001",
        subject_id=None,
        changes={"name": [None, "张三"], "area": [None, "85.50"], "causes": [None, ["01", "07"]]},
        version=1,
        feed=[],
    )
    plain = build_event(**common)  # type: ignore[arg-type]
    copied = build_event(**common, changes_as_text=True)  # type: ignore[arg-type]
    assert isinstance(copied["changes"], JsonText)
    assert copied["hash"] == plain["hash"]
    # as verification reads it back: the text's value in place of the text
    stored = {**copied, "changes": json.loads(copied["changes"])}
    assert event_hash(stored) == copied["hash"]
    assert "changes" in HASHED_FIELDS
