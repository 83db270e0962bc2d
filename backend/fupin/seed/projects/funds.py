"""The funds of a demo project: allocations by source once it is in the library (publicised within 15 working
days, once late, once never), payments in stages never over them, the housing subsidy paid to the households, and
the seeded anomalies (idle funds, a voucher number used twice, a payment to a removed household, a payment before
the entry and one after the completion, a corrected entry)."""

import random
import uuid
from collections.abc import Iterator, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from fupin.seed.projects.beneficiaries import Beneficiary, households_in
from fupin.seed.projects.notices import allocation_notice
from fupin.seed.projects.plan import Spec
from fupin.seed.projects.scenarios import Timeline
from fupin.seed.projects.seeder import Seeder
from fupin.seed.projects.tables import ALLOCATIONS, DISBURSEMENTS
from fupin.seed.projects.values import CENT, hundreds, money, work_time, working_days_after

# category → (source, percent) of its budget
SOURCES: dict[str, tuple[tuple[str, int], ...]] = {
    "housing": (("central", 60), ("provincial", 25), ("county", 15)),
    "water": (("central", 50), ("integrated", 30), ("county", 20)),
    "road": (("integrated", 60), ("provincial", 25), ("county", 15)),
    "pv": (("central", 40), ("integrated", 30), ("social", 20), ("county", 10)),
    "network": (("provincial", 30), ("county", 10), ("other", 60)),
    "new_village": (("provincial", 60), ("city", 20), ("county", 20)),
    "industry": (("central", 50), ("integrated", 30), ("social", 20)),
    "education": (("provincial", 50), ("integrated", 30), ("county", 20)),
    "employment": (("central", 70), ("county", 30)),
    "public_service": (("county", 100),),
}
CENTRAL_PER_HOUSEHOLD = Decimal(9000)  # of the housing subsidy, paid to the household
COMPANIES = {
    "housing": "{county}农村危房改造建材统一采购中心",
    "water": "吉林省{county}水务工程有限公司",
    "road": "吉林省宏达路桥工程有限公司",
    "pv": "国家电投集团吉林新能源有限公司",
    "network": "中国移动通信集团吉林有限公司四平分公司",
    "new_village": "吉林省华宇建筑工程有限公司",
    "industry": "{place}扶贫产业专业合作社",
    "education": "吉林省四平建设集团有限公司",
    "employment": "{place}扶贫车间建设项目部",
    "public_service": "{place}村民委员会",
}


def split(budget: Decimal, shares: Sequence[tuple[str, int]]) -> Iterator[tuple[str, Decimal]]:
    left = money(budget)
    for i, (source, percent) in enumerate(shares):
        amount = left if i == len(shares) - 1 else hundreds(budget * percent / 100)
        left -= amount
        yield source, amount


def add_funds(
    s: Seeder,
    spec: Spec,
    t: Timeline,
    pid: int,
    public_id: uuid.UUID,
    county: str,
    index: int,
    figures: dict[str, Any],
) -> dict[str, list[Any]]:
    """Allocations by source once the project is in the library, payments in stages never over them."""
    rng, today, rows, reg = s.rng, s.today, s.rows, s.reg
    if t.entered is None and spec.scenario != "stalled":
        return {}
    entered = t.entered or t.start
    allocations = 0
    payments = 0
    base = entered + timedelta(days=rng.randint(3, 15))
    place = reg.names.get(spec.regions[0], "")
    payee = COMPANIES[spec.category].format(county=reg.county_name(county), place=place)
    for number, (source, amount) in enumerate(split(spec.budget, SOURCES[spec.category])):
        allocated_on = min(today, base + timedelta(days=rng.randint(0, 20) * number))
        if spec.scenario == "stalled":
            allocated_on = t.start - timedelta(days=rng.randint(5, 20))
        if "before_library" in spec.flags and number == 0:
            allocated_on = entered - timedelta(days=12)
        aid = s.ids.take(ALLOCATIONS)
        alloc_public = uuid.uuid5(public_id, f"allocation:{source}")
        # publicised (公告公示) within 15 working days, a few days after; once late, once never
        published: date | None = working_days_after(allocated_on, rng.randint(2, 12))
        if "notice_late" in spec.flags and number == 0:
            published = working_days_after(allocated_on, rng.randint(18, 24))
        if "notice_missing" in spec.flags and number == 1:
            published = None
        if published is not None and published > today:
            published = None  # not yet: still within the 15 working days
        document_no = s.document(source, county, allocated_on.year)
        rows.allocations.append(
            {
                "id": aid,
                "public_id": alloc_public,
                "project_id": pid,
                "source": source,
                "amount": amount,
                "document_no": document_no,
                "allocated_on": allocated_on,
                "published_on": published,
                "created_at": work_time(allocated_on, rng),
                "actor_name": f"{reg.county_name(county)}财政局",
            }
        )
        allocations += 1
        if published is not None:
            allocation_notice(
                s,
                county,
                pid,
                public_id,
                allocation_id=aid,
                figures={
                    "code": figures["code"],
                    "name": figures["name"],
                    "source": source,
                    "amount": str(amount),
                    "document_no": document_no,
                    "allocated_on": allocated_on.isoformat(),
                },
                published=published,
            )
        # payments: the housing subsidy straight to the households whose renovation is done; the rest in stages
        if spec.category == "housing" and source == "central":
            direct = s.direct.get(pid, [])
            for household, done_on in direct:
                paid_on = min(today, max(done_on, allocated_on) + timedelta(days=rng.randint(3, 15)))
                payments += _pay_subsidy(s, pid, county, source, household, paid_on)
            room = amount - CENTRAL_PER_HOUSEHOLD * len(direct)
            if not s.ineligible_paid and direct and room >= CENTRAL_PER_HOUSEHOLD:
                # paid to a household that has been removed from the register or exited with its policies ended
                gone = households_in(s.conn, spec.regions, ("removed", "exited_no_policy"), 1)
                if gone:
                    paid_on = min(today, allocated_on + timedelta(days=rng.randint(20, 40)))
                    payments += _pay_subsidy(s, pid, county, source, gone[0], paid_on)
                    s.ineligible_paid = True
            continue
        stages = payment_stages(t, spec, today)
        for stage_no, (stage, share, day) in enumerate(stages):
            if stage == "质量保证金" and number > 0:
                continue  # the retention of one source only is paid after completion
            paid_on = min(today, max(day, allocated_on + timedelta(days=2)))
            if "before_library" in spec.flags and number == 0 and stage_no == 0:
                paid_on = entered - timedelta(days=6)
            value = money(amount * share)
            if value <= 0:
                continue
            voucher = None
            if spec.twin is not None and number == 0 and stage_no == 0:
                voucher = s.first_voucher.get(spec.twin)
            if "correction" in spec.flags and number == 0 and stage == "进度款":
                # recorded 10 % too high, reversed by a negative entry naming it, then recorded again
                wrong = money(value * Decimal("1.1"))
                wrong_id = s.ids.next[DISBURSEMENTS.name]
                payments += pay(s, pid, county, source, wrong, paid_on, payee, stage, f"{spec.name}{stage}", None)
                fix_on = min(today, paid_on + timedelta(days=2))
                payments += pay(
                    s,
                    pid,
                    county,
                    source,
                    -wrong,
                    fix_on,
                    payee,
                    stage,
                    f"冲销: {spec.name}{stage}金额录入错误",
                    None,
                    corrects=wrong_id,
                )
                paid_on = fix_on
            payments += pay(
                s, pid, county, source, value, paid_on, payee, stage, f"{spec.name}{stage}", None, voucher=voucher
            )
            if number == 0 and stage_no == 0:
                s.first_voucher.setdefault(index, s.rows.disbursements[-1]["voucher_no"])
    return {"allocations": [None, allocations], "disbursements": [None, payments]}


def payment_stages(t: Timeline, spec: Spec, today: date) -> list[tuple[str, Decimal, date]]:
    """The payment stages reached, as (stage, share of the allocation, day): 预付款 30 % after the start, 进度款 with
    the work, 尾款 at completion with 3 % 质量保证金 kept back (paid after completion for one project)."""
    rng = random.Random(f"{spec.name}:{t.start}")  # the same days for every source of the project
    first = t.start + timedelta(days=rng.randint(5, 15))
    if spec.scenario == "stalled":
        return [("预付款", Decimal("0.10"), first)]
    if t.stage not in ("implementing", "accepted", "completed"):
        return []
    stages = [("预付款", Decimal("0.30"), first)]
    if t.stage == "implementing":
        if t.share >= Decimal("0.2"):
            middle = t.start + (today - t.start) * 2 // 3
            stages.append(("进度款", (t.share * Decimal("0.6")).quantize(CENT), middle))
        return stages
    assert t.accepted is not None
    stages.append(("进度款", Decimal("0.50"), t.start + (t.accepted - t.start) * 3 // 5))
    if t.completed is not None:
        stages.append(("尾款", Decimal("0.17"), t.completed - timedelta(days=rng.randint(0, 5))))
        if "after_completion" in spec.flags:
            stages.append(("质量保证金", Decimal("0.03"), t.completed + timedelta(days=rng.randint(5, 9))))
    return stages


def _pay_subsidy(s: Seeder, pid: int, county: str, source: str, household: Beneficiary, paid_on: date) -> int:
    """The central share of the housing subsidy, paid straight to the household (直补到户)."""
    return pay(
        s,
        pid,
        county,
        source,
        CENTRAL_PER_HOUSEHOLD,
        paid_on,
        household.head_name or "受益户",
        "补助资金",
        "危房改造补助资金(直补到户)",
        household.id,
    )


def pay(
    s: Seeder,
    pid: int,
    county: str,
    source: str,
    amount: Decimal,
    paid_on: date,
    payee: str,
    stage: str,
    purpose: str,
    household_id: int | None,
    *,
    corrects: int | None = None,
    voucher: str | None = None,
) -> int:
    did = s.ids.take(DISBURSEMENTS)
    s.rows.disbursements.append(
        {
            "id": did,
            "public_id": uuid.uuid5(uuid.NAMESPACE_URL, f"fupin-demo-disbursement:{pid}:{did}"),
            "project_id": pid,
            "source": source,
            "amount": amount,
            "paid_on": paid_on,
            "payee": payee,
            "payee_household_id": household_id,
            "purpose": purpose[:300],
            "voucher_no": voucher or s.voucher(county, paid_on.year),
            "stage": stage,
            "corrects_id": corrects,
            "evidence_ids": [],
            "created_at": work_time(paid_on, s.rng),
            "actor_name": f"{s.reg.county_name(county)}财政局",
        }
    )
    return 1
