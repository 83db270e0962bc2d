"""The plan's projects (issue 10): 危房改造 938 households, water for 2,433 + 4,191 people, 196.6 km of village roads,
a 30 MW PV plant, 320 4G base stations, 34 provincial key new-village projects, 44 key industry projects, 25 schools
with 30 building projects, one project carried over from the year before and one removed from the library; each
with its scenario, targets, budget and the anomalies it is to show."""

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from fupin.seed.projects.places import Regions
from fupin.seed.regions import DEMO_TOWNSHIP, DEMO_VILLAGE, OTHER_TOWNSHIP

HOUSING_SUBSIDY = Decimal(15000)  # 危房改造 per household; the central share is paid to the household (直补到户)

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
RUNNING = ("on_track", "at_risk_late", "at_risk_slow", "overdue_late", "overdue_milestone", "stalled")
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


def pick(items: Sequence[str], count: int, rng: random.Random, first: Sequence[str] = ()) -> list[str]:
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
        regions = [code] if code[6:9] != "000" else sorted(pick(county_townships(code), 3, rng))
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
        villages = sorted(pick(villages_of(township), rng.randint(2, 4), rng, first))
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
        regions = sorted(pick(county_townships("220382000000"), 3, rng, [DEMO_TOWNSHIP]))
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
    villages = pick(reg.poor_villages, 34, rng, [DEMO_VILLAGE])
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
    villages = pick(with_poor, 44, rng, demo)
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
    schools = pick(all_townships, 25, rng, [DEMO_TOWNSHIP, OTHER_TOWNSHIP])
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
