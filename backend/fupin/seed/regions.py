"""The demo city: 四平市 (220300) with its counties, plausible townships and generated villages.

County codes are the real ones; township and village codes are plausible, not official.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

CITY = ("220300000000", "四平市")
PROVINCE = ("220000000000", "吉林省")

COUNTIES: list[tuple[str, str, list[str]]] = [
    ("220302", "铁西区", ["平西乡"]),
    ("220303", "铁东区", ["山门镇", "叶赫满族镇", "石岭子镇", "城东乡"]),
    (
        "220322",
        "梨树县",
        [
            "梨树镇",
            "郭家店镇",
            "榆树台镇",
            "孤家子镇",
            "小城子镇",
            "喇嘛甸镇",
            "蔡家镇",
            "刘家馆子镇",
            "十家堡镇",
            "孟家岭镇",
            "万发镇",
            "东河镇",
            "沈洋镇",
            "林海镇",
            "小宽镇",
            "白山乡",
            "泉眼岭乡",
            "胜利乡",
            "四棵树乡",
            "双河乡",
            "金山乡",
        ],
    ),
    (
        "220323",
        "伊通满族自治县",
        [
            "伊通镇",
            "二道镇",
            "伊丹镇",
            "马鞍山镇",
            "景台镇",
            "靠山镇",
            "大孤山镇",
            "小孤山镇",
            "营城子镇",
            "西苇镇",
            "河源镇",
            "黄岭子镇",
            "新兴乡",
            "莫里青乡",
            "三道乡",
        ],
    ),
    (
        "220381",
        "公主岭市",
        [
            "范家屯镇",
            "响水镇",
            "大岭镇",
            "怀德镇",
            "黑林子镇",
            "陶家屯镇",
            "南崴子镇",
            "杨大城子镇",
            "朝阳坡镇",
            "双城堡镇",
            "秦家屯镇",
            "八屋镇",
            "玻璃城子镇",
            "二十家子镇",
            "毛城子镇",
            "刘房子镇",
            "双龙镇",
            "桑树台镇",
            "龙山满族乡",
        ],
    ),
    (
        "220382",
        "双辽市",
        [
            "茂林镇",
            "双山镇",
            "卧虎镇",
            "服先镇",
            "王奔镇",
            "玻璃山镇",
            "兴隆镇",
            "东明镇",
            "那木乡",
            "永加乡",
            "新立乡",
        ],
    ),
]

VILLAGE_STEMS = [
    "东方红",
    "永安",
    "太平",
    "新立",
    "红旗",
    "胜利",
    "前进",
    "长发",
    "福安",
    "兴隆",
    "三合",
    "双井",
    "五星",
    "民主",
    "团结",
    "和平",
    "新华",
    "德胜",
    "大房身",
    "小桥",
    "后屯",
    "前屯",
    "腰屯",
    "王家窝堡",
    "李家店",
    "张家屯",
    "刘家",
    "赵家",
    "孙家",
    "高家",
    "宝山",
    "金星",
    "红光",
    "向阳",
    "东升",
    "西岗",
    "南岭",
    "北山",
    "靠山",
    "河东",
    "河西",
    "二龙",
    "三家子",
    "四合",
    "六合",
    "八家子",
    "十里堡",
    "大榆树",
    "小榆树",
    "柳条",
    "杏山",
    "梨花",
    "松林",
    "榆林",
    "青山",
    "白石",
    "黑土",
    "双龙",
    "富强",
    "幸福",
]

# The demo township and village that the demo area users work in.
DEMO_TOWNSHIP = "220382102000"  # 双辽市 卧虎镇
DEMO_VILLAGE = "220382102201"  # 东方红村
OTHER_TOWNSHIP = "220382101000"  # 双辽市 双山镇


@dataclass(frozen=True)
class RegionRow:
    code: str
    name: str
    level: int
    parent_code: str | None
    is_poor_village: bool = False
    poverty_exit_year: int | None = None


def build_regions(seed: int = 2018) -> list[RegionRow]:
    rng = random.Random(seed)
    rows = [RegionRow(PROVINCE[0], PROVINCE[1], 1, None), RegionRow(CITY[0], CITY[1], 2, PROVINCE[0])]
    for county_code, county_name, townships in COUNTIES:
        county = county_code + "000000"
        rows.append(RegionRow(county, county_name, 3, CITY[0]))
        for t_index, township_name in enumerate(townships):
            township = f"{county_code}{100 + t_index:03d}000"
            rows.append(RegionRow(township, township_name, 4, county))
            stems = rng.sample(VILLAGE_STEMS, k=rng.randint(6, 10))
            if township == DEMO_TOWNSHIP:
                stems = ["东方红", *[s for s in stems if s != "东方红"]]
            for v_index, stem in enumerate(stems):
                poor = v_index == 0 or rng.random() < 0.3
                exit_year = rng.choice([2017, 2018, 2019, 2020, None]) if poor else None
                rows.append(RegionRow(f"{township[:9]}{201 + v_index:03d}", f"{stem}村", 5, township, poor, exit_year))
    return rows
