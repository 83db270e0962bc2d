"""Demo projects (扶贫项目库): the plan's projects with their library history, targets, milestones, funds,
beneficiaries and public notices, so every project screen shows real-looking data. Once: nothing is added when a
project exists.

The plan (issue 10): 危房改造 938 households, water for 2,433 (central) + 4,191 (dispersed) people, 196.6 km of
village roads, a 30 MW PV plant, 320 4G base stations, 34 provincial key new-village projects, 44 key industry
projects, 25 schools with 30 building projects; beside them one project carried over from the year before (its
funds idle for over a year) and one removed from the library (出库).

Dates follow the app's day (`projects.clock.today()`, passed in as `today`): the plan year is the year of the day
120 days before it, and every project gets a scenario placing its dates around today (started months ago and on
track; near its due date with too little done; past its due date; a milestone missed; accepted; completed; or
still going through the library with a start ahead). The stored health and progress are those of the real rule
(`projects.health`), so the daily health job finds nothing to change.

The housing projects count their actual from the linked households whose 危房改造 measure is done: the demo
township's households with a housing measure (the measures seed) are linked and their measures name the project;
the other beneficiaries get a housing measure of the plan year delivered through the project.

Seeded anomalies (what the anomaly list finds): an allocation more than 12 months old mostly undisbursed (资金闲置),
one voucher number used twice in a county (重复报账), a subsidy paid to a removed or exited household (when the
register has one in the project's regions), a payment before the project entered the library, one after it was
completed, two industry projects without a linked poor household, an allocation never publicised (and one
publicised late). The audit events (`seed.projects`) are one per project and kind of record (the project, its
targets, milestones, beneficiary links), on the project's trail, with their change-feed entries; the measures
created or linked are one more event."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_DOWN, Decimal
from typing import Any

from sqlalchemy import Connection, Table, bindparam, func, select, text

from fupin.adjustments.clock import CHINA
from fupin.audit import chain
from fupin.audit.chain import Actor, FeedItem
from fupin.authz.scope import code_range
from fupin.cadres.models import Assignment
from fupin.core.models import utcnow
from fupin.departments.models import Department
from fupin.households.models import Household
from fupin.measures.models import Measure
from fupin.projects import health
from fupin.projects.beneficiaries import POOR
from fupin.projects.models import (
    FundAllocation,
    FundDisbursement,
    Project,
    ProjectBeneficiary,
    ProjectMilestone,
    ProjectNotice,
    ProjectRegion,
    ProjectStep,
    ProjectTarget,
    ProjectTargetUpdate,
)
from fupin.projects.service import _common_area
from fupin.regions.models import Region
from fupin.seed.bulk import Writer
from fupin.seed.regions import CITY, DEMO_TOWNSHIP, DEMO_VILLAGE, OTHER_TOWNSHIP

PROJECTS: Table = Project.__table__  # type: ignore[assignment]
PROJECT_REGIONS: Table = ProjectRegion.__table__  # type: ignore[assignment]
STEPS: Table = ProjectStep.__table__  # type: ignore[assignment]
TARGETS: Table = ProjectTarget.__table__  # type: ignore[assignment]
TARGET_UPDATES: Table = ProjectTargetUpdate.__table__  # type: ignore[assignment]
MILESTONES: Table = ProjectMilestone.__table__  # type: ignore[assignment]
ALLOCATIONS: Table = FundAllocation.__table__  # type: ignore[assignment]
DISBURSEMENTS: Table = FundDisbursement.__table__  # type: ignore[assignment]
BENEFICIARIES: Table = ProjectBeneficiary.__table__  # type: ignore[assignment]
NOTICES: Table = ProjectNotice.__table__  # type: ignore[assignment]
MEASURES: Table = Measure.__table__  # type: ignore[assignment]
HOUSEHOLDS: Table = Household.__table__  # type: ignore[assignment]
REGIONS: Table = Region.__table__  # type: ignore[assignment]
DEPARTMENTS: Table = Department.__table__  # type: ignore[assignment]
ASSIGNMENTS: Table = Assignment.__table__  # type: ignore[assignment]

SEED_ACTOR = Actor("system", None, "fupin seed")
D0 = Decimal(0)
CENT = Decimal("0.01")
HOUSING_SUBSIDY = Decimal(15000)  # 危房改造 per household; the central share is paid to the household (直补到户)
CENTRAL_PER_HOUSEHOLD = Decimal(9000)

# county (6 digits) → code prefix of its projects and vouchers, the short name of its finance bureau's documents
COUNTY_KEYS: dict[str, tuple[str, str]] = {
    "220302": ("TX", "西"),
    "220303": ("TD", "东"),
    "220322": ("LS", "梨"),
    "220323": ("YT", "伊"),
    "220381": ("GZL", "公"),
    "220382": ("SL", "双"),
}
CATEGORY_KEYS = {
    "housing": "WF",
    "water": "YS",
    "road": "DL",
    "pv": "GF",
    "network": "TX",
    "new_village": "XNC",
    "industry": "CY",
    "education": "JY",
    "employment": "CJ",
    "public_service": "GG",
}
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
# category → milestones (name, share of the planned time at which it is due); the last is due on the due date
MILESTONE_PLANS: dict[str, tuple[tuple[str, float], ...]] = {
    "housing": (("开工", 0.05), ("主体完工", 0.7), ("竣工验收", 1.0)),
    "water": (("开工", 0.05), ("管网铺设完成", 0.6), ("通水试运行", 0.85), ("竣工验收", 1.0)),
    "road": (("开工", 0.05), ("路基完成", 0.45), ("路面硬化完成", 0.8), ("交工验收", 1.0)),
    "pv": (("开工", 0.05), ("组件安装完成", 0.6), ("并网发电", 0.85), ("竣工验收", 1.0)),
    "network": (("开工", 0.05), ("基站建成", 0.7), ("开通运行", 0.9), ("验收", 1.0)),
    "new_village": (("开工", 0.05), ("主体完工", 0.7), ("验收", 1.0)),
    "industry": (("开工", 0.05), ("主体完工", 0.6), ("投产运营", 0.85), ("验收", 1.0)),
    "education": (("开工", 0.05), ("主体封顶", 0.55), ("竣工验收", 1.0)),
    "employment": (("开工", 0.05), ("厂房完工", 0.6), ("投产运营", 0.85), ("验收", 1.0)),
    "public_service": (("开工", 0.05), ("完工", 0.8), ("验收", 1.0)),
}
MECHANISMS = {
    "housing": "对建档立卡贫困户等四类重点对象的C、D级危房实施改造, 补助资金直补到户, 保障住房安全",
    "water": "解决贫困村饮水安全问题, 贫困户优先接通入户, 水费减免",
    "road": "硬化通村通屯道路, 改善贫困村出行和农产品运输条件, 优先吸纳贫困劳动力务工",
    "pv": "电站收益按村分配, 主要用于贫困户公益岗位工资和临时救助, 每户年均增收3000元",
    "network": "贫困村4G网络全覆盖, 支撑电商扶贫和远程医疗",
    "new_village": "完善村内基础设施和公共服务, 建设美丽乡村, 贫困户参与建设获得劳务收入",
    "industry": "资产归村集体所有, 收益优先分配给贫困户, 吸纳贫困户务工并带动其入股分红",
    "education": "改善薄弱学校办学条件, 保障贫困家庭子女就近入学",
    "employment": "扶贫车间吸纳贫困劳动力就近就业, 每人每月工资不低于1500元",
    "public_service": "改善村级组织活动场所, 方便群众办事",
}
INDUSTRIES = (
    ("肉牛养殖小区", "标准化牛舍", "unit"),
    ("食用菌种植基地", "食用菌大棚", "unit"),
    ("日光温室蔬菜基地", "日光温室", "unit"),
    ("杂粮杂豆加工厂", "加工生产线", "item"),
    ("鲜食玉米加工项目", "加工生产线", "item"),
    ("中草药种植基地", "育苗大棚", "unit"),
    ("肉鸭养殖场", "标准化鸭舍", "unit"),
    ("生猪代养场", "标准化猪舍", "unit"),
    ("庭院经济示范项目", "庭院种植示范户", "item"),
    ("光伏农业大棚", "光伏大棚", "unit"),
)
BUILDINGS = ("教学楼改造", "学生宿舍新建", "食堂改扩建", "运动场改造", "锅炉房改造")
PEOPLE = ("王建国", "李淑芬", "张志强", "刘长海", "陈玉兰", "杨树林", "赵德明", "孙桂荣", "周宏伟", "吴秀英")
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
# the stages a project at each scenario has gone through, in order
STAGES_UP_TO = {
    "declared": ("declared",),
    "reviewed": ("declared", "reviewed"),
    "approved": ("declared", "reviewed", "approved"),
    "in_library": ("declared", "reviewed", "approved", "in_library"),
    "implementing": ("declared", "reviewed", "approved", "in_library", "implementing"),
    "accepted": ("declared", "reviewed", "approved", "in_library", "implementing", "accepted"),
    "completed": ("declared", "reviewed", "approved", "in_library", "implementing", "accepted", "completed"),
}
RUNNING = ("on_track", "at_risk_late", "at_risk_slow", "overdue_late", "overdue_milestone", "stalled")
EARLY = ("declared", "reviewed", "approved", "in_library", "removed")
# the scenario mix of the categories with many projects (after their few early-stage ones)
CYCLE = (
    "on_track",
    "completed",
    "at_risk_slow",
    "on_track",
    "accepted",
    "overdue_late",
    "on_track",
    "completed",
    "at_risk_late",
    "overdue_milestone",
    "on_track",
    "completed",
)


@dataclass
class TargetSpec:
    metric: str
    unit: str
    target: Decimal
    derived_from: str | None = None


@dataclass
class Spec:
    """One project to seed."""

    category: str
    level: str
    nature: str
    name: str
    regions: list[str]
    scenario: str
    unit: str  # responsible unit (责任单位)
    targets: list[TargetSpec]
    budget: Decimal
    year: int
    benefit: str | None = None  # housing | water | industry: who is linked as beneficiary
    benefit_count: int = 0
    flags: set[str] = field(default_factory=set)
    twin: int | None = None  # the index of the project whose first voucher number this one repeats (重复报账)


@dataclass
class Timeline:
    stage: str
    start: date
    due: date
    share: Decimal  # how far the work is (what the reported actuals say)
    steps: list[tuple[str | None, str, date]]
    entered: date | None = None
    accepted: date | None = None
    completed: date | None = None
    removed: date | None = None
    missed: date | None = None  # a milestone due on this day is left undone

    def day_of(self, stage: str) -> date | None:
        return next((day for _, to, day in self.steps if to == stage), None)


@dataclass
class Regions:
    names: dict[str, str]
    townships: dict[str, list[str]]  # county (6 digits) → township codes
    villages: dict[str, list[str]]  # township (9 digits) → village codes
    poor_villages: list[str]

    def county_name(self, code: str) -> str:
        return self.names.get(code[:6] + "000000", code[:6])

    def place(self, code: str) -> str:
        """双辽市卧虎镇东方红村: the region's name with its township and county."""
        parts = [self.county_name(code)]
        if code[6:9] != "000":
            parts.append(self.names.get(code[:9] + "000", ""))
        if code[9:] != "000":
            parts.append(self.names.get(code, ""))
        return "".join(parts)


def _load_regions(conn: Connection) -> Regions:
    names: dict[str, str] = {}
    townships: dict[str, list[str]] = {}
    villages: dict[str, list[str]] = {}
    poor: list[str] = []
    low, high = code_range(CITY[0])
    rows = conn.execute(
        select(REGIONS.c.code, REGIONS.c.name, REGIONS.c.level, REGIONS.c.is_poor_village)
        .where(REGIONS.c.code >= low, REGIONS.c.code < high, REGIONS.c.valid_to.is_(None))
        .order_by(REGIONS.c.code)
    )
    for code, name, level, is_poor in rows:
        names[code] = name
        if level == 4:
            townships.setdefault(code[:6], []).append(code)
        elif level == 5:
            villages.setdefault(code[:9], []).append(code)
            if is_poor:
                poor.append(code)
    return Regions(names, townships, villages, poor)


def _share(value: float) -> Decimal:
    return Decimal(str(round(min(max(value, 0.0), 1.0), 2)))


def _library(declared: date, rng: random.Random, upto: str) -> list[tuple[str | None, str, date]]:
    """The library steps up to `upto` from the day of the declaration: 审核 5-10 days later, 审定 5-12 days after,
    入库 after the 10+ days of the entry notice."""
    steps: list[tuple[str | None, str, date]] = [(None, "declared", declared)]
    day = declared
    for source, target, low, high in (
        ("declared", "reviewed", 5, 10),
        ("reviewed", "approved", 5, 12),
        ("approved", "in_library", 12, 16),
    ):
        if STAGES_UP_TO[upto].count(target) == 0:
            break
        day = day + timedelta(days=rng.randint(low, high))
        steps.append((source, target, day))
    return steps


def timeline(scenario: str, today: date, rng: random.Random) -> Timeline:
    """The dates of a project of `scenario` around `today`."""
    r = rng.randint
    if scenario in EARLY:
        back = {"declared": r(1, 8), "reviewed": r(12, 20), "approved": r(26, 36), "in_library": r(48, 64)}
        declared = today - timedelta(days=back.get(scenario, r(40, 60)))
        start = today + timedelta(days=r(10, 60))
        due = start + timedelta(days=r(150, 240))
        upto = "approved" if scenario == "removed" else scenario
        steps = _library(declared, rng, upto)
        t = Timeline(scenario if scenario != "removed" else "removed", start, due, D0, steps)
        t.entered = t.day_of("in_library")
        if scenario == "removed":
            t.removed = min(today, steps[-1][2] + timedelta(days=r(3, 10)))
            steps.append(("approved", "removed", t.removed))
        return t
    missed = None
    if scenario == "on_track":
        d1, d2 = r(80, 160), r(90, 200)
        start, due = today - timedelta(days=d1), today + timedelta(days=d2)
        share = _share(d1 / (d1 + d2) + rng.uniform(0.08, 0.25))
        share = min(share, Decimal("0.95"))
    elif scenario == "overdue_milestone":
        d1, d2 = r(100, 160), r(60, 150)
        start, due = today - timedelta(days=d1), today + timedelta(days=d2)
        share = _share(d1 / (d1 + d2) + rng.uniform(0.02, 0.1))
        missed = today - timedelta(days=r(5, 20))
    elif scenario == "at_risk_late":
        d1, d2 = r(180, 260), r(10, 35)
        start, due = today - timedelta(days=d1), today + timedelta(days=d2)
        share = _share(rng.uniform(0.35, 0.65))
    elif scenario == "at_risk_slow":
        d1, d2 = r(90, 140), r(100, 160)
        start, due = today - timedelta(days=d1), today + timedelta(days=d2)
        share = _share(d1 / (d1 + d2) * rng.uniform(0.45, 0.7))
    elif scenario == "overdue_late":
        due = today - timedelta(days=r(8, 60))
        start = due - timedelta(days=r(150, 240))
        share = _share(rng.uniform(0.55, 0.9))
    elif scenario == "stalled":
        start = today - timedelta(days=r(420, 460))
        due = today - timedelta(days=r(40, 90))
        share = Decimal("0.15")
    elif scenario in ("accepted", "completed"):
        completed = today - timedelta(days=r(10, 90)) if scenario == "completed" else None
        accepted = completed - timedelta(days=r(7, 20)) if completed else today - timedelta(days=r(3, 25))
        due = accepted + timedelta(days=r(0, 25))
        start = accepted - timedelta(days=r(150, 240))
        steps = _library(start - timedelta(days=r(70, 100)), rng, "in_library")
        steps += [("in_library", "implementing", start), ("implementing", "accepted", accepted)]
        if completed:
            steps.append(("accepted", "completed", completed))
        t = Timeline(scenario, start, due, Decimal(1), steps, accepted=accepted, completed=completed)
        t.entered = t.day_of("in_library")
        return t
    else:
        raise ValueError(scenario)
    steps = _library(start - timedelta(days=r(70, 100)), rng, "in_library")
    steps.append(("in_library", "implementing", start))
    t = Timeline("implementing", start, due, share, steps, missed=missed)
    t.entered = t.day_of("in_library")
    return t


def _quantity(unit: str, value: Decimal) -> Decimal:
    step = Decimal("0.1") if unit in ("km", "mw") else Decimal(1)
    return value.quantize(step, rounding=ROUND_DOWN)


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_DOWN)


def _hundreds(value: Decimal) -> Decimal:
    return (value / 100).quantize(Decimal(1), rounding=ROUND_DOWN) * 100


def _at(day: date, rng: random.Random) -> datetime:
    """A time of the working day in China, in UTC."""
    return datetime.combine(day, time(rng.randint(8, 16), rng.randint(0, 59)), CHINA).astimezone(UTC)


def _working_days_after(day: date, days: int) -> date:
    while days > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    return day


def _pick(items: Sequence[str], count: int, rng: random.Random, first: Sequence[str] = ()) -> list[str]:
    chosen = [c for c in first if c in items][:count]
    rest = [c for c in items if c not in chosen]
    return chosen + rng.sample(rest, min(count - len(chosen), len(rest)))


def plan(reg: Regions, today: date, rng: random.Random, poor_counts: dict[str, int]) -> list[Spec]:
    """The projects of the plan year, in a fixed order (the counties missing from the register are skipped)."""
    year = (today - timedelta(days=120)).year
    specs: list[Spec] = []

    def county_townships(code: str) -> list[str]:
        return reg.townships.get(code[:6], [])

    def villages_of(township: str) -> list[str]:
        return reg.villages.get(township[:9], [])

    def known(code: str) -> bool:
        return code in reg.names

    # 危房改造 938 households: one project per county, the demo township's on its own
    for code, households, scenario in (
        ("220302000000", 18, "completed"),
        ("220303000000", 64, "accepted"),
        ("220322000000", 236, "on_track"),
        ("220323000000", 162, "at_risk_late"),
        ("220381000000", 248, "on_track"),
        ("220382000000", 150, "overdue_late"),
        (DEMO_TOWNSHIP, 60, "on_track"),
    ):
        if not known(code):
            continue
        if code == DEMO_TOWNSHIP:
            regions = [DEMO_TOWNSHIP]
        else:
            regions = [t for t in county_townships(code) if t != DEMO_TOWNSHIP][:50]
        specs.append(
            Spec(
                "housing",
                "county",
                "repair",
                f"{year}年{reg.place(code)}农村危房改造",
                regions,
                scenario,
                f"{reg.county_name(code)}住房和城乡建设局",
                [TargetSpec("完成危房改造户数", "household", Decimal(households), "housing")],
                HOUSING_SUBSIDY * households,
                year,
                benefit="housing",
                benefit_count=households,
            )
        )
    # water: 2,433 people by central supply, 4,191 by dispersed supply
    for kind, code, people, scenario in (
        ("central", "220322000000", 812, "completed"),
        ("central", "220381000000", 645, "on_track"),
        ("central", "220323000000", 520, "at_risk_slow"),
        ("central", OTHER_TOWNSHIP, 456, "accepted"),
        ("dispersed", "220323000000", 1280, "on_track"),
        ("dispersed", "220322000000", 1105, "overdue_milestone"),
        ("dispersed", "220381000000", 968, "completed"),
        ("dispersed", DEMO_TOWNSHIP, 838, "on_track"),
    ):
        if not known(code):
            continue
        regions = [code] if code[6:9] != "000" else sorted(_pick(county_townships(code), 3, rng))
        label = "集中供水工程" if kind == "central" else "分散供水工程(打井、入户)"
        per_person = Decimal(720) if kind == "central" else Decimal(460)
        specs.append(
            Spec(
                "water",
                "county",
                "new" if kind == "central" else "expansion",
                f"{year}年{reg.place(code)}{label}",
                regions,
                scenario,
                f"{reg.county_name(code)}水利局",
                [
                    TargetSpec(
                        "解决饮水安全人口" + ("(集中供水)" if kind == "central" else "(分散供水)"),
                        "person",
                        Decimal(people),
                    ),
                    TargetSpec("新建改造供水管网", "km", Decimal(rng.randint(60, 400)) / 10),
                ],
                per_person * people,
                year,
                benefit="water" if code == DEMO_TOWNSHIP else None,
            )
        )
    # village roads: 196.6 km
    road_index: dict[int, int] = {}
    for number, (code, km, scenario) in enumerate(
        (
            ("220322000000", "32.4", "on_track"),
            ("220381000000", "28.7", "at_risk_late"),
            ("220323000000", "25.0", "completed"),
            (DEMO_TOWNSHIP, "21.3", "on_track"),
            ("220381000000", "30.2", "overdue_late"),
            ("220303000000", "18.6", "accepted"),
            ("220322000000", "22.9", "on_track"),
            ("220323000000", "17.5", "in_library"),
        )
    ):
        if not known(code):
            continue
        township = code if code[6:9] != "000" else rng.choice(county_townships(code))
        first = [DEMO_VILLAGE] if township == DEMO_TOWNSHIP else []
        villages = sorted(_pick(villages_of(township), rng.randint(2, 4), rng, first))
        spec = Spec(
            "road",
            "county",
            "new",
            f"{year}年{reg.place(township)}通村道路硬化工程",
            villages or [township],
            scenario,
            f"{reg.county_name(code)}交通运输局",
            [
                TargetSpec("新建通村硬化路", "km", Decimal(km)),
                TargetSpec("受益人口", "person", Decimal(rng.randint(800, 4000))),
            ],
            Decimal(km) * 550000,
            year,
        )
        if number == 1:
            spec.flags.add("correction")
        if number == 6 and 0 in road_index:
            spec.twin = road_index[0]
        road_index[number] = len(specs)
        specs.append(spec)
    # a 30 MW PV plant
    if known("220382000000"):
        regions = sorted(_pick(county_townships("220382000000"), 3, rng, [DEMO_TOWNSHIP]))
        specs.append(
            Spec(
                "pv",
                "provincial_key",
                "new",
                f"{year}年双辽市30MW集中式光伏扶贫电站",
                regions,
                "at_risk_slow",
                "双辽市发展和改革局",
                [TargetSpec("光伏电站装机容量", "mw", Decimal(30)), TargetSpec("受益贫困村", "item", Decimal(44))],
                Decimal(30) * 6_500_000,
                year,
            )
        )
    # 320 4G base stations
    for code, stations, scenario in (
        ("220302000000", 20, "completed"),
        ("220303000000", 36, "completed"),
        ("220322000000", 80, "on_track"),
        ("220323000000", 60, "on_track"),
        ("220381000000", 76, "at_risk_late"),
        ("220382000000", 48, "accepted"),
    ):
        if not known(code):
            continue
        specs.append(
            Spec(
                "network",
                "city",
                "new",
                f"{year}年{reg.county_name(code)}贫困村4G基站建设",
                county_townships(code)[:50] or [code],
                scenario,
                f"{reg.county_name(code)}工业和信息化局",
                [TargetSpec("新建4G基站", "unit", Decimal(stations))],
                Decimal(stations) * 350000,
                year,
            )
        )
    # 34 provincial key new-village projects
    villages = _pick(reg.poor_villages, 34, rng, [DEMO_VILLAGE])
    if len(villages) < 34:
        others = [v for vs in reg.villages.values() for v in vs if v not in villages]
        villages += others[: 34 - len(villages)]
    scenarios = [CYCLE[i % len(CYCLE)] for i in range(30)] + ["declared", "reviewed", "approved", "in_library"]
    for index, (village, scenario) in enumerate(zip(villages, scenarios, strict=False)):
        spec = Spec(
            "new_village",
            "provincial_key",
            "expansion",
            f"{year}年{reg.place(village)}省级新农村重点村建设",
            [village],
            scenario,
            f"{reg.names.get(village[:9] + '000', '')}人民政府",
            [
                TargetSpec("村内道路硬化", "km", Decimal(rng.randint(15, 60)) / 10),
                TargetSpec("改造农村户厕", "household", Decimal(rng.randint(30, 120))),
                TargetSpec("安装太阳能路灯", "item", Decimal(rng.randint(4, 16) * 5)),
            ],
            Decimal(rng.randint(120, 300)) * 10000,
            year,
        )
        if index == 3:
            spec.flags.add("before_library")
        if index == 6:
            spec.flags.add("notice_missing")
        specs.append(spec)
    # 44 key industry projects: villages with poor households first, the demo township's among them
    with_poor = [v for v in sorted(poor_counts) if poor_counts[v] > 0 and v in reg.names]
    demo = [v for v in with_poor if v.startswith(DEMO_TOWNSHIP[:9])][:3]
    villages = _pick(with_poor, 44, rng, demo)
    if len(villages) < 44:
        others = [v for vs in reg.villages.values() for v in vs if v not in villages]
        villages += rng.sample(others, min(44 - len(villages), len(others)))
    scenarios = [CYCLE[(i + 3) % len(CYCLE)] for i in range(39)]
    scenarios += ["declared", "reviewed", "approved", "in_library", "in_library"]
    without_link = 0
    late_notice = False
    for index, (village, scenario) in enumerate(zip(villages, scenarios, strict=False)):
        kind, facility, unit = INDUSTRIES[index % len(INDUSTRIES)]
        count = rng.randint(6, 15)
        spec = Spec(
            "industry",
            "provincial_key" if index % 4 == 0 else "city",
            "new",
            f"{year}年{reg.place(village)}{kind}",
            [village],
            scenario,
            f"{reg.names.get(village[:9] + '000', '')}人民政府",
            [
                TargetSpec("带动贫困户增收", "household", Decimal(count)),
                TargetSpec(f"建设{facility}", unit, Decimal(rng.randint(12, 40))),
            ],
            Decimal(rng.randint(50, 300)) * 10000,
            year,
            benefit="industry",
            benefit_count=count,
        )
        if index >= len(demo) and scenario in RUNNING and without_link < 2:
            spec.flags.add("no_link")
            without_link += 1
        elif scenario == "on_track" and not late_notice:
            spec.flags.add("notice_late")
            late_notice = True
        specs.append(spec)
    # 25 schools, 30 building projects (five schools build twice)
    all_townships = [t for ts in reg.townships.values() for t in ts]
    schools = _pick(all_townships, 25, rng, [DEMO_TOWNSHIP, OTHER_TOWNSHIP])
    works: list[tuple[str, str, str]] = []
    for index, township in enumerate(schools):
        school = reg.names.get(township, "") + ("中心小学" if index % 2 == 0 else "中学")
        buildings = BUILDINGS[:2] if index < 5 else (rng.choice(BUILDINGS),)
        works += [(township, school, building) for building in buildings]
    scenarios = [CYCLE[(i + 6) % len(CYCLE)] for i in range(27)] + ["declared", "reviewed", "approved"]
    after_completion = False
    for (township, school, building), scenario in zip(works, scenarios, strict=False):
        spec = Spec(
            "education",
            "county",
            "new" if building.endswith("新建") else "expansion",
            f"{year}年{reg.county_name(township)}{school}{building}",
            [township],
            scenario,
            f"{reg.county_name(township)}教育局",
            [
                TargetSpec("改善办学条件学校", "school", Decimal(1)),
                TargetSpec("受益学生", "person", Decimal(rng.randint(150, 900))),
            ],
            Decimal(rng.randint(80, 400)) * 10000,
            year,
        )
        if scenario == "completed" and not after_completion:
            spec.flags.add("after_completion")
            after_completion = True
        specs.append(spec)
    # carried over from the year before, stalled: its funds idle for over a year
    stalled_village = (villages_of(DEMO_TOWNSHIP)[1:2] or villages_of(DEMO_TOWNSHIP) or [DEMO_TOWNSHIP])[0]
    if known(stalled_village):
        specs.append(
            Spec(
                "employment",
                "county",
                "new",
                f"{year - 1}年{reg.place(stalled_village)}扶贫车间",
                [stalled_village],
                "stalled",
                f"{reg.names.get(DEMO_TOWNSHIP, '')}人民政府",
                [
                    TargetSpec("吸纳贫困劳动力就业", "person", Decimal(40)),
                    TargetSpec("建设扶贫车间", "item", Decimal(1)),
                ],
                Decimal(1_200_000),
                year - 1,
                flags={"idle"},
            )
        )
    # removed from the library (出库): the same works as a new-village project
    removed_village = (villages_of(OTHER_TOWNSHIP)[:1] or [OTHER_TOWNSHIP])[0]
    if known(removed_village):
        specs.append(
            Spec(
                "public_service",
                "county",
                "repair",
                f"{year}年{reg.place(removed_village)}村部维修",
                [removed_village],
                "removed",
                f"{reg.names.get(OTHER_TOWNSHIP, '')}人民政府",
                [TargetSpec("维修村级活动场所", "item", Decimal(1))],
                Decimal(180_000),
                year,
            )
        )
    return specs


class Ids:
    """Row ids taken up front (children reference them), one counter per table."""

    def __init__(self, conn: Connection, tables: Sequence[Table]) -> None:
        self.next = {
            t.name: int(conn.execute(select(func.coalesce(func.max(t.c.id), 0))).scalar_one()) + 1 for t in tables
        }

    def take(self, table: Table) -> int:
        value = self.next[table.name]
        self.next[table.name] = value + 1
        return value


@dataclass
class Rows:
    projects: list[dict[str, Any]] = field(default_factory=list)
    regions: list[dict[str, Any]] = field(default_factory=list)
    steps: list[dict[str, Any]] = field(default_factory=list)
    targets: list[dict[str, Any]] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    milestones: list[dict[str, Any]] = field(default_factory=list)
    allocations: list[dict[str, Any]] = field(default_factory=list)
    disbursements: list[dict[str, Any]] = field(default_factory=list)
    beneficiaries: list[dict[str, Any]] = field(default_factory=list)
    notices: list[dict[str, Any]] = field(default_factory=list)
    new_measures: list[dict[str, Any]] = field(default_factory=list)
    linked_measures: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Beneficiary:
    id: int
    public_id: uuid.UUID
    village_code: str
    head_name: str | None
    status: str


def _households(conn: Connection, regions: Sequence[str], statuses: Sequence[str], limit: int) -> list[Beneficiary]:
    out: list[Beneficiary] = []
    for region in regions:
        if len(out) >= limit:
            break
        low, high = code_range(region)
        rows = conn.execute(
            select(
                HOUSEHOLDS.c.id,
                HOUSEHOLDS.c.public_id,
                HOUSEHOLDS.c.village_code,
                HOUSEHOLDS.c.head_name,
                HOUSEHOLDS.c.status,
            )
            .where(
                HOUSEHOLDS.c.village_code >= low,
                HOUSEHOLDS.c.village_code < high,
                HOUSEHOLDS.c.status.in_(statuses),
            )
            .order_by(HOUSEHOLDS.c.household_number)
            .limit(limit - len(out))
        )
        out += [Beneficiary(*row) for row in rows]
    return out


class Seeder:
    def __init__(self, conn: Connection, reg: Regions, today: date, rng: random.Random) -> None:
        self.conn = conn
        self.reg = reg
        self.today = today
        self.rng = rng
        self.rows = Rows()
        self.ids = Ids(conn, (PROJECTS, TARGETS, ALLOCATIONS, DISBURSEMENTS))
        self.vouchers: dict[str, int] = {}
        self.documents: dict[str, int] = {}
        self.first_voucher: dict[int, str] = {}  # spec index → its first voucher number
        self.linked: set[int] = set()  # measure ids given a project
        self.now = utcnow()
        self.housing_owner = self._owner("housing")
        self.users = {
            name: str(uuid.uuid5(uuid.NAMESPACE_URL, f"fupin-demo-user:{name}"))
            for name in ("county_office", "township", "township2")
        }
        self.user_names = {
            "county_office": "双辽市扶贫办",
            "township": "卧虎镇扶贫工作站",
            "township2": "双山镇扶贫工作站",
        }
        self.ineligible_paid = False
        self.direct: dict[int, list[tuple[Beneficiary, date]]] = {}  # project → households to pay, when done

    def _owner(self, measure_type: str) -> str | None:
        owner = None
        for code, types in self.conn.execute(
            select(DEPARTMENTS.c.code, DEPARTMENTS.c.measure_types).order_by(DEPARTMENTS.c.code)
        ):
            if measure_type in (types or []):
                if code == measure_type:
                    return str(code)
                owner = owner or str(code)
        return owner

    # who did what ------------------------------------------------------------------------------------------------
    def actor(self, area: str, reg: Regions, *, township_step: bool) -> tuple[str, str, str]:
        """(type, id, name): the demo logins in 双辽市, the county's or township's office elsewhere."""
        if area.startswith("220382"):
            if township_step and area.startswith(DEMO_TOWNSHIP[:9]):
                return "user", self.users["township"], self.user_names["township"]
            if township_step and area.startswith(OTHER_TOWNSHIP[:9]):
                return "user", self.users["township2"], self.user_names["township2"]
            return "user", self.users["county_office"], self.user_names["county_office"]
        if township_step and area[6:9] != "000":
            return "system", "fupin-seed", reg.names.get(area[:9] + "000", "") + "扶贫工作站"
        return "system", "fupin-seed", reg.county_name(area) + "扶贫办"

    def voucher(self, county: str, year: int) -> str:
        number = self.vouchers.get(county, 0) + 1
        self.vouchers[county] = number
        return f"{COUNTY_KEYS.get(county[:6], ('XX', ''))[0]}{year}-{number:05d}"

    def document(self, source: str, county: str, year: int) -> str:
        short = COUNTY_KEYS.get(county[:6], ("", "县"))[1]
        issuer = {
            "central": "吉财农",
            "provincial": "吉财农",
            "city": "四财农",
            "county": f"{short}财农",
            "integrated": f"{short}整合办",
            "social": "四平市定点帮扶协议",
            "other": "运营商共建协议",
        }[source]
        key = issuer
        number = self.documents.get(key, self.rng.randint(10, 60)) + self.rng.randint(1, 9)
        self.documents[key] = number
        return f"{issuer}〔{year}〕{number}号"


def seed_projects(conn: Connection, today: date, *, seed: int = 2018) -> int:
    """The demo projects, once (nothing when a project exists). Returns the number of projects added."""
    if conn.execute(select(PROJECTS.c.id).limit(1)).first() is not None:
        return 0
    reg = _load_regions(conn)
    if not reg.townships:
        return 0
    rng = random.Random(seed)
    poor_counts = {
        v: int(n)
        for v, n in conn.execute(
            select(HOUSEHOLDS.c.village_code, func.count())
            .where(HOUSEHOLDS.c.status.in_(POOR))
            .group_by(HOUSEHOLDS.c.village_code)
        )
    }
    specs = plan(reg, today, rng, poor_counts)
    seeder = Seeder(conn, reg, today, rng)
    for index, spec in enumerate(specs):
        _project(seeder, reg, spec, index)
    _write(seeder)
    return len(specs)


def _project(s: Seeder, reg: Regions, spec: Spec, index: int) -> int:
    rng, today, rows = s.rng, s.today, s.rows
    t = timeline(spec.scenario, today, rng)
    county6 = spec.regions[0][:6]
    county = county6 + "000000"
    area = _common_area(spec.regions)
    pid = s.ids.take(PROJECTS)
    keys = COUNTY_KEYS.get(county6, ("XX", ""))
    code = f"{keys[0]}-{spec.year}-{CATEGORY_KEYS[spec.category]}-{index + 1:03d}"
    public_id = uuid.uuid5(uuid.NAMESPACE_URL, f"fupin-demo-project:{spec.year}:{county}:{code}")
    feed: list[FeedItem] = [FeedItem("project", str(public_id), "created", area, 1, "seed")]
    for region in sorted(set(spec.regions)):
        rows.regions.append({"project_id": pid, "region_code": region})
    # the library history
    for source, target, day in t.steps:
        kind, actor_id, name = s.actor(area, reg, township_step=target in ("declared", "reviewed", "implementing"))
        reason = {
            None: None,
            "reviewed": "乡镇审核通过, 符合项目库入库条件",
            "approved": "经县级论证审定, 同意实施",
            "in_library": "公示期满无异议, 纳入项目库",
            "implementing": "项目开工",
            "accepted": "经县级组织验收合格",
            "completed": "竣工公告期满, 项目完成",
            "removed": "与省级新农村重点村建设项目内容重复, 经县级论证出库",
        }.get(target if source is not None else None)
        rows.steps.append(
            {
                "project_id": pid,
                "from_stage": source,
                "to_stage": target,
                "reason": reason,
                "evidence_ids": [],
                "actor_type": kind,
                "actor_id": actor_id,
                "actor_name": name,
                "at": _at(day, rng),
            }
        )
    # beneficiaries (and their measures)
    linked, done_housing = _beneficiaries(s, spec, t, pid, public_id, feed)
    # targets and their reported actuals
    target_values: list[tuple[Decimal, Decimal, Decimal]] = []
    target_figures: list[dict[str, str]] = []
    reporter = s.actor(area, reg, township_step=True)
    for position, ts in enumerate(spec.targets):
        tid = s.ids.take(TARGETS)
        target_public = uuid.uuid5(public_id, f"target:{position}")
        actual = D0
        if ts.derived_from is not None:
            actual = Decimal(done_housing)
        elif t.stage in ("accepted", "completed"):
            actual = ts.target
        elif t.stage == "implementing":
            share = min(max(t.share + Decimal(str(round(rng.uniform(-0.05, 0.05), 2))), D0), Decimal("0.98"))
            actual = _quantity(ts.unit, ts.target * share)
        if ts.derived_from is None and actual > 0:
            _updates(s, tid, t, ts.unit, actual, reporter)
        rows.targets.append(
            {
                "id": tid,
                "public_id": target_public,
                "project_id": pid,
                "position": position,
                "metric": ts.metric,
                "unit": ts.unit,
                "baseline": D0,
                "target": ts.target,
                "actual": actual,
                "derived_from": ts.derived_from,
                "created_at": _at(t.steps[0][2], rng),
                "version": 1,
            }
        )
        target_values.append((D0, ts.target, actual))
        target_figures.append({"metric": ts.metric, "unit": ts.unit, "target": str(ts.target)})
        feed.append(FeedItem("project_target", str(target_public), "created", area, 1, "seed"))
    # milestones
    milestones = _milestones(s, spec, t, pid, public_id, area, feed)
    progress = health.compute_progress(target_values, milestones)
    state = health.project_health(
        today=today,
        planned_start_on=t.start,
        due_on=t.due,
        stage=t.stage,
        progress=progress,
        milestones=milestones,
    )
    rows.projects.append(
        {
            "id": pid,
            "public_id": public_id,
            "source_system": None,
            "external_id": None,
            "code": code,
            "name": spec.name,
            "category": spec.category,
            "level": spec.level,
            "nature": spec.nature,
            "year": spec.year,
            "county_code": county,
            "area_code": area,
            "responsible_unit": spec.unit,
            "responsible_person": PEOPLE[index % len(PEOPLE)],
            "planned_start_on": t.start,
            "due_on": t.due,
            "benefit_mechanism": MECHANISMS[spec.category],
            "stage": t.stage,
            "stage_reason": rows.steps[-1]["reason"],
            "entered_library_on": t.entered,
            "completed_on": t.completed,
            "removed_on": t.removed,
            "health": state,
            "progress": progress,
            "version": 1,
            "created_at": s.now,
            "updated_at": s.now,
        }
    )
    figures: dict[str, Any] = {
        "code": code,
        "name": spec.name,
        "category": spec.category,
        "level": spec.level,
        "year": spec.year,
        "county_code": county,
        "region_codes": sorted(set(spec.regions)),
        "responsible_unit": spec.unit,
        "planned_start_on": t.start.isoformat(),
        "due_on": t.due.isoformat(),
        "budget": str(_money(spec.budget)),
        "benefit_mechanism": MECHANISMS[spec.category],
        "targets": target_figures,
    }
    counts = _funds(s, reg, spec, t, pid, public_id, county, index, figures)
    _notices(s, reg, spec, t, pid, public_id, area, figures, target_values)
    rows.events.append(
        {
            "entity_id": str(public_id),
            "region_code": area,
            "changes": {
                "code": [None, code],
                "name": [None, spec.name],
                "stage": [None, t.stage],
                "health": [None, state],
                "targets": [None, len(spec.targets)],
                "milestones": [None, len(milestones)],
                "beneficiaries": [None, linked],
                **counts,
            },
            "feed": feed,
        }
    )
    return pid


def _updates(s: Seeder, tid: int, t: Timeline, unit: str, actual: Decimal, reporter: tuple[str, str, str]) -> None:
    """Two to five reported actuals rising to `actual`, between the start and today (or the acceptance)."""
    rng = s.rng
    first = t.start + timedelta(days=10)
    last = min(t.accepted or s.today, s.today)
    if last <= first:
        first = t.start
    count = rng.randint(2, 5)
    span = (last - first).days
    previous = D0
    for k in range(1, count + 1):
        value = actual if k == count else _quantity(unit, actual * k / count)
        if value <= previous and k != count:
            continue
        as_of = first + timedelta(days=span * k // count)
        s.rows.updates.append(
            {
                "target_id": tid,
                "actual": value,
                "previous": previous,
                "as_of": as_of,
                "note": "按月报进度" if k < count else ("竣工验收确认" if t.accepted else "最新进度"),
                "evidence_ids": [],
                "actor_type": reporter[0],
                "actor_id": reporter[1],
                "actor_name": reporter[2],
                "at": _at(min(as_of + timedelta(days=1), s.today), rng),
            }
        )
        previous = value


def _milestones(
    s: Seeder, spec: Spec, t: Timeline, pid: int, public_id: uuid.UUID, area: str, feed: list[FeedItem]
) -> list[tuple[date, date | None]]:
    rng, today = s.rng, s.today
    span = (t.due - t.start).days
    out: list[tuple[date, date | None]] = []
    plans = MILESTONE_PLANS[spec.category]
    for position, (name, share) in enumerate(plans):
        due = t.due if position == len(plans) - 1 else t.start + timedelta(days=round(span * share))
        if position == 1 and t.missed is not None:
            due = max(t.missed, t.start + timedelta(days=1))
        done: date | None = None
        if t.stage in ("accepted", "completed"):
            assert t.accepted is not None
            if position == len(plans) - 1:
                done = t.accepted
            else:
                done = max(t.start, min(due, t.accepted) - timedelta(days=rng.randint(0, 3)))
        elif t.stage == "implementing":
            missed = t.missed is not None and position == 1
            if spec.scenario == "stalled":
                done = t.start + timedelta(days=rng.randint(3, 12)) if position == 0 else None
            elif due < today and not missed:
                done = max(t.start, due - timedelta(days=rng.randint(0, 4)))
        milestone_public = uuid.uuid5(public_id, f"milestone:{position}")
        s.rows.milestones.append(
            {
                "public_id": milestone_public,
                "project_id": pid,
                "position": position,
                "name": name,
                "due_on": due,
                "done_on": done,
                "created_at": s.now,
                "version": 1,
            }
        )
        feed.append(FeedItem("project_milestone", str(milestone_public), "created", area, 1, "seed"))
        out.append((due, done))
    return out


def _beneficiaries(
    s: Seeder, spec: Spec, t: Timeline, pid: int, public_id: uuid.UUID, feed: list[FeedItem]
) -> tuple[int, int]:
    """Link the households benefiting and their measures of the project's kind. Returns (households linked, those
    whose housing measure is done: the derived actual)."""
    if spec.benefit is None or "no_link" in spec.flags:
        return 0, 0
    conn, rng = s.conn, s.rng
    measure_type = spec.benefit
    # the measures of the type already recorded in the project's regions and not delivered through a project
    existing: dict[int, tuple[int, uuid.UUID, str, int, str, date | None]] = {}
    for region in spec.regions:
        low, high = code_range(region)
        for mid, mpublic, village, hid, version, status, finished in conn.execute(
            select(
                MEASURES.c.id,
                MEASURES.c.public_id,
                MEASURES.c.village_code,
                MEASURES.c.household_id,
                MEASURES.c.version,
                MEASURES.c.status,
                MEASURES.c.done_on,
            )
            .where(
                MEASURES.c.village_code >= low,
                MEASURES.c.village_code < high,
                MEASURES.c.type == measure_type,
                MEASURES.c.project_id.is_(None),
            )
            .order_by(MEASURES.c.id)
        ):
            if mid not in s.linked:
                existing.setdefault(hid, (mid, mpublic, village, version, status, finished))
    open_measures = [hid for hid, m in existing.items() if m[4] != "cancelled"]
    if spec.benefit == "water":
        households = _by_ids(conn, open_measures)  # the households being connected
    elif spec.benefit == "housing":
        # the households whose renovation is recorded first, then others of the regions, up to the target
        with_measure = _by_ids(conn, open_measures)[: spec.benefit_count]
        others = _households(
            conn, spec.regions, ("not_exited", "returned", "exited_with_policy"), spec.benefit_count + len(existing)
        )
        households = with_measure + [h for h in others if h.id not in existing]
        households = households[: spec.benefit_count]
    else:
        households = _households(conn, spec.regions, POOR, spec.benefit_count)
    if not households:
        return 0, 0
    paired = dict(
        conn.execute(
            select(ASSIGNMENTS.c.household_id, ASSIGNMENTS.c.cadre_id).where(
                ASSIGNMENTS.c.household_id.in_([h.id for h in households]),
                ASSIGNMENTS.c.kind == "paired",
                ASSIGNMENTS.c.ends_on.is_(None),
            )
        ).all()
    )
    linked_on = _at(t.entered or t.steps[0][2], rng)
    paid = s.direct.setdefault(pid, [])
    # housing: as many renovations done as the work has got (the share), the rest under way
    want_done = round(float(t.share) * spec.benefit_count) if spec.benefit == "housing" else 0
    want_done -= sum(1 for h in households if h.id in existing and existing[h.id][4] == "done")
    for h in households:
        s.rows.beneficiaries.append({"project_id": pid, "household_id": h.id, "created_at": linked_on})
        link = str(uuid.uuid5(public_id, str(h.public_id)))
        feed.append(FeedItem("project_beneficiary", link, "linked", h.village_code, None, "seed"))
        known = existing.get(h.id)
        if known is not None:
            mid, mpublic, village, version, status, measure_done = known
            if status == "cancelled":
                continue
            s.linked.add(mid)
            s.rows.linked_measures.append({"mid": mid, "pid": pid, "new_version": version + 1})
            feed.append(FeedItem("measure", str(mpublic), "updated", village, version + 1, "seed"))
            if status == "done" and measure_done is not None and spec.benefit == "housing":
                paid.append((h, measure_done))
            continue
        if spec.benefit != "housing":
            continue
        is_done = want_done > 0 and t.start < s.today
        want_done -= int(is_done)
        done_on: date | None = None
        if is_done:
            done_on = t.start + timedelta(days=rng.randint(1, max(1, (s.today - t.start).days - 1)))
            if t.accepted is not None and done_on > t.accepted:
                done_on = t.accepted
            paid.append((h, done_on))
        mpublic = uuid.uuid5(uuid.NAMESPACE_URL, f"fupin-demo-project-measure:{pid}:{h.id}")
        rebuild = rng.random() < 0.35
        s.rows.new_measures.append(
            {
                "public_id": mpublic,
                "source_system": None,
                "external_id": None,
                "household_id": h.id,
                "member_id": None,
                "cadre_id": paired.get(h.id),
                "project_id": pid,
                "village_code": h.village_code,
                "type": "housing",
                "content": "D级危房拆除重建" if rebuild else "C级危房修缮加固",
                "year": spec.year,
                "department": s.housing_owner,
                "amount": HOUSING_SUBSIDY,
                "planned_on": min(t.due, t.start + timedelta(days=rng.randint(30, 150))),
                "done_on": done_on,
                "status": "done" if is_done else "in_progress",
                "status_reason": None,
                "version": 1,
                "created_at": s.now,
                "updated_at": s.now,
            }
        )
        feed.append(FeedItem("measure", str(mpublic), "created", h.village_code, 1, "seed"))
    return len(households), len(paid)


def _by_ids(conn: Connection, ids: Sequence[int]) -> list[Beneficiary]:
    if not ids:
        return []
    rows = conn.execute(
        select(
            HOUSEHOLDS.c.id,
            HOUSEHOLDS.c.public_id,
            HOUSEHOLDS.c.village_code,
            HOUSEHOLDS.c.head_name,
            HOUSEHOLDS.c.status,
        )
        .where(HOUSEHOLDS.c.id.in_(list(ids)), HOUSEHOLDS.c.status != "removed")
        .order_by(HOUSEHOLDS.c.household_number)
    )
    return [Beneficiary(*row) for row in rows]


def _split(budget: Decimal, shares: Sequence[tuple[str, int]]) -> Iterator[tuple[str, Decimal]]:
    left = _money(budget)
    for i, (source, percent) in enumerate(shares):
        amount = left if i == len(shares) - 1 else _hundreds(budget * percent / 100)
        left -= amount
        yield source, amount


def _funds(
    s: Seeder,
    reg: Regions,
    spec: Spec,
    t: Timeline,
    pid: int,
    public_id: uuid.UUID,
    county: str,
    index: int,
    figures: dict[str, Any],
) -> dict[str, list[Any]]:
    """Allocations by source once the project is in the library, payments in stages never over them."""
    rng, today, rows = s.rng, s.today, s.rows
    if t.entered is None and spec.scenario != "stalled":
        return {}
    entered = t.entered or t.start
    allocations = 0
    payments = 0
    base = entered + timedelta(days=rng.randint(3, 15))
    place = reg.names.get(spec.regions[0], "")
    payee = COMPANIES[spec.category].format(county=reg.county_name(county), place=place)
    for number, (source, amount) in enumerate(_split(spec.budget, SOURCES[spec.category])):
        allocated_on = min(today, base + timedelta(days=rng.randint(0, 20) * number))
        if spec.scenario == "stalled":
            allocated_on = t.start - timedelta(days=rng.randint(5, 20))
        if "before_library" in spec.flags and number == 0:
            allocated_on = entered - timedelta(days=12)
        aid = s.ids.take(ALLOCATIONS)
        alloc_public = uuid.uuid5(public_id, f"allocation:{source}")
        # publicised (公告公示) within 15 working days, a few days after; once late, once never
        published: date | None = _working_days_after(allocated_on, rng.randint(2, 12))
        if "notice_late" in spec.flags and number == 0:
            published = _working_days_after(allocated_on, rng.randint(18, 24))
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
                "created_at": _at(allocated_on, rng),
                "actor_name": f"{reg.county_name(county)}财政局",
            }
        )
        allocations += 1
        if published is not None:
            rows.notices.append(
                {
                    "public_id": uuid.uuid5(public_id, f"notice:allocation:{source}"),
                    "project_id": pid,
                    "kind": "allocation",
                    "allocation_id": aid,
                    "figures": {
                        "code": figures["code"],
                        "name": figures["name"],
                        "source": source,
                        "amount": str(amount),
                        "document_no": document_no,
                        "allocated_on": allocated_on.isoformat(),
                    },
                    "location": f"{reg.county_name(county)}人民政府网站",
                    "display_from": published,
                    "display_to": published + timedelta(days=rng.randint(10, 15)),
                    "published_on": published,
                    "created_at": _at(published, rng),
                    "actor_name": f"{reg.county_name(county)}扶贫办",
                    "version": 1,
                }
            )
        # payments: the housing subsidy straight to the households whose renovation is done; the rest in stages
        if spec.category == "housing" and source == "central":
            direct = s.direct.get(pid, [])
            for household, done_on in direct:
                paid_on = min(today, max(done_on, allocated_on) + timedelta(days=rng.randint(3, 15)))
                payments += _pay(
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
            room = amount - CENTRAL_PER_HOUSEHOLD * len(direct)
            if not s.ineligible_paid and direct and room >= CENTRAL_PER_HOUSEHOLD:
                # paid to a household that has been removed from the register or exited with its policies ended
                gone = _households(s.conn, spec.regions, ("removed", "exited_no_policy"), 1)
                if gone:
                    paid_on = min(today, allocated_on + timedelta(days=rng.randint(20, 40)))
                    payments += _pay(
                        s,
                        pid,
                        county,
                        source,
                        CENTRAL_PER_HOUSEHOLD,
                        paid_on,
                        gone[0].head_name or "受益户",
                        "补助资金",
                        "危房改造补助资金(直补到户)",
                        gone[0].id,
                    )
                    s.ineligible_paid = True
            continue
        stages = _stages(t, spec, today)
        for stage_no, (stage, share, day) in enumerate(stages):
            if stage == "质量保证金" and number > 0:
                continue  # the retention of one source only is paid after completion
            paid_on = min(today, max(day, allocated_on + timedelta(days=2)))
            if "before_library" in spec.flags and number == 0 and stage_no == 0:
                paid_on = entered - timedelta(days=6)
            value = _money(amount * share)
            if value <= 0:
                continue
            voucher = None
            if spec.twin is not None and number == 0 and stage_no == 0:
                voucher = s.first_voucher.get(spec.twin)
            if "correction" in spec.flags and number == 0 and stage == "进度款":
                # recorded 10 % too high, reversed by a negative entry naming it, then recorded again
                wrong = _money(value * Decimal("1.1"))
                wrong_id = s.ids.next[DISBURSEMENTS.name]
                payments += _pay(s, pid, county, source, wrong, paid_on, payee, stage, f"{spec.name}{stage}", None)
                fix_on = min(today, paid_on + timedelta(days=2))
                payments += _pay(
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
            payments += _pay(
                s, pid, county, source, value, paid_on, payee, stage, f"{spec.name}{stage}", None, voucher=voucher
            )
            if number == 0 and stage_no == 0:
                s.first_voucher.setdefault(index, s.rows.disbursements[-1]["voucher_no"])
    return {"allocations": [None, allocations], "disbursements": [None, payments]}


def _stages(t: Timeline, spec: Spec, today: date) -> list[tuple[str, Decimal, date]]:
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


def _pay(
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
            "created_at": _at(paid_on, s.rng),
            "actor_name": f"{s.reg.county_name(county)}财政局",
        }
    )
    return 1


def _notices(
    s: Seeder,
    reg: Regions,
    spec: Spec,
    t: Timeline,
    pid: int,
    public_id: uuid.UUID,
    area: str,
    figures: dict[str, Any],
    target_values: list[tuple[Decimal, Decimal, Decimal]],
) -> None:
    """The entry notice (入库公示, displayed 10+ days before the entry) and the completion notice (竣工公告)."""
    rng = s.rng
    location = reg.names.get(area, "") + ("村务公开栏" if area[9:] != "000" else "政务公开栏")
    if t.entered is not None:
        approved = t.day_of("approved") or t.entered - timedelta(days=12)
        display_from = approved + timedelta(days=1)
        s.rows.notices.append(
            {
                "public_id": uuid.uuid5(public_id, "notice:entry"),
                "project_id": pid,
                "kind": "entry",
                "allocation_id": None,
                "figures": figures,
                "location": location,
                "display_from": display_from,
                "display_to": max(display_from + timedelta(days=10), t.entered - timedelta(days=1)),
                "published_on": display_from,
                "created_at": _at(display_from, rng),
                "actor_name": spec.unit,
                "version": 1,
            }
        )
    if t.completed is not None:
        display_from = t.completed + timedelta(days=rng.randint(1, 3))
        s.rows.notices.append(
            {
                "public_id": uuid.uuid5(public_id, "notice:completion"),
                "project_id": pid,
                "kind": "completion",
                "allocation_id": None,
                "figures": {
                    **figures,
                    "completed_on": t.completed.isoformat(),
                    "actuals": [str(actual) for _, _, actual in target_values],
                },
                "location": location,
                "display_from": display_from,
                "display_to": display_from + timedelta(days=rng.randint(10, 15)),
                "published_on": display_from,
                "created_at": _at(min(display_from, s.today), rng),
                "actor_name": spec.unit,
                "version": 1,
            }
        )


def _write(s: Seeder) -> None:
    conn, rows = s.conn, s.rows
    writer = Writer(conn)
    writer.insert(PROJECTS, rows.projects)
    writer.insert(PROJECT_REGIONS, rows.regions)
    writer.insert(STEPS, rows.steps)
    writer.insert(TARGETS, rows.targets)
    writer.insert(TARGET_UPDATES, rows.updates)
    writer.insert(MILESTONES, rows.milestones)
    writer.insert(BENEFICIARIES, rows.beneficiaries)
    writer.insert(MEASURES, [{k: v for k, v in m.items() if not k.startswith("_")} for m in rows.new_measures])
    if rows.linked_measures:
        conn.execute(
            MEASURES.update()
            .where(MEASURES.c.id == bindparam("mid"))
            .values(project_id=bindparam("pid"), version=bindparam("new_version"), updated_at=s.now),
            rows.linked_measures,
        )
    writer.insert(ALLOCATIONS, rows.allocations)
    writer.insert(DISBURSEMENTS, rows.disbursements)
    writer.insert(NOTICES, rows.notices)
    if writer.pg:
        for table in (PROJECTS, TARGETS, ALLOCATIONS, DISBURSEMENTS):
            conn.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f"(SELECT COALESCE(MAX(id), 1) FROM {table.name}))"
                )
            )
    # one event per project and kind of record written (a change-feed entry names its event's entity type), on the
    # project's trail; the measures created or linked in one event of their own
    measures: list[FeedItem] = []
    for event in rows.events:
        groups: dict[str, list[FeedItem]] = {}
        for item in event["feed"]:
            if item.entity_type == "measure":
                measures.append(item)
            else:
                groups.setdefault(item.entity_type, []).append(item)
        for entity_type, items in groups.items():
            chain.record_sync(
                conn,
                actor=SEED_ACTOR,
                action="seed.projects",
                entity_type=entity_type,
                entity_id=None,
                subject_id=event["entity_id"],
                region_code=event["region_code"],
                changes=event["changes"] if entity_type == "project" else {f"{entity_type}s": [None, len(items)]},
                feed=items,
            )
    if measures:
        chain.record_sync(
            conn,
            actor=SEED_ACTOR,
            action="seed.projects",
            entity_type="measure",
            entity_id=None,
            region_code=None,
            changes={
                "measures_created": [None, len(rows.new_measures)],
                "measures_linked": [None, len(rows.linked_measures)],
            },
            feed=measures,
        )
