"""The demo generator is deterministic and produces valid, plausible households."""

from __future__ import annotations

from collections import Counter

from fupin.core import idnumber
from fupin.seed.generator import LINES, generate
from fupin.seed.regions import DEMO_VILLAGE, build_regions


def test_regions_include_the_demo_village() -> None:
    regions = {r.code: r for r in build_regions()}
    assert regions[DEMO_VILLAGE].name == "东方红村"
    assert regions["220382102000"].name == "卧虎镇" and regions["220382000000"].name == "双辽市"
    assert all(r.parent_code in regions for r in regions.values() if r.parent_code)
    assert build_regions() == build_regions()


def test_generator_is_deterministic_and_valid() -> None:
    villages = [r.code for r in build_regions() if r.level == 5][:50]
    first = list(generate(villages, 300, seed=3))
    second = list(generate(villages, 300, seed=3))
    assert [h.household_number for h in first] == [h.household_number for h in second]
    assert [m["id_number"] for h in first for m in h.members] == [m["id_number"] for h in second for m in h.members]
    numbers = [m["id_number"] for h in first for m in h.members]
    assert len(numbers) == len(set(numbers))
    for h in first:
        assert sum(m["relation"] == "01" for m in h.members) == 1
        for m in h.members:
            parsed = idnumber.parse(m["id_number"])
            assert parsed.birth_date == m["birth_date"] and parsed.gender == m["gender"]
    statuses = Counter(h.values["status"] for h in first)
    assert {"not_exited", "exited_with_policy", "returned"} <= set(statuses)
    sizes = Counter(len(h.members) for h in first)
    assert len(sizes) >= 3
    # incomes sit around the poverty line: exited households above it, most open ones below
    for h in first:
        inc = {i["year"]: i for i in h.incomes}
        if h.values["status"] == "exited_with_policy" and h.values["exit_year"] <= 2020:
            assert inc[2020]["per_capita_net_income"] > LINES[2020]
