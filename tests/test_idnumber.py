"""Resident ID numbers: shared vectors (also used by the SPA's validator) and property tests."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fupin.core import idnumber

VECTORS = json.loads((Path(__file__).parent / "fixtures" / "id_numbers.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("value", VECTORS["valid"])
def test_valid_vectors(value: str) -> None:
    parsed = idnumber.parse(value)
    assert parsed.value == value
    assert parsed.gender == ("1" if int(value[16]) % 2 else "2")


@pytest.mark.parametrize("case", VECTORS["invalid"], ids=lambda c: c["value"])
def test_invalid_vectors(case: dict[str, str]) -> None:
    with pytest.raises(idnumber.IdNumberError) as err:
        idnumber.parse(case["value"])
    assert err.value.code == case["code"]


@pytest.mark.parametrize("case", VECTORS["normalized"], ids=lambda c: c["value"])
def test_normalisation(case: dict[str, str]) -> None:
    assert idnumber.parse(case["input"]).value == case["value"]


regions = st.sampled_from(["220382", "110101", "650102", "440305", "220322"])
births = st.dates(min_value=date(1900, 1, 1), max_value=date(2024, 12, 31))


@given(regions, births, st.integers(min_value=0, max_value=999))
def test_made_numbers_parse_back(region: str, born: date, seq: int) -> None:
    number = idnumber.make(region, born, seq)
    parsed = idnumber.parse(number)
    assert parsed.birth_date == born
    assert parsed.gender == ("1" if seq % 2 else "2")


@given(
    regions,
    births,
    st.integers(min_value=0, max_value=999),
    st.integers(min_value=0, max_value=16),
    st.integers(min_value=1, max_value=9),
)
def test_any_single_digit_change_is_caught(region: str, born: date, seq: int, pos: int, delta: int) -> None:
    number = idnumber.make(region, born, seq)
    changed = number[:pos] + str((int(number[pos]) + delta) % 10) + number[pos + 1 :]
    with pytest.raises(idnumber.IdNumberError):
        idnumber.parse(changed)


@given(st.text(max_size=30))
def test_arbitrary_text_never_crashes(text: str) -> None:
    try:
        idnumber.parse(text)
    except idnumber.IdNumberError as err:
        assert err.code.startswith("id_number.")


def test_masking() -> None:
    assert idnumber.mask("220382195410190017") == "220382********0017"
    assert idnumber.mask_phone("13904341234") == "139****1234"
    assert idnumber.mask_account("6217000011112222") == "************2222"
