"""Deterministic demo data: households with realistic member mixes and incomes around the poverty line."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from fupin.core.idnumber import make as make_id_number

SURNAMES = list(
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
)
GIVEN_MALE = list(
    "伟刚勇毅俊峰强军平保东文辉力明永健世广志义兴良海山仁波宁贵福生龙元全国胜学祥才发武新利清飞彬富顺信子杰涛昌成康星光天达安岩中茂进林有坚和彪博诚先敬震振壮会思群豪心邦承乐绍功松善厚庆磊民友裕河哲江超浩亮政谦亨奇固之轮翰朗伯宏言若鸣朋斌梁栋维启克伦翔旭鹏泽晨辰士以建家致树炎德行时泰盛雄琛钧冠策腾楠榕风航弘"
)
GIVEN_FEMALE = list(
    "秀娟英华慧巧美娜静淑惠珠翠雅芝玉萍红娥玲芬芳燕彩春菊兰凤洁梅琳素云莲真环雪荣爱妹霞香月莺媛艳瑞凡佳嘉琼勤珍贞莉桂娣叶璧璐娅琦晶妍茜秋珊莎锦黛青倩婷姣婉娴瑾颖露瑶怡婵雁蓓纨仪荷丹蓉眉君琴蕊薇菁梦岚苑婕馨瑗琰韵融园艺咏卿聪澜纯毓悦昭冰爽琬茗羽希宁欣飘育滢馥筠柔竹霭凝晓欢霄枫芸菲寒伊亚宜可姬舒影荔枝丽阳妮宝贝初程梵罡恒鸿桦骅剑娇纪宽苛灵玛媚琪晴容睿烁堂唯威韦雯苇萱阅彦宇雨洋忠宗曼紫逸贤蝶菡绿蓝儿翠烟"
)

CAUSES = [
    ("01", 40),
    ("02", 15),
    ("08", 12),
    ("09", 10),
    ("07", 8),
    ("03", 5),
    ("04", 3),
    ("05", 2),
    ("06", 1),
    ("10", 1),
    ("11", 2),
    ("99", 1),
]
STATUSES = [
    ("exited_with_policy", 58),
    ("not_exited", 25),
    ("exited_no_policy", 9),
    ("returned", 5),
    ("removed", 3),
]
LINES = {2014: 2800, 2015: 2855, 2016: 3026, 2017: 3335, 2018: 3535, 2019: 3747, 2020: 4000}


_CUMULATIVE: dict[tuple[tuple[str, int], ...], tuple[list[str], list[int]]] = {}


def _weighted(rng: random.Random, table: list[tuple[str, int]]) -> str:
    key = tuple(table)
    prepared = _CUMULATIVE.get(key)
    if prepared is None:
        codes, running, total = [], [], 0
        for code, weight in table:
            total += weight
            codes.append(code)
            running.append(total)
        prepared = _CUMULATIVE[key] = (codes, running)
    return rng.choices(prepared[0], cum_weights=prepared[1])[0]


@dataclass
class GeneratedHousehold:
    public_id: uuid.UUID
    household_number: str
    village_code: str
    values: dict[str, Any]
    members: list[dict[str, Any]]
    incomes: list[dict[str, Any]] = field(default_factory=list)
    assessments: list[dict[str, Any]] = field(default_factory=list)
    status_changes: list[dict[str, Any]] = field(default_factory=list)


class IdAllocator:
    """Unique, valid resident ID numbers: a running sequence per (region, birth date, gender)."""

    def __init__(self) -> None:
        self._next: dict[tuple[str, date, str], int] = {}

    def allocate(self, region6: str, born: date, gender: str) -> str:
        key = (region6, born, gender)
        k = self._next.get(key, 0)
        if k >= 500:
            raise RuntimeError("ID sequence space exhausted for one birth date")
        self._next[key] = k + 1
        seq = 2 * k + (1 if gender == "1" else 0)
        return make_id_number(region6, born, seq)


def _name(rng: random.Random, surname: str, gender: str) -> str:
    pool = GIVEN_MALE if gender == "1" else GIVEN_FEMALE
    return surname + "".join(rng.choice(pool) for _ in range(rng.choice((1, 2, 2))))


def _birth(rng: random.Random, age_low: int, age_high: int, ref: date) -> date:
    age_days = rng.randint(age_low * 365, age_high * 365 + 364)
    return ref - timedelta(days=age_days)


def _person(
    rng: random.Random,
    ids: IdAllocator,
    region6: str,
    relation: str,
    surname: str,
    gender: str,
    born: date,
    ref: date,
) -> dict[str, Any]:
    age = (ref - born).days // 365
    health = (
        _weighted(rng, [("healthy", 65), ("chronic", 15), ("serious", 8), ("disabled", 12)])
        if age > 15
        else _weighted(rng, [("healthy", 92), ("chronic", 4), ("disabled", 4)])
    )
    if age < 6:
        education, school, labour = "preschool", ("preschool" if age >= 3 else "none"), "none"
    elif age < 18:
        education = "primary" if age < 12 else "junior"
        school = "primary" if age < 12 else ("grade7_9" if age < 15 else rng.choice(["senior1", "senior2", "senior3"]))
        labour = "none"
    else:
        education = _weighted(rng, [("illiterate", 15), ("primary", 40), ("junior", 35), ("senior", 8), ("college", 2)])
        school = "none"
        if age >= 65 or health in ("serious",):
            labour = _weighted(rng, [("lost", 50), ("none", 30), ("weak", 20)])
        elif health == "disabled":
            labour = _weighted(rng, [("weak", 40), ("lost", 40), ("ordinary", 20)])
        else:
            labour = _weighted(rng, [("ordinary", 65), ("skilled", 15), ("weak", 20)])
    working = labour in ("ordinary", "skilled") and rng.random() < 0.6
    return {
        "public_id": uuid.UUID(int=rng.getrandbits(128), version=4),
        "name": _name(rng, surname, gender),
        "id_type": "resident_id",
        "id_number": ids.allocate(region6, born, gender),
        "gender": gender,
        "birth_date": born,
        "ethnicity": _weighted(rng, [("01", 88), ("11", 8), ("02", 2), ("10", 2)]),
        "relation": relation,
        "education": education,
        "school_status": school,
        "health": health,
        "disability_grade": rng.randint(1, 4) if health == "disabled" else None,
        "labour": labour,
        "work_status": _weighted(
            rng, [("in_township", 30), ("in_county", 35), ("in_province", 25), ("out_of_province", 10)]
        )
        if working
        else "none",
        "months_worked": rng.randint(3, 12) if working else 0,
        "public_welfare_job": labour == "weak" and rng.random() < 0.2,
        "medical_insurance": True,
        "serious_illness_insurance": rng.random() < 0.9,
        "pension_insurance": age >= 16 and rng.random() < 0.85,
        "dibao": False,
        "tekun": False,
    }


def generate(
    villages: list[str],
    count: int,
    seed: int = 2018,
    detailed: bool = True,
    ref: date = date(2020, 12, 31),
    start_sequences: dict[str, int] | None = None,
) -> Iterator[GeneratedHousehold]:
    """Yield `count` households spread over `villages`, the same every time for the same arguments.
    `start_sequences` continues household numbering where a village's register stands."""
    rng = random.Random(seed)
    ids = IdAllocator()
    sequences: dict[str, int] = dict(start_sequences or {})
    for i in range(count):
        village = villages[i % len(villages)] if i < len(villages) else rng.choice(villages)
        sequences[village] = sequences.get(village, 0) + 1
        region6 = village[:6]
        surname = rng.choice(SURNAMES)
        head_gender = "1" if rng.random() < 0.8 else "2"
        head_born = _birth(rng, 30, 82, ref)
        members = [_person(rng, ids, region6, "01", surname, head_gender, head_born, ref)]
        head_age = (ref - head_born).days // 365
        if rng.random() < 0.72:
            spouse_gender = "2" if head_gender == "1" else "1"
            spouse_born = _birth(rng, max(22, head_age - 6), min(85, head_age + 4), ref)
            members.append(_person(rng, ids, region6, "02", rng.choice(SURNAMES), spouse_gender, spouse_born, ref))
        if head_age < 65:
            for _ in range(rng.choice((0, 1, 1, 2, 2, 3))):
                gender = rng.choice(("1", "2"))
                born = _birth(rng, 0, max(0, min(30, head_age - 20)), ref)
                members.append(_person(rng, ids, region6, "03" if gender == "1" else "04", surname, gender, born, ref))
        elif rng.random() < 0.3:
            gender = rng.choice(("1", "2"))
            members.append(
                _person(
                    rng,
                    ids,
                    region6,
                    "07" if gender == "1" else "08",
                    surname,
                    gender,
                    _birth(rng, 4, 16, ref),
                    ref,
                )
            )
        if head_age < 50 and rng.random() < 0.15:
            members.append(_person(rng, ids, region6, "11", surname, "1", _birth(rng, head_age + 22, 90, ref), ref))
        attribute = _weighted(rng, [("general", 70), ("dibao", 22), ("tekun", 8)])
        if attribute == "tekun":
            members = members[:1]
        for m in members:
            m["dibao"] = attribute == "dibao"
            m["tekun"] = attribute == "tekun"
        main_cause = _weighted(rng, CAUSES)
        secondary = [
            c for c in rng.sample(["01", "02", "07", "08", "09"], k=rng.choice((0, 1, 1, 2))) if c != main_cause
        ]
        identified = date(rng.choice((2014, 2014, 2015, 2016, 2017, 2018)), rng.randint(1, 12), rng.randint(1, 28))
        status = _weighted(rng, STATUSES)
        exit_year = None
        if status != "not_exited" and status != "removed":
            exit_year = rng.randint(max(identified.year + 1, 2016), 2020)
        number = f"{village}{sequences[village]:04d}"
        group = rng.randint(1, 9)
        values = {
            "group_name": f"{group}组",
            "address": f"{group}组{rng.randint(1, 120)}号",
            "phone": f"1{rng.choice('3578')}{rng.randint(0, 999999999):09d}",
            "bank_account": f"6217{rng.randint(0, 10**15 - 1):015d}",
            "first_identified_on": identified,
            "identified_year": identified.year,
            "identification_standard": "national",
            "attribute": attribute,
            "main_cause": main_cause,
            "secondary_causes": secondary,
            "status": status,
            "status_reason": {"removed": "识别不精准, 经核查注销", "returned": "因病返贫"}.get(status),
            "planned_exit_year": exit_year or rng.randint(2019, 2020),
            "exit_year": exit_year,
            "member_count": len(members),
            "housing_area": Decimal(rng.randint(30, 110)),
            "housing_safety": _weighted(rng, [("A", 40), ("B", 45), ("C", 10), ("D", 5)]),
            "safe_drinking_water": rng.random() < 0.93,
            "electricity": True,
            "road_type": _weighted(rng, [("cement", 70), ("asphalt", 10), ("gravel", 15), ("dirt", 5)]),
            "sanitary_toilet": rng.random() < 0.6,
            "fuel": _weighted(rng, [("firewood", 50), ("coal", 30), ("gas", 10), ("electricity", 10)]),
            "relocated": rng.random() < 0.03,
            "relocation_year": None,
            "relocation_site": None,
            "military_family": rng.random() < 0.02,
            "only_child": rng.random() < 0.05,
            "two_daughters": rng.random() < 0.03,
        }
        household = GeneratedHousehold(uuid.UUID(int=rng.getrandbits(128), version=4), number, village, values, members)
        household.status_changes.append(
            {"from_status": None, "to_status": "not_exited", "reason": "建档立卡", "year": identified.year}
        )
        if exit_year:
            household.status_changes.append(
                {
                    "from_status": "not_exited",
                    "to_status": "exited_with_policy",
                    "reason": "经村评议、乡审核、县审定, 达到脱贫标准",
                    "year": exit_year,
                }
            )
            if status in ("exited_no_policy", "returned"):
                household.status_changes.append(
                    {
                        "from_status": "exited_with_policy",
                        "to_status": status,
                        "reason": "稳定脱贫, 不再享受政策" if status == "exited_no_policy" else "因病返贫",
                        "year": min(exit_year + 1, 2020),
                    }
                )
        elif status == "removed":
            household.status_changes.append(
                {
                    "from_status": "not_exited",
                    "to_status": "removed",
                    "reason": "识别不精准, 经核查注销",
                    "year": 2018,
                }
            )
        if detailed:
            size = len(members)
            for year in (2019, 2020):
                exited_by_then = exit_year is not None and exit_year <= year and status != "returned"
                line = LINES[year]
                per_capita = (
                    rng.randint(line + 200, line * 2 + 2000)
                    if exited_by_then
                    else rng.randint(int(line * 0.6), line + 300)
                )
                net = Decimal(per_capita * size)
                costs = Decimal(rng.randint(0, 3000))
                total = net + costs
                wage = (total * Decimal(rng.randint(20, 60)) / 100).quantize(Decimal("1"))
                transfer = (total * Decimal(rng.randint(10, 30)) / 100).quantize(Decimal("1"))
                prop = (total * Decimal(rng.randint(0, 10)) / 100).quantize(Decimal("1"))
                production = total - wage - transfer - prop
                household.incomes.append(
                    {
                        "year": year,
                        "wage_income": wage,
                        "production_income": production,
                        "property_income": prop,
                        "transfer_income": transfer,
                        "production_costs": costs,
                        "household_size": size,
                        "net_income": net,
                        "per_capita_net_income": (net / size).quantize(Decimal("0.01")),
                    }
                )
            assessed_ok = exit_year is not None and status != "returned"
            household.assessments.append(
                {
                    "year": 2020,
                    "food_clothing": True,
                    "compulsory_education": assessed_ok or rng.random() < 0.8,
                    "basic_medical": assessed_ok or rng.random() < 0.6,
                    "safe_housing": assessed_ok or values["housing_safety"] in ("A", "B"),
                    "safe_drinking_water": assessed_ok or bool(values["safe_drinking_water"]),
                    "evidence": {"safe_housing": f"住房安全等级{values['housing_safety']}级, 经住建部门鉴定"},
                    "assessed_on": date(2020, 11, rng.randint(1, 28)),
                    "assessor": "村两委入户核查",
                }
            )
        yield household
