"""The demo city: regions, one login per role (demo mode only) and N generated households."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import Connection, Table, func, select

from fupin.authz.scope import region_prefix
from fupin.core.models import utcnow
from fupin.core.security import hash_password
from fupin.households.models import VillageSequence
from fupin.regions.models import Region
from fupin.seed import bulk
from fupin.seed.bulk import HOUSEHOLDS
from fupin.seed.generator import generate
from fupin.seed.regions import CITY, DEMO_TOWNSHIP, DEMO_VILLAGE, OTHER_TOWNSHIP, build_regions
from fupin.users.models import User

DEMO_PASSWORD = "fupin-demo"
REGIONS: Table = Region.__table__  # type: ignore[assignment]
USERS: Table = User.__table__  # type: ignore[assignment]

# username, display name, roles, region, department, personal-data permission
DEMO_USERS: list[tuple[str, str, list[str], str | None, str | None, bool]] = [
    ("admin", "系统管理员", ["admin"], None, None, True),
    ("city_office", "四平市扶贫办", ["city_office"], CITY[0], None, True),
    ("county_office", "双辽市扶贫办", ["county_office"], "220382000000", None, True),
    ("township", "卧虎镇扶贫工作站", ["township"], DEMO_TOWNSHIP, None, True),
    ("township2", "双山镇扶贫工作站", ["township"], OTHER_TOWNSHIP, None, True),
    ("village", "东方红村第一书记", ["village"], DEMO_VILLAGE, None, True),
    ("department", "四平市卫生健康委员会", ["department"], CITY[0], "health", False),
    ("inspector", "市专项督查组", ["inspector"], CITY[0], None, False),
    ("auditor", "市纪委监委", ["auditor"], None, None, True),
    ("integration", "吉林省扶贫信息平台", ["integration"], CITY[0], None, True),
    # linked to the demo village's first secretary by the cadre seed (fupin.seed.cadres)
    ("cadre", "东方红村驻村第一书记", ["cadre"], DEMO_VILLAGE, None, False),
]


def seed_regions(conn: Connection) -> int:
    existing = set(conn.execute(select(REGIONS.c.code)).scalars().all())
    rows = [
        {
            "code": r.code,
            "name": r.name,
            "level": r.level,
            "parent_code": r.parent_code,
            "is_poor_village": r.is_poor_village,
            "poverty_exit_year": r.poverty_exit_year,
            "valid_from": date(2014, 1, 1),
            "valid_to": None,
        }
        for r in build_regions()
        if r.code not in existing
    ]
    if rows:
        conn.execute(REGIONS.insert(), rows)
    return len(rows)


def seed_demo_users(conn: Connection) -> list[str]:
    existing = set(conn.execute(select(USERS.c.username)).scalars().all())
    hashed = hash_password(DEMO_PASSWORD)
    now = utcnow()
    created = []
    for username, display, roles, region, dept, pii in DEMO_USERS:
        if username in existing:
            continue
        conn.execute(
            USERS.insert().values(
                public_id=uuid.uuid5(uuid.NAMESPACE_URL, f"fupin-demo-user:{username}"),
                username=username,
                password_hash=hashed,
                display_name=display,
                roles=roles,
                region_code=region,
                department=dept,
                pii=pii,
                active=True,
                version=1,
                created_at=now,
                updated_at=now,
            )
        )
        created.append(username)
    if created:
        bulk.record_sync(conn, "fupin seed", "user.demo_created", "user", None, None, {"usernames": [None, created]})
    return created


def demo_prefix(code: str) -> str:
    return region_prefix(code)


def village_codes(conn: Connection) -> list[str]:
    return list(
        conn.execute(
            select(REGIONS.c.code).where(REGIONS.c.level == 5, REGIONS.c.valid_to.is_(None)).order_by(REGIONS.c.code)
        )
        .scalars()
        .all()
    )


def household_count(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(HOUSEHOLDS)).scalar_one())


def seed_households(
    conn: Connection,
    count: int,
    seed: int = 2018,
    detailed: bool = True,
    batch_size: int = 5000,
    within: list[str] | None = None,
) -> bulk.LoadReport:
    """Generate `count` households; `within` limits them to the villages under these region codes."""
    villages = village_codes(conn)
    if within:
        villages = [v for v in villages if any(v.startswith(demo_prefix(w)) for w in within)]
    if not villages:
        raise RuntimeError("no villages: seed the regions first")
    # the demo village always gets households of its own first, so the demo logins see data at once
    ordered = [DEMO_VILLAGE, *[v for v in villages if v != DEMO_VILLAGE]] if DEMO_VILLAGE in villages else villages
    # the demo township gets about a tenth of the households, so its logins see a working register at any size
    demo_villages = [v for v in ordered if v.startswith(DEMO_TOWNSHIP[:9])]
    if demo_villages and len(demo_villages) < len(ordered):
        ordered = demo_villages * max(1, len(ordered) // (9 * len(demo_villages))) + ordered
    table: Table = VillageSequence.__table__  # type: ignore[assignment]
    start = {code: int(value) for code, value in conn.execute(select(table.c.village_code, table.c.last_value))}
    return bulk.load(
        conn,
        generate(ordered, count, seed=seed, detailed=detailed, start_sequences=start),
        batch_size=batch_size,
    )
