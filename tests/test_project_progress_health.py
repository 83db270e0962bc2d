"""The health rule of projects (`projects.health.project_health`) and the progress it is given, branch by branch."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from fupin.projects.health import compute_progress, project_health, target_progress

START = date(2026, 1, 1)
DUE = date(2026, 12, 31)  # 364 days planned


def health(
    today: date,
    *,
    progress: str | None = "0.5",
    stage: str = "implementing",
    milestones: list[tuple[date, date | None]] | None = None,
    start: date = START,
    due: date = DUE,
) -> str:
    return project_health(
        today=today,
        planned_start_on=start,
        due_on=due,
        stage=stage,
        progress=Decimal(progress) if progress is not None else None,
        milestones=milestones or [],
    )


def test_overdue_after_the_due_date() -> None:
    assert health(date(2027, 1, 1), progress="0.99") == "overdue"
    # the due day itself is not late yet (at risk: 99 % after the whole planned time projects past it)
    assert health(DUE, progress="0.99") == "at_risk"
    assert health(DUE, progress="1") == "on_track"


def test_overdue_by_a_missed_milestone() -> None:
    missed = [(date(2026, 3, 1), None)]
    assert health(date(2026, 3, 2), progress="0.9", milestones=missed) == "overdue"
    # due today is not missed yet; done (even late) is not missed
    assert health(date(2026, 3, 1), progress="0.9", milestones=missed) == "on_track"
    assert health(date(2026, 3, 2), progress="0.9", milestones=[(date(2026, 3, 1), date(2026, 3, 2))]) == "on_track"


def test_at_risk_with_little_time_left_and_little_done() -> None:
    late = date(2026, 11, 1)  # 60 of 364 days left: under a quarter
    assert health(late, progress="0.74") == "at_risk"
    assert health(late, progress=None) == "at_risk"  # unknown progress counts as below 75 %
    assert health(late, progress="0.9") == "on_track"  # 0.9 done after 304 days: projected inside the plan
    early = date(2026, 2, 1)
    assert health(early, progress="0.10") == "on_track"  # plenty of time left, projected 310 days


def test_at_risk_by_the_projected_completion() -> None:
    # half the time gone (182 days) with 40 % done: at this rate 455 days, after the due date
    assert health(date(2026, 7, 2), progress="0.40") == "at_risk"
    assert health(date(2026, 7, 2), progress="0.55") == "on_track"
    # no progress yet and plenty of time: nothing to project from
    assert health(date(2026, 3, 1), progress="0") == "on_track"
    assert health(date(2026, 3, 1), progress=None) == "on_track"


def test_on_track_and_done() -> None:
    assert health(date(2026, 6, 1), progress="0.5") == "on_track"
    assert health(date(2026, 12, 30), progress="1") == "on_track"
    assert health(date(2025, 12, 1), progress=None) == "on_track"  # before the planned start


@pytest.mark.parametrize("stage", ["accepted", "completed", "removed"])
def test_finished_projects_are_on_track(stage: str) -> None:
    assert health(date(2027, 6, 1), progress="0.1", stage=stage, milestones=[(date(2026, 3, 1), None)]) == "on_track"


def test_a_one_day_project() -> None:
    day = date(2026, 5, 1)
    assert health(date(2026, 4, 30), progress="0", start=day, due=day) == "on_track"
    assert health(day, progress="0", start=day, due=day) == "at_risk"
    assert health(day, progress="1", start=day, due=day) == "on_track"


def test_progress_of_targets_milestones_or_nothing() -> None:
    assert target_progress(baseline=Decimal(0), target=Decimal(938), actual=Decimal(469)) == Decimal("0.5")
    assert target_progress(baseline=Decimal(10), target=Decimal(20), actual=Decimal(5)) == 0  # clamped at 0
    assert target_progress(baseline=Decimal(0), target=Decimal(10), actual=Decimal(30)) == 1  # clamped at 1
    assert target_progress(baseline=Decimal(5), target=Decimal(5), actual=Decimal(5)) == 1
    # a falling target: from 100 down to 40, at 70 it is half way
    assert target_progress(baseline=Decimal(100), target=Decimal(40), actual=Decimal(70)) == Decimal("0.5")
    targets = [(Decimal(0), Decimal(4), Decimal(1)), (Decimal(0), Decimal(2), Decimal(2))]
    assert compute_progress(targets, [(START, None)]) == Decimal("0.625")  # targets win over milestones
    milestones = [(START, START), (DUE, None), (DUE, None)]
    assert compute_progress([], milestones) == Decimal("0.3333")
    assert compute_progress([], []) is None
