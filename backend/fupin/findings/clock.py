"""Which day it is for the finding rules (overdue, closing day, tasks done): the one configured clock of the app
(`adjustment_today` fixes it for tests and demonstrations; otherwise the date in China)."""

from __future__ import annotations

from datetime import date

from fupin.adjustments import clock as _clock


def today() -> date:
    return _clock.today()
