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


def _smallest_region(codes: list[str]) -> str:
    """The smallest region holding all of `codes` (12-digit village, township or county codes of one county)."""
    if len(set(codes)) == 1:
        return codes[0]
    if len({c[:9] for c in codes}) == 1:
        return codes[0][:9] + "000"
    return codes[0][:6] + "000000"


def insert_project(
    database_url: str,
    *,
    region_codes: list[str] | None = None,
    planned_start_on: date = date(2026, 1, 1),
    due_on: date = date(2026, 12, 31),
    stage: str = "implementing",
    **overrides: Any,
) -> str:
    """A project row with its regions, written directly (for tests of what hangs off a project); its public id."""
    import uuid
    from datetime import UTC, datetime

    from sqlalchemy import insert, select

    from fupin.projects.models import Project, ProjectRegion
    from fupin.seed.bulk import sync_engine

    codes = [c.ljust(12, "0") for c in (region_codes or [DEMO_VILLAGE])]
    public_id = uuid.uuid4()
    now = datetime.now(UTC)
    values: dict[str, Any] = {
        "public_id": public_id,
        "code": f"XM-{next(_seq):05d}",
        "name": "东方红村饮水安全工程",
        "category": "water",
        "level": "county",
        "nature": "new",
        "year": planned_start_on.year,
        "county_code": codes[0][:6] + "000000",
        "area_code": _smallest_region(codes),
        "responsible_unit": "双辽市水利局",
        "planned_start_on": planned_start_on,
        "due_on": due_on,
        "stage": stage,
        "health": "on_track",
        "version": 1,
        "created_at": now,
        "updated_at": now,
        **overrides,
    }
    engine = sync_engine(database_url)
    try:
        with engine.begin() as conn:
            conn.execute(insert(Project.__table__).values(**values))
            pk = conn.execute(select(Project.__table__.c.id).where(Project.__table__.c.public_id == public_id))
            project_pk = pk.scalar_one()
            for code in codes:
                conn.execute(insert(ProjectRegion.__table__).values(project_id=project_pk, region_code=code))
    finally:
        engine.dispose()
    return str(public_id)
