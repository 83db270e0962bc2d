"""The scenarios of the demo projects: the library stages a project has gone through and its dates around today
(started and on track, late, overdue, a milestone missed, accepted, completed, or still in the library)."""

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from fupin.seed.projects.values import D0

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
EARLY = ("declared", "reviewed", "approved", "in_library", "removed")


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


def share_of(value: float) -> Decimal:
    return Decimal(str(round(min(max(value, 0.0), 1.0), 2)))


def library_steps(declared: date, rng: random.Random, upto: str) -> list[tuple[str | None, str, date]]:
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
        steps = library_steps(declared, rng, upto)
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
        share = share_of(d1 / (d1 + d2) + rng.uniform(0.08, 0.25))
        share = min(share, Decimal("0.95"))
    elif scenario == "overdue_milestone":
        d1, d2 = r(100, 160), r(60, 150)
        start, due = today - timedelta(days=d1), today + timedelta(days=d2)
        share = share_of(d1 / (d1 + d2) + rng.uniform(0.02, 0.1))
        missed = today - timedelta(days=r(5, 20))
    elif scenario == "at_risk_late":
        d1, d2 = r(180, 260), r(10, 35)
        start, due = today - timedelta(days=d1), today + timedelta(days=d2)
        share = share_of(rng.uniform(0.35, 0.65))
    elif scenario == "at_risk_slow":
        d1, d2 = r(90, 140), r(100, 160)
        start, due = today - timedelta(days=d1), today + timedelta(days=d2)
        share = share_of(d1 / (d1 + d2) * rng.uniform(0.45, 0.7))
    elif scenario == "overdue_late":
        due = today - timedelta(days=r(8, 60))
        start = due - timedelta(days=r(150, 240))
        share = share_of(rng.uniform(0.55, 0.9))
    elif scenario == "stalled":
        start = today - timedelta(days=r(420, 460))
        due = today - timedelta(days=r(40, 90))
        share = Decimal("0.15")
    elif scenario in ("accepted", "completed"):
        completed = today - timedelta(days=r(10, 90)) if scenario == "completed" else None
        accepted = completed - timedelta(days=r(7, 20)) if completed else today - timedelta(days=r(3, 25))
        due = accepted + timedelta(days=r(0, 25))
        start = accepted - timedelta(days=r(150, 240))
        steps = library_steps(start - timedelta(days=r(70, 100)), rng, "in_library")
        steps += [("in_library", "implementing", start), ("implementing", "accepted", accepted)]
        if completed:
            steps.append(("accepted", "completed", completed))
        t = Timeline(scenario, start, due, Decimal(1), steps, accepted=accepted, completed=completed)
        t.entered = t.day_of("in_library")
        return t
    else:
        raise ValueError(scenario)
    steps = library_steps(start - timedelta(days=r(70, 100)), rng, "in_library")
    steps.append(("in_library", "implementing", start))
    t = Timeline("implementing", start, due, share, steps, missed=missed)
    t.entered = t.day_of("in_library")
    return t
