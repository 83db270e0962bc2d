"""Amounts, quantities and times of the demo projects: rounded down to cents, hundreds or a unit's step; a time of
the working day; working days after a day."""

import random
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_DOWN, Decimal

from fupin.adjustments.clock import CHINA

D0 = Decimal(0)
CENT = Decimal("0.01")


def quantity(unit: str, value: Decimal) -> Decimal:
    step = Decimal("0.1") if unit in ("km", "mw") else Decimal(1)
    return value.quantize(step, rounding=ROUND_DOWN)


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_DOWN)


def hundreds(value: Decimal) -> Decimal:
    return (value / 100).quantize(Decimal(1), rounding=ROUND_DOWN) * 100


def work_time(day: date, rng: random.Random) -> datetime:
    """A time of the working day in China, in UTC."""
    return datetime.combine(day, time(rng.randint(8, 16), rng.randint(0, 59)), CHINA).astimezone(UTC)


def working_days_after(day: date, days: int) -> date:
    while days > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    return day
