"""Indicators and their scoring rules, as data (a set per year), and how one indicator scores a unit's figures.

Rules:
- `ratio` (ratio metrics): full weight at or above `target`, nothing at or below `floor`, linear between;
  a unit with nothing to measure (no household, no village with a first secretary) gets the full weight;
- `deduction` (count metrics): the weight less `per_item` for every record counted, never below zero.

The example set follows the national effectiveness assessment's four dimensions (减贫成效, 精准识别, 精准帮扶,
扶贫资金) and totals 100."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

DIMENSIONS = ("减贫成效", "精准识别", "精准帮扶", "扶贫资金")
CENT = Decimal("0.01")

EXAMPLE_NAME = "乡镇、村脱贫攻坚工作考核指标（示例）"
EXAMPLE: list[dict[str, Any]] = [
    {
        "code": "jpcx_wrong_exit",
        "dimension": "减贫成效",
        "metric": "wrong_exit_candidates",
        "name": "脱贫质量：疑似错退",
        "weight": "20",
        "rule": "deduction",
        "per_item": "4",
    },
    {
        "code": "jzsb_register",
        "dimension": "精准识别",
        "metric": "register_completeness",
        "name": "建档立卡信息完整",
        "weight": "20",
        "rule": "ratio",
        "target": "1",
        "floor": "0.6",
    },
    {
        "code": "jzbf_visits",
        "dimension": "精准帮扶",
        "metric": "visit_coverage",
        "name": "帮扶走访覆盖",
        "weight": "12",
        "rule": "ratio",
        "target": "1",
        "floor": "0.5",
    },
    {
        "code": "jzbf_measures",
        "dimension": "精准帮扶",
        "metric": "measure_coverage",
        "name": "一户一策措施覆盖",
        "weight": "12",
        "rule": "ratio",
        "target": "1",
        "floor": "0.5",
    },
    {
        "code": "jzbf_residency",
        "dimension": "精准帮扶",
        "metric": "residency",
        "name": "第一书记驻村",
        "weight": "9",
        "rule": "ratio",
        "target": "1",
        "floor": "0.5",
    },
    {
        "code": "jzbf_overdue",
        "dimension": "精准帮扶",
        "metric": "overdue_findings",
        "name": "督查问题按期整改",
        "weight": "6",
        "rule": "deduction",
        "per_item": "2",
    },
    {
        "code": "jzbf_reopened",
        "dimension": "精准帮扶",
        "metric": "reopened_findings",
        "name": "整改质量：回头看重新发现",
        "weight": "6",
        "rule": "deduction",
        "per_item": "3",
    },
    {
        "code": "fpzj_milestones",
        "dimension": "扶贫资金",
        "metric": "milestone_delays",
        "name": "扶贫项目按期推进",
        "weight": "15",
        "rule": "deduction",
        "per_item": "3",
    },
]


@dataclass(frozen=True, slots=True)
class Figures:
    numerator: int
    denominator: int
    rows: int


def _pct(value: Decimal) -> str:
    return f"{(value * 100).quantize(CENT, ROUND_HALF_UP)}%"


def _num(value: Decimal) -> str:
    return format(value.normalize(), "f") if value == value.to_integral() else str(value)


def score(indicator: dict[str, Any], *, kind: str, unit: str, figures: Figures) -> dict[str, Any]:
    """The indicator's item of a unit's score: its figures, value, points and a sentence explaining them."""
    weight = Decimal(str(indicator["weight"]))
    item: dict[str, Any] = {
        "code": indicator["code"],
        "name": indicator["name"],
        "dimension": indicator["dimension"],
        "metric": indicator["metric"],
        "rule": indicator["rule"],
        "weight": str(weight),
        "numerator": figures.numerator,
        "denominator": figures.denominator,
        "count": figures.rows,
    }
    if kind == "ratio":
        target = Decimal(str(indicator.get("target", "1")))
        floor = Decimal(str(indicator.get("floor", "0")))
        rule_text = f"达到{_pct(target)}得满分，不高于{_pct(floor)}不得分，其间按比例"
        if figures.denominator == 0:
            points = weight
            item["value"] = None
            explanation = f"无考核对象，按满分计 {_num(weight)} 分"
        else:
            value = Decimal(figures.numerator) / Decimal(figures.denominator)
            share = min(Decimal(1), max(Decimal(0), (value - floor) / (target - floor)))
            points = (weight * share).quantize(CENT, ROUND_HALF_UP)
            item["value"] = str(value.quantize(Decimal("0.0001"), ROUND_HALF_UP))
            explanation = (
                f"{figures.numerator}/{figures.denominator} {unit}，{_pct(value)}；{rule_text}；"
                f"得 {points} 分（满分 {_num(weight)}）"
            )
    else:
        per_item = Decimal(str(indicator.get("per_item", "1")))
        points = max(Decimal(0), weight - per_item * figures.rows).quantize(CENT, ROUND_HALF_UP)
        item["value"] = str(figures.rows)
        explanation = (
            f"{figures.rows} {unit}，每{unit}扣 {_num(per_item)} 分；得 {points} 分（满分 {_num(weight)}）"
            if figures.rows
            else f"0 {unit}，得满分 {_num(weight)} 分"
        )
    item["score"] = str(points)
    item["explanation"] = explanation
    return item
