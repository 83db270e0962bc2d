"""Plain functions that build request bodies with valid, unique ID numbers."""

from __future__ import annotations

import itertools
import random
from datetime import date
from typing import Any

from fupin.core.idnumber import make

DEMO_VILLAGE = "220382102201"
OTHER_TOWNSHIP_VILLAGE = "220382101201"
_seq = itertools.count(1)
_rng = random.Random(99)


def id_number(born: date | None = None, male: bool = True) -> str:
    """A valid number that the seeded data cannot hold (region 650102 is not in the demo city)."""
    born = born or date(1970 + _rng.randint(0, 30), _rng.randint(1, 12), _rng.randint(1, 28))
    n = next(_seq)
    seq = (2 * n + (1 if male else 0)) % 1000
    return make("650102", born, seq)


def member(relation: str = "02", male: bool = False, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "测试成员",
        "id_number": id_number(male=male),
        "relation": relation,
        "ethnicity": "01",
        "education": "junior",
        "school_status": "none",
        "health": "healthy",
        "labour": "ordinary",
        "work_status": "in_county",
        "months_worked": 6,
        "medical_insurance": True,
    }
    body.update(overrides)
    return body


def household(
    village: str = DEMO_VILLAGE, members: list[dict[str, Any]] | None = None, **overrides: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "village_code": village,
        "group": "3组",
        "address": "3组18号",
        "phone": "13904341234",
        "attribute": "general",
        "identification_standard": "national",
        "main_cause": "01",
        "secondary_causes": ["08"],
        "first_identified_on": "2016-05-10",
        "members": members
        if members is not None
        else [
            member("01", male=True, name="王建国"),
            member("02", male=False, name="李秀英"),
        ],
    }
    body.update(overrides)
    return body


def cadre(kind: str = "paired", **overrides: Any) -> dict[str, Any]:
    """A cadre serving the demo township (帮扶干部)."""
    body: dict[str, Any] = {
        "name": "张帮扶",
        "id_number": id_number(),
        "phone": "13904345678",
        "work_unit": "双辽市农业农村局",
        "post": "科员",
        "kind": kind,
        "region_code": "220382102000",
    }
    body.update(overrides)
    return body
