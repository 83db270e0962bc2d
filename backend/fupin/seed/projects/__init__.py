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
created or linked are one more event.

The modules: `plan` (the plan's projects and what each is to show), `scenarios` (a scenario's stages and dates),
`library` (the project, its steps, targets, milestones and health), `beneficiaries` (linked households and their
measures), `funds` (allocations, payments, seeded anomalies), `notices` (公告公示), `audit` (the events), `seeder`
(the run's state and writing), `places`, `tables` and `values` (shared lookups and rounding)."""

import random
from datetime import date

from sqlalchemy import Connection, func, select

from fupin.projects.beneficiaries import POOR
from fupin.seed.projects.library import add_project
from fupin.seed.projects.places import load_regions
from fupin.seed.projects.plan import BUILDINGS, plan
from fupin.seed.projects.seeder import Seeder, write
from fupin.seed.projects.tables import HOUSEHOLDS, PROJECTS

__all__ = ["BUILDINGS", "seed_projects"]


def seed_projects(conn: Connection, today: date, *, seed: int = 2018) -> int:
    """The demo projects, once (nothing when a project exists). Returns the number of projects added."""
    if conn.execute(select(PROJECTS.c.id).limit(1)).first() is not None:
        return 0
    reg = load_regions(conn)
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
        add_project(seeder, spec, index)
    write(seeder)
    return len(specs)
