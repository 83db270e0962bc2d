"""The one clock of the adjustment calendar: which day it is for "is a window open?". The app configures it from
its settings (`adjustment_today`: a fixed date for tests and demonstrations; None is the real date in China)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from fupin.config import Settings

CHINA = timezone(timedelta(hours=8), "CST")  # no daylight saving: a fixed offset is exact
_fixed: date | None = None


def configure(settings: Settings) -> None:
    global _fixed
    _fixed = settings.adjustment_today


def reset() -> None:
    global _fixed
    _fixed = None


def today() -> date:
    return _fixed if _fixed is not None else datetime.now(UTC).astimezone(CHINA).date()
