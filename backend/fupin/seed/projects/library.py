"""A demo project's library record: the project with its regions, library steps (申报 审核 审定 入库 实施 验收 完成),
targets and reported actuals, milestones, and the health and progress of the real rule (`projects.health`); its
beneficiaries, funds and notices are added on the way."""

import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from fupin.audit.chain import FeedItem
from fupin.projects import health
from fupin.projects.service import _common_area
from fupin.seed.projects.beneficiaries import link_beneficiaries
from fupin.seed.projects.funds import add_funds
from fupin.seed.projects.notices import add_notices
from fupin.seed.projects.plan import CATEGORY_KEYS, COUNTY_KEYS, MECHANISMS, PEOPLE, Spec
from fupin.seed.projects.scenarios import Timeline, timeline
from fupin.seed.projects.seeder import Seeder
from fupin.seed.projects.tables import PROJECTS, TARGETS
from fupin.seed.projects.values import D0, money, quantity, work_time

# category → milestones (name, share of the planned time at which it is due); the last is due on the due date
MILESTONE_PLANS: dict[str, tuple[tuple[str, float], ...]] = {
    "housing": (("开工", 0.05), ("主体完工", 0.7), ("竣工验收", 1.0)),
    "water": (("开工", 0.05), ("管网铺设完成", 0.6), ("通水试运行", 0.85), ("竣工验收", 1.0)),
    "road": (("开工", 0.05), ("路基完成", 0.45), ("路面硬化完成", 0.8), ("交工验收", 1.0)),
    "pv": (("开工", 0.05), ("组件安装完成", 0.6), ("并网发电", 0.85), ("竣工验收", 1.0)),
    "network": (("开工", 0.05), ("基站建成", 0.7), ("开通运行", 0.9), ("验收", 1.0)),
    "new_village": (("开工", 0.05), ("主体完工", 0.7), ("验收", 1.0)),
    "industry": (("开工", 0.05), ("主体完工", 0.6), ("投产运营", 0.85), ("验收", 1.0)),
    "education": (("开工", 0.05), ("主体封顶", 0.55), ("竣工验收", 1.0)),
    "employment": (("开工", 0.05), ("厂房完工", 0.6), ("投产运营", 0.85), ("验收", 1.0)),
    "public_service": (("开工", 0.05), ("完工", 0.8), ("验收", 1.0)),
}


def add_project(s: Seeder, spec: Spec, index: int) -> int:
    """The rows of the project of `spec` (the `index`-th of the plan) and of all its records. Returns its id."""
    rng, today, rows = s.rng, s.today, s.rows
    t = timeline(spec.scenario, today, rng)
    county6 = spec.regions[0][:6]
    county = county6 + "000000"
    area = _common_area(spec.regions)
    pid = s.ids.take(PROJECTS)
    keys = COUNTY_KEYS.get(county6, ("XX", ""))
    code = f"{keys[0]}-{spec.year}-{CATEGORY_KEYS[spec.category]}-{index + 1:03d}"
    public_id = uuid.uuid5(uuid.NAMESPACE_URL, f"fupin-demo-project:{spec.year}:{county}:{code}")
    feed: list[FeedItem] = [FeedItem("project", str(public_id), "created", area, 1, "seed")]
    for region in sorted(set(spec.regions)):
        rows.regions.append({"project_id": pid, "region_code": region})
    # the library history
    for source, target, day in t.steps:
        kind, actor_id, name = s.actor(area, township_step=target in ("declared", "reviewed", "implementing"))
        reason = {
            None: None,
            "reviewed": "乡镇审核通过, 符合项目库入库条件",
            "approved": "经县级论证审定, 同意实施",
            "in_library": "公示期满无异议, 纳入项目库",
            "implementing": "项目开工",
            "accepted": "经县级组织验收合格",
            "completed": "竣工公告期满, 项目完成",
            "removed": "与省级新农村重点村建设项目内容重复, 经县级论证出库",
        }.get(target if source is not None else None)
        rows.steps.append(
            {
                "project_id": pid,
                "from_stage": source,
                "to_stage": target,
                "reason": reason,
                "evidence_ids": [],
                "actor_type": kind,
                "actor_id": actor_id,
                "actor_name": name,
                "at": work_time(day, rng),
            }
        )
    # beneficiaries (and their measures)
    linked, done_housing = link_beneficiaries(s, spec, t, pid, public_id, feed)
    # targets and their reported actuals
    target_values: list[tuple[Decimal, Decimal, Decimal]] = []
    target_figures: list[dict[str, str]] = []
    reporter = s.actor(area, township_step=True)
    for position, ts in enumerate(spec.targets):
        tid = s.ids.take(TARGETS)
        target_public = uuid.uuid5(public_id, f"target:{position}")
        actual = D0
        if ts.derived_from is not None:
            actual = Decimal(done_housing)
        elif t.stage in ("accepted", "completed"):
            actual = ts.target
        elif t.stage == "implementing":
            share = min(max(t.share + Decimal(str(round(rng.uniform(-0.05, 0.05), 2))), D0), Decimal("0.98"))
            actual = quantity(ts.unit, ts.target * share)
        if ts.derived_from is None and actual > 0:
            add_updates(s, tid, t, ts.unit, actual, reporter)
        rows.targets.append(
            {
                "id": tid,
                "public_id": target_public,
                "project_id": pid,
                "position": position,
                "metric": ts.metric,
                "unit": ts.unit,
                "baseline": D0,
                "target": ts.target,
                "actual": actual,
                "derived_from": ts.derived_from,
                "created_at": work_time(t.steps[0][2], rng),
                "version": 1,
            }
        )
        target_values.append((D0, ts.target, actual))
        target_figures.append({"metric": ts.metric, "unit": ts.unit, "target": str(ts.target)})
        feed.append(FeedItem("project_target", str(target_public), "created", area, 1, "seed"))
    # milestones
    milestones = add_milestones(s, spec, t, pid, public_id, area, feed)
    progress = health.compute_progress(target_values, milestones)
    state = health.project_health(
        today=today,
        planned_start_on=t.start,
        due_on=t.due,
        stage=t.stage,
        progress=progress,
        milestones=milestones,
    )
    rows.projects.append(
        {
            "id": pid,
            "public_id": public_id,
            "source_system": None,
            "external_id": None,
            "code": code,
            "name": spec.name,
            "category": spec.category,
            "level": spec.level,
            "nature": spec.nature,
            "year": spec.year,
            "county_code": county,
            "area_code": area,
            "responsible_unit": spec.unit,
            "responsible_person": PEOPLE[index % len(PEOPLE)],
            "planned_start_on": t.start,
            "due_on": t.due,
            "benefit_mechanism": MECHANISMS[spec.category],
            "stage": t.stage,
            "stage_reason": rows.steps[-1]["reason"],
            "entered_library_on": t.entered,
            "completed_on": t.completed,
            "removed_on": t.removed,
            "health": state,
            "progress": progress,
            "version": 1,
            "created_at": s.now,
            "updated_at": s.now,
        }
    )
    figures: dict[str, Any] = {
        "code": code,
        "name": spec.name,
        "category": spec.category,
        "level": spec.level,
        "year": spec.year,
        "county_code": county,
        "region_codes": sorted(set(spec.regions)),
        "responsible_unit": spec.unit,
        "planned_start_on": t.start.isoformat(),
        "due_on": t.due.isoformat(),
        "budget": str(money(spec.budget)),
        "benefit_mechanism": MECHANISMS[spec.category],
        "targets": target_figures,
    }
    counts = add_funds(s, spec, t, pid, public_id, county, index, figures)
    add_notices(s, spec, t, pid, public_id, area, figures, target_values)
    rows.events.append(
        {
            "entity_id": str(public_id),
            "region_code": area,
            "changes": {
                "code": [None, code],
                "name": [None, spec.name],
                "stage": [None, t.stage],
                "health": [None, state],
                "targets": [None, len(spec.targets)],
                "milestones": [None, len(milestones)],
                "beneficiaries": [None, linked],
                **counts,
            },
            "feed": feed,
        }
    )
    return pid


def add_updates(s: Seeder, tid: int, t: Timeline, unit: str, actual: Decimal, reporter: tuple[str, str, str]) -> None:
    """Two to five reported actuals rising to `actual`, between the start and today (or the acceptance)."""
    rng = s.rng
    first = t.start + timedelta(days=10)
    last = min(t.accepted or s.today, s.today)
    if last <= first:
        first = t.start
    count = rng.randint(2, 5)
    span = (last - first).days
    previous = D0
    for k in range(1, count + 1):
        value = actual if k == count else quantity(unit, actual * k / count)
        if value <= previous and k != count:
            continue
        as_of = first + timedelta(days=span * k // count)
        s.rows.updates.append(
            {
                "target_id": tid,
                "actual": value,
                "previous": previous,
                "as_of": as_of,
                "note": "按月报进度" if k < count else ("竣工验收确认" if t.accepted else "最新进度"),
                "evidence_ids": [],
                "actor_type": reporter[0],
                "actor_id": reporter[1],
                "actor_name": reporter[2],
                "at": work_time(min(as_of + timedelta(days=1), s.today), rng),
            }
        )
        previous = value


def add_milestones(
    s: Seeder, spec: Spec, t: Timeline, pid: int, public_id: uuid.UUID, area: str, feed: list[FeedItem]
) -> list[tuple[date, date | None]]:
    rng, today = s.rng, s.today
    span = (t.due - t.start).days
    out: list[tuple[date, date | None]] = []
    plans = MILESTONE_PLANS[spec.category]
    for position, (name, share) in enumerate(plans):
        due = t.due if position == len(plans) - 1 else t.start + timedelta(days=round(span * share))
        if position == 1 and t.missed is not None:
            due = max(t.missed, t.start + timedelta(days=1))
        done: date | None = None
        if t.stage in ("accepted", "completed"):
            assert t.accepted is not None
            if position == len(plans) - 1:
                done = t.accepted
            else:
                done = max(t.start, min(due, t.accepted) - timedelta(days=rng.randint(0, 3)))
        elif t.stage == "implementing":
            missed = t.missed is not None and position == 1
            if spec.scenario == "stalled":
                done = t.start + timedelta(days=rng.randint(3, 12)) if position == 0 else None
            elif due < today and not missed:
                done = max(t.start, due - timedelta(days=rng.randint(0, 4)))
        milestone_public = uuid.uuid5(public_id, f"milestone:{position}")
        s.rows.milestones.append(
            {
                "public_id": milestone_public,
                "project_id": pid,
                "position": position,
                "name": name,
                "due_on": due,
                "done_on": done,
                "created_at": s.now,
                "version": 1,
            }
        )
        feed.append(FeedItem("project_milestone", str(milestone_public), "created", area, 1, "seed"))
        out.append((due, done))
    return out
