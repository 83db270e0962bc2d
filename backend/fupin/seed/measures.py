"""Demo measures (帮扶措施): measures of every type on households of the demo township, recorded by the line
departments of their field, in every status, with the household's paired cadre as the responsible one (责任干部);
some households get none this year, so the views of missing measures show something real. Once: nothing is added
when measures exist."""

from __future__ import annotations

import random
import uuid
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import Connection, Table, func, select

from fupin.audit import chain
from fupin.audit.chain import Actor, FeedItem
from fupin.cadres.models import Assignment
from fupin.core.models import utcnow
from fupin.departments.models import Department
from fupin.households.models import Household, Member
from fupin.measures.models import Measure
from fupin.seed.regions import DEMO_TOWNSHIP

MEASURES: Table = Measure.__table__  # type: ignore[assignment]
HOUSEHOLDS: Table = Household.__table__  # type: ignore[assignment]
MEMBERS: Table = Member.__table__  # type: ignore[assignment]
DEPARTMENTS: Table = Department.__table__  # type: ignore[assignment]
ASSIGNMENTS: Table = Assignment.__table__  # type: ignore[assignment]

# type → (content, amount in yuan or None, for a member)
CONTENT: dict[str, tuple[str, int | None, bool]] = {
    "industry": ("发放扶贫肉牛2头, 加入养殖专业合作社", 8000, False),
    "employment": ("推荐到县内企业务工, 签订一年劳动合同", None, True),
    "education": ("落实两免一补, 发放寄宿生生活补助", 1000, True),
    "health": ("家庭医生签约服务, 慢病门诊报销", 1500, True),
    "housing": ("C级危房修缮加固", 15000, False),
    "water": ("接通自来水入户", 600, False),
    "relocation": ("易地扶贫搬迁至镇集中安置点", 60000, False),
    "ecological": ("聘为生态护林员", 6000, True),
    "safety_net": ("纳入农村低保, 按月发放低保金", 3480, False),
    "microcredit": ("发放扶贫小额信贷5万元, 财政贴息", 50000, False),
    "insurance": ("代缴扶贫保险保费", 100, False),
    "pv": ("村级光伏电站收益分配", 3000, False),
    "asset_income": ("产业项目资产收益分红", 800, False),
    "other": ("微心愿: 送米面油", 200, False),
}
STATUSES = ("done", "done", "in_progress", "planned", "cancelled")
YEAR = 2018


def seed_measures(conn: Connection, *, households: int = 80, seed: int = 2018) -> int:
    """Measures on up to `households` households of the demo township (every fifth one gets none this year)."""
    if conn.execute(select(func.count()).select_from(MEASURES)).scalar_one():
        return 0
    rng = random.Random(seed)
    low, high = DEMO_TOWNSHIP[:9].ljust(12, "0"), str(int(DEMO_TOWNSHIP[:9]) + 1).ljust(12, "0")
    rows = conn.execute(
        select(HOUSEHOLDS.c.id, HOUSEHOLDS.c.village_code, HOUSEHOLDS.c.public_id)
        .where(HOUSEHOLDS.c.village_code >= low, HOUSEHOLDS.c.village_code < high, HOUSEHOLDS.c.status != "removed")
        .order_by(HOUSEHOLDS.c.household_number)
        .limit(households)
    ).all()
    if not rows:
        return 0
    owners: dict[str, str] = {}
    disabled_owner = None
    # deterministic on every backend (row order is not): a type's namesake department first (健康 → 卫健委), else
    # the first by code
    for code, types, disabled in conn.execute(
        select(DEPARTMENTS.c.code, DEPARTMENTS.c.measure_types, DEPARTMENTS.c.disabled_member_types).order_by(
            DEPARTMENTS.c.code
        )
    ):
        for t in types:
            if code == t:
                owners[t] = code
            else:
                owners.setdefault(t, code)
        if disabled:
            disabled_owner = code
    members: dict[int, list[tuple[int, str]]] = {}
    for hid, mid, health in conn.execute(
        select(MEMBERS.c.household_id, MEMBERS.c.id, MEMBERS.c.health)
        .where(MEMBERS.c.household_id.in_([r[0] for r in rows]), MEMBERS.c.active.is_(True))
        .order_by(MEMBERS.c.id)
    ):
        members.setdefault(hid, []).append((mid, health))
    # the responsible cadre (责任干部): the household's current paired cadre, when the cadre seed paired one
    paired: dict[int, int] = {
        hid: cid
        for hid, cid in conn.execute(
            select(ASSIGNMENTS.c.household_id, ASSIGNMENTS.c.cadre_id).where(
                ASSIGNMENTS.c.household_id.in_([r[0] for r in rows]),
                ASSIGNMENTS.c.kind == "paired",
                ASSIGNMENTS.c.ends_on.is_(None),
            )
        )
    }
    types = list(CONTENT)
    now = utcnow()
    out: list[dict[str, object]] = []
    for index, (hid, village, _) in enumerate(rows):
        if index % 5 == 4:
            continue  # no measure this year: 一户一策 not met yet
        chosen = [types[index % len(types)], *rng.sample(types, 2)]
        if index < len(types):
            chosen = [types[index]]  # the first households: every type at least once
        for number, kind in enumerate(dict.fromkeys(chosen)):
            content, amount, for_member = CONTENT[kind]
            member_id = None
            department = owners.get(kind)
            own = members.get(hid, [])
            if for_member and own:
                member_id, health = own[rng.randrange(len(own))]
                if kind == "health" and health == "disabled" and disabled_owner:
                    department = disabled_owner
            status = STATUSES[(index + number) % len(STATUSES)]
            planned = date(YEAR, rng.randint(3, 11), rng.randint(1, 28))
            out.append(
                {
                    "public_id": uuid.uuid5(uuid.NAMESPACE_URL, f"fupin-demo-measure:{hid}:{kind}"),
                    "household_id": hid,
                    "member_id": member_id,
                    "cadre_id": paired.get(hid),
                    "village_code": village,
                    "type": kind,
                    "content": content,
                    "year": YEAR,
                    "department": department,
                    "amount": Decimal(amount) if amount is not None else None,
                    "planned_on": planned,
                    "done_on": planned - timedelta(days=rng.randint(0, 40)) if status == "done" else None,
                    "status": status,
                    "status_reason": "户已享受同类政策, 重复登记" if status == "cancelled" else None,
                    "version": 1,
                    "created_at": now,
                    "updated_at": now,
                }
            )
    conn.execute(MEASURES.insert(), out)
    chain.record_sync(
        conn,
        actor=Actor("system", None, "fupin seed"),
        action="seed.measures",
        entity_type="measure",
        entity_id=None,
        region_code=DEMO_TOWNSHIP,
        changes={"measures": [None, len(out)]},
        feed=[FeedItem("measure", str(m["public_id"]), "created", str(m["village_code"]), 1, "seed") for m in out],
    )
    return len(out)
