"""Demo data of assistance on record: cadres of every kind in the demo township, pairings (some households have
none), a first secretary and a work team per village, visits (some households never visited, some never by their
village's first secretary) and residency days of this year (some first secretaries below 200 days pro rata).
The demo login `cadre` is linked to the demo village's first secretary."""

from __future__ import annotations

import random
import uuid
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection, Table, func, select, update

from fupin.cadres.models import Assignment, Cadre, ResidencyDay, Visit
from fupin.core.idnumber import make
from fupin.core.models import utcnow
from fupin.households.models import Household
from fupin.seed import bulk
from fupin.seed.regions import DEMO_TOWNSHIP, DEMO_VILLAGE
from fupin.users.models import User

CADRES: Table = Cadre.__table__  # type: ignore[assignment]
ASSIGNMENTS: Table = Assignment.__table__  # type: ignore[assignment]
VISITS: Table = Visit.__table__  # type: ignore[assignment]
RESIDENCY: Table = ResidencyDay.__table__  # type: ignore[assignment]
HOUSEHOLDS: Table = Household.__table__  # type: ignore[assignment]
USERS: Table = User.__table__  # type: ignore[assignment]
DEMO_FIRST_SECRETARY = uuid.uuid5(uuid.NAMESPACE_URL, "fupin-demo-cadre:first-secretary")
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ["建国", "秀英", "志强", "海燕", "国栋", "丽娟", "春生", "红梅", "立新", "玉兰", "振华", "晓东"]
UNITS = ["四平市农业农村局", "双辽市教育局", "双辽市卫生健康局", "双辽市财政局", "国网双辽市供电公司", "双辽市人社局"]
CONTENTS = [
    "入户走访, 了解家庭收入和务工情况",
    "宣讲扶贫政策, 核实两不愁三保障",
    "帮助联系就业岗位, 填写务工登记",
    "查看危房改造进度, 记录存在问题",
    "慰问走访, 了解子女就学和医疗报销",
]
PER_PAIRED_CADRE = 5  # households per paired cadre


def _cadre_row(rng: random.Random, *, kind: str, region: str, unit: str, post: str, n: int) -> dict[str, Any]:
    now = utcnow()
    born = date(1965 + rng.randint(0, 30), rng.randint(1, 12), rng.randint(1, 28))
    return {
        "public_id": uuid.uuid5(uuid.NAMESPACE_URL, f"fupin-demo-cadre:{region}:{kind}:{n}"),
        "region_code": region,
        "name": rng.choice(SURNAMES) + rng.choice(GIVEN),
        "id_number": make("220382", born, 500 + n),
        "phone": f"139{rng.randint(10000000, 99999999)}",
        "work_unit": unit,
        "post": post,
        "kind": kind,
        "active": True,
        "created_at": now,
        "updated_at": now,
        "version": 1,
    }


def _insert_cadre(conn: Connection, row: dict[str, Any]) -> int:
    return int(conn.execute(CADRES.insert().values(**row).returning(CADRES.c.id)).scalar_one())


def seed_cadres(conn: Connection, today: date, *, seed: int = 2020) -> int:
    """The demo cadres and their records, once (nothing when any cadre exists). Returns the cadres added."""
    if conn.execute(select(CADRES.c.id).limit(1)).first() is not None:
        return 0
    rng = random.Random(seed)
    h = HOUSEHOLDS.c
    rows = conn.execute(
        select(h.id, h.village_code)
        .where(h.village_code.like(DEMO_TOWNSHIP[:9] + "%"), h.status != "removed")
        .order_by(h.village_code, h.id)
    ).all()
    by_village: dict[str, list[int]] = {}
    for pk, village in rows:
        by_village.setdefault(village, []).append(pk)
    if not by_village:
        return 0
    now = utcnow()
    year_start = date(today.year, 1, 1)
    counter = 0
    assignments: list[dict[str, Any]] = []
    visits: list[dict[str, Any]] = []
    residency: list[dict[str, Any]] = []

    def assignment(cadre: int, kind: str, village: str, household: int | None, starts: date, ends: date | None) -> None:
        assignments.append(
            {
                "public_id": uuid.uuid4(),
                "cadre_id": cadre,
                "household_id": household,
                "village_code": village,
                "kind": kind,
                "starts_on": starts,
                "ends_on": ends,
                "created_by_name": "fupin seed",
                "created_at": now,
                "version": 1,
            }
        )

    def visit(cadre: int, village: str, household: int, on: date) -> None:
        visits.append(
            {
                "public_id": uuid.uuid4(),
                "cadre_id": cadre,
                "household_id": household,
                "village_code": village,
                "visited_on": on,
                "content": rng.choice(CONTENTS),
                "location": None,
                "created_by_name": "fupin seed",
                "created_at": now,
                "version": 1,
            }
        )

    def days_in_village(cadre: int, region: str, share: float) -> None:
        day = year_start
        while day < today:
            roll = rng.random()
            if roll < share:
                kind = "present" if rng.random() < 0.9 else "duty"
                residency.append(_residency(cadre, region, day, kind, now))
            elif roll < share + 0.05:
                residency.append(_residency(cadre, region, day, "leave", now))
            day += timedelta(days=1)

    for index, (village, households) in enumerate(sorted(by_village.items())):
        counter += 1
        first = _cadre_row(
            rng, kind="first_secretary", region=village, unit=UNITS[index % len(UNITS)], post="第一书记", n=counter
        )
        if village == DEMO_VILLAGE:
            first["public_id"] = DEMO_FIRST_SECRETARY
        secretary = _insert_cadre(conn, first)
        assignment(secretary, "first_secretary", village, None, date(today.year - 1, 3, 1), None)
        # every other village's first secretary is in the village too little (below 200 days pro rata)
        days_in_village(secretary, village, 0.35 if index % 2 else 0.8)
        for member in range(2):
            counter += 1
            team = _insert_cadre(
                conn,
                _cadre_row(
                    rng,
                    kind="work_team",
                    region=village,
                    unit=UNITS[(index + member + 1) % len(UNITS)],
                    post="驻村工作队员",
                    n=counter,
                ),
            )
            assignment(team, "work_team", village, None, date(today.year - 1, 3, 1), None)
            days_in_village(team, village, 0.7)
        # paired cadres: about five households each; the last tenth of the village has no pairing
        paired_households = households[: max(1, len(households) * 9 // 10)]
        for start in range(0, len(paired_households), PER_PAIRED_CADRE):
            counter += 1
            unit = UNITS[rng.randrange(len(UNITS))]
            paired = _insert_cadre(
                conn, _cadre_row(rng, kind="paired", region=village, unit=unit, post="帮扶责任人", n=counter)
            )
            for household in paired_households[start : start + PER_PAIRED_CADRE]:
                if rng.random() < 0.15:
                    # reassigned this year: the old pairing is kept, ended (turnover)
                    counter += 1
                    previous = _insert_cadre(
                        conn,
                        _cadre_row(
                            rng,
                            kind="paired",
                            region=village,
                            unit=UNITS[rng.randrange(len(UNITS))],
                            post="帮扶责任人",
                            n=counter,
                        ),
                    )
                    changed = year_start + timedelta(days=rng.randint(0, max(0, (today - year_start).days - 1)))
                    assignment(previous, "paired", village, household, date(today.year - 2, 5, 1), changed)
                    assignment(paired, "paired", village, household, changed, None)
                else:
                    assignment(paired, "paired", village, household, date(today.year - 1, 4, 1), None)
                # some households were never visited; the others one to four times in the last 200 days
                if rng.random() < 0.8:
                    for _ in range(rng.randint(1, 4)):
                        visit(paired, village, household, today - timedelta(days=rng.randint(1, 200)))
        # the first secretary has met about half of the village's households
        for household in households:
            if rng.random() < 0.5:
                visit(secretary, village, household, today - timedelta(days=rng.randint(1, 300)))
    for table, batch in ((ASSIGNMENTS, assignments), (VISITS, visits), (RESIDENCY, residency)):
        for i in range(0, len(batch), 5000):
            conn.execute(table.insert(), batch[i : i + 5000])
    conn.execute(
        update(USERS)
        .where(USERS.c.username == "cadre")
        .values(cadre_id=select(CADRES.c.id).where(CADRES.c.public_id == DEMO_FIRST_SECRETARY).scalar_subquery())
    )
    added = int(conn.execute(select(func.count()).select_from(CADRES)).scalar_one())
    bulk.record_sync(
        conn,
        "fupin seed",
        "seed.bulk_load",
        "cadre",
        None,
        DEMO_TOWNSHIP,
        {
            "cadres": [None, added],
            "assignments": [None, len(assignments)],
            "visits": [None, len(visits)],
            "residency_days": [None, len(residency)],
        },
    )
    return added


def _residency(cadre: int, region: str, day: date, kind: str, now: Any) -> dict[str, Any]:
    return {
        "public_id": uuid.uuid4(),
        "cadre_id": cadre,
        "region_code": region,
        "day": day,
        "kind": kind,
        "recorded_by_name": "fupin seed",
        "created_at": now,
        "updated_at": now,
        "version": 1,
    }
