"""The demo projects (`fupin.seed.projects`, run by `fupin seed`): the plan's figures, every library stage, a mix of
health computed by the real rule, funds never over their allocations, housing actuals counted from the linked
measures, the seeded anomalies and notices; once only."""

from __future__ import annotations

import asyncio
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from fupin import cli
from fupin.adjustments import clock
from fupin.audit import verify as verification
from fupin.config import Settings, get_settings
from fupin.core.db import make_engine, make_sessionmaker
from fupin.projects import health
from fupin.projects.models import STAGES
from fupin.seed import demo
from fupin.seed.bulk import sync_engine
from fupin.seed.cadres import seed_cadres
from fupin.seed.measures import seed_measures
from fupin.seed.projects import BUILDINGS, seed_projects
from tests.conftest import Api, app_settings

P = "/api/v1/projects"
TODAY = date(2026, 9, 15)
TABLES = (
    "projects",
    "project_regions",
    "project_steps",
    "project_targets",
    "project_target_updates",
    "project_milestones",
    "fund_allocations",
    "fund_disbursements",
    "project_beneficiaries",
    "project_notices",
    "measures",
    "audit_events",
    "change_feed",
)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return app_settings(database_url, tmp_path, job_worker=False, adjustment_today=TODAY)


@pytest.fixture
def seeded(database_url: str) -> Iterator[int]:
    """A small city: the template's households plus some in the other counties, cadres, measures, projects."""
    engine = sync_engine(database_url)
    with engine.begin() as conn:
        demo.seed_households(conn, 80, seed=9, within=["220302000000", "220303000000", "220323000000", "220381000000"])
        seed_cadres(conn, TODAY)
        seed_measures(conn)
        added = seed_projects(conn, TODAY)
    engine.dispose()
    yield added


def counts(database_url: str) -> dict[str, int]:
    engine = sync_engine(database_url)
    with engine.connect() as conn:
        result = {t: int(conn.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar_one()) for t in TABLES}
    engine.dispose()
    return result


def query(database_url: str, sql: str, **params: Any) -> list[Any]:
    engine = sync_engine(database_url)
    with engine.connect() as conn:
        rows = list(conn.execute(text(sql), params).all())
    engine.dispose()
    return rows


def all_projects(api: Api) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 200, **({"cursor": cursor} if cursor else {})}
        r = api.get("city_office", P, params=params)
        assert r.status_code == 200, r.text
        body = r.json()
        items += body["items"]
        cursor = body["next_cursor"]
        if not cursor:
            return items


def test_the_plan_with_its_figures_stages_and_health(api: Api, seeded: int, database_url: str) -> None:
    projects = all_projects(api)
    assert len(projects) == seeded
    by_category = Counter(p["category"] for p in projects)
    assert {k: by_category[k] for k in ("housing", "water", "road", "pv", "network", "new_village", "industry")} == {
        "housing": 7,
        "water": 8,
        "road": 8,
        "pv": 1,
        "network": 6,
        "new_village": 34,
        "industry": 44,
    }
    assert by_category["education"] == 30
    sums: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    water: dict[str, Decimal] = defaultdict(Decimal)
    for p in projects:
        targets = api.get("city_office", f"{P}/{p['id']}/targets").json()["items"]
        milestones = api.get("city_office", f"{P}/{p['id']}/milestones").json()["items"]
        assert targets, p["name"]  # every project has a performance target (入库 needs one)
        for t in targets:
            sums[(p["category"], t["unit"])] += Decimal(t["target"])
            if p["category"] == "water" and t["unit"] == "person":
                water["central" if "集中供水" in t["metric"] else "dispersed"] += Decimal(t["target"])
        # the stored progress and health are the rule's (what the daily health job would compute)
        spans = [
            (date.fromisoformat(m["due_on"]), m["done_on"] and date.fromisoformat(m["done_on"])) for m in milestones
        ]
        progress = health.compute_progress(
            [(Decimal(t["baseline"]), Decimal(t["target"]), Decimal(t["actual"])) for t in targets], spans
        )
        assert Decimal(p["progress"]) == progress, p["name"]
        assert p["health"] == health.project_health(
            today=TODAY,
            planned_start_on=date.fromisoformat(p["planned_start_on"]),
            due_on=date.fromisoformat(p["due_on"]),
            stage=p["stage"],
            progress=progress,
            milestones=spans,
        )
        assert all(m["done_on"] is None or m["done_on"] <= TODAY.isoformat() for m in milestones)
    assert sums[("housing", "household")] == 938
    assert (water["central"], water["dispersed"]) == (2433, 4191)
    assert sums[("road", "km")] == Decimal("196.6")
    assert sums[("pv", "mw")] == 30
    assert sums[("network", "unit")] == 320
    assert sums[("education", "school")] == 30
    schools = set()
    for p in projects:
        if p["category"] == "education":
            building = next(b for b in BUILDINGS if p["name"].endswith(b))
            schools.add(p["name"].removesuffix(building))
    assert len(schools) == 25
    assert {p["level"] for p in projects if p["category"] == "new_village"} == {"provincial_key"}
    # every library stage, a few projects at each early one; the removed one says why
    stages = Counter(p["stage"] for p in projects)
    assert set(stages) == set(STAGES)
    assert all(stages[s] >= 3 for s in ("declared", "reviewed", "approved", "in_library"))
    removed = [p for p in projects if p["stage"] == "removed"]
    assert removed and all(p["stage_reason"] and p["removed_on"] for p in removed)
    # the health mix
    states = Counter(p["health"] for p in projects)
    assert states["on_track"] and states["at_risk"] and states["overdue"]
    # the stamps of the stages and the step history (who, when, why) of each stage passed
    for p in projects:
        assert (p["entered_library_on"] is not None) == (
            p["stage"] not in ("declared", "reviewed", "approved", "removed")
        )
        assert (p["completed_on"] is not None) == (p["stage"] == "completed")
    for stage in STAGES:
        p = next(p for p in projects if p["stage"] == stage)
        steps = api.get("city_office", f"{P}/{p['id']}/steps").json()["items"]
        assert steps[0]["from_stage"] is None and steps[0]["to_stage"] == "declared"
        assert [s["from_stage"] for s in steps[1:]] == [s["to_stage"] for s in steps[:-1]]
        assert steps[-1]["to_stage"] == stage
        assert all(s["actor"]["name"] and s["at"] < f"{TODAY + timedelta(days=1)}" for s in steps)
        assert all(s["reason"] for s in steps[1:])
    # reported actuals: a history, never overwritten (each update starts from the one before)
    road = next(p for p in projects if p["category"] == "road" and p["stage"] == "implementing")
    target = api.get("city_office", f"{P}/{road['id']}/targets").json()["items"][0]
    updates = api.get("city_office", f"{P}/{road['id']}/targets/{target['id']}/updates").json()["items"]
    assert len(updates) >= 2 and updates[0]["actual"] == target["actual"]
    assert [u["previous"] for u in updates[:-1]] == [u["actual"] for u in updates[1:]]
    # the projects and their trail are the areas' own: the township sees its housing project and its history
    mine = api.get("township", P, params={"category": "housing", "limit": 50}).json()["items"]
    assert [p["area_code"] for p in mine] == ["220382102000"]
    trail = api.get("township", f"{P}/{mine[0]['id']}/audit-events").json()["items"]
    assert {e["action"] for e in trail} == {"seed.projects"}
    assert {e["entity_type"] for e in trail} == {
        "project",
        "project_target",
        "project_milestone",
        "project_beneficiary",
    }


def test_housing_actuals_count_the_linked_done_measures(api: Api, seeded: int, database_url: str) -> None:
    housing = [p for p in all_projects(api) if p["category"] == "housing"]
    counted = 0
    for p in housing:
        (target,) = api.get("city_office", f"{P}/{p['id']}/targets").json()["items"]
        assert target["derived_from"] == "housing" and target["unit"] == "household"
        ((done,),) = query(
            database_url,
            "SELECT COUNT(DISTINCT m.household_id) FROM measures m JOIN projects p ON p.id = m.project_id "
            "WHERE p.code = :code AND m.type = 'housing' AND m.status = 'done'",
            code=p["code"],
        )
        assert Decimal(target["actual"]) == done
        counted += done
        beneficiaries = api.get("city_office", f"{P}/{p['id']}/beneficiaries").json()
        linked = {m for item in beneficiaries["items"] for m in item["measure_ids"]}
        assert beneficiaries["households"] >= done and len(linked) >= done
    assert counted > 0
    # the demo township's households with a housing measure are among its project's beneficiaries
    (mine,) = [p for p in housing if p["area_code"] == "220382102000"]
    rows = query(
        database_url,
        "SELECT COUNT(*) FROM measures m JOIN projects p ON p.id = m.project_id "
        "WHERE m.type = 'housing' AND m.year = 2018 AND p.code = :code",
        code=mine["code"],
    )
    assert rows[0][0] > 0


def test_funds_stay_within_allocations_and_the_anomalies_are_seeded(seeded: int, database_url: str) -> None:
    over = query(
        database_url,
        "SELECT a.project_id, a.source FROM fund_allocations a "
        "LEFT JOIN (SELECT project_id, source, SUM(amount) AS paid FROM fund_disbursements "
        "GROUP BY project_id, source) d ON d.project_id = a.project_id AND d.source = a.source "
        "GROUP BY a.project_id, a.source HAVING MAX(COALESCE(d.paid, 0)) > SUM(a.amount)",
    )
    assert over == []
    orphans = query(
        database_url,
        "SELECT d.id FROM fund_disbursements d WHERE NOT EXISTS (SELECT 1 FROM fund_allocations a "
        "WHERE a.project_id = d.project_id AND a.source = d.source)",
    )
    assert orphans == []
    # 重复报账: one voucher number twice in one county
    duplicates = query(
        database_url,
        "SELECT p.county_code, d.voucher_no, COUNT(*) FROM fund_disbursements d JOIN projects p "
        "ON p.id = d.project_id GROUP BY p.county_code, d.voucher_no HAVING COUNT(*) > 1",
    )
    assert len(duplicates) == 1 and duplicates[0][2] == 2
    # 资金闲置: allocated over 12 months ago, mostly undisbursed
    idle = query(
        database_url,
        "SELECT a.id FROM fund_allocations a WHERE a.allocated_on < :year_ago AND a.amount > 2 * "
        "(SELECT COALESCE(SUM(d.amount), 0) FROM fund_disbursements d WHERE d.project_id = a.project_id "
        "AND d.source = a.source)",
        year_ago=TODAY - timedelta(days=365),
    )
    assert idle
    # a correction: a negative entry reversing the one it names
    (correction,) = query(
        database_url,
        "SELECT c.amount, o.amount, c.project_id = o.project_id AND c.source = o.source FROM fund_disbursements c "
        "JOIN fund_disbursements o ON o.id = c.corrects_id",
    )
    assert Decimal(correction[0]) == -Decimal(correction[1]) < 0 and correction[2]
    assert query(database_url, "SELECT COUNT(*) FROM fund_disbursements WHERE amount < 0")[0][0] == 1
    # paid before entry to the library, after completion, to a removed or exited household
    assert query(
        database_url,
        "SELECT d.id FROM fund_disbursements d JOIN projects p ON p.id = d.project_id "
        "WHERE d.paid_on < p.entered_library_on",
    )
    assert query(
        database_url,
        "SELECT d.id FROM fund_disbursements d JOIN projects p ON p.id = d.project_id WHERE d.paid_on > p.completed_on",
    )
    assert query(
        database_url,
        "SELECT d.id FROM fund_disbursements d JOIN households h ON h.id = d.payee_household_id "
        "WHERE h.status IN ('removed', 'exited_no_policy')",
    )
    # no benefit link: industry projects without a linked poor household (two on purpose)
    unlinked = query(
        database_url,
        "SELECT p.code FROM projects p WHERE p.category = 'industry' AND p.stage = 'implementing' AND NOT EXISTS "
        "(SELECT 1 FROM project_beneficiaries b JOIN households h ON h.id = b.household_id "
        "WHERE b.project_id = p.id AND h.status IN ('not_exited', 'returned'))",
    )
    assert len(unlinked) >= 2
    linked = query(
        database_url,
        "SELECT COUNT(DISTINCT b.project_id) FROM project_beneficiaries b JOIN projects p ON p.id = b.project_id "
        "WHERE p.category = 'industry'",
    )
    assert linked[0][0] > 0
    # nothing is dated after today
    for sql in (
        "SELECT COUNT(*) FROM fund_disbursements WHERE paid_on > :today",
        "SELECT COUNT(*) FROM fund_allocations WHERE allocated_on > :today",
        "SELECT COUNT(*) FROM project_target_updates WHERE as_of > :today",
        "SELECT COUNT(*) FROM project_notices WHERE published_on > :today",
    ):
        assert query(database_url, sql, today=TODAY)[0][0] == 0


def _working_days(start: date, end: date) -> int:
    return sum(1 for i in range(1, (end - start).days + 1) if (start + timedelta(days=i)).weekday() < 5)


def test_notices_of_entry_completion_and_allocations(seeded: int, database_url: str) -> None:
    projects = {
        r[0]: r for r in query(database_url, "SELECT id, code, stage, entered_library_on, completed_on FROM projects")
    }
    notices = query(
        database_url,
        "SELECT project_id, kind, display_from, display_to, published_on, allocation_id FROM project_notices",
    )
    entries = {n[0]: n for n in notices if n[1] == "entry"}
    completions = {n[0] for n in notices if n[1] == "completion"}
    for pid, (_, _, stage, entered, _) in projects.items():
        if entered is not None:
            notice = entries[pid]  # publicised before the entry, for at least 10 days
            display_from, display_to = (d if isinstance(d, date) else date.fromisoformat(d) for d in notice[2:4])
            entered_on = entered if isinstance(entered, date) else date.fromisoformat(entered)
            assert (display_to - display_from).days >= 10 and display_to < entered_on
        assert (pid in completions) == (stage == "completed")
    figures = query(
        database_url, "SELECT n.figures, p.code FROM project_notices n JOIN projects p ON p.id = n.project_id"
    )
    assert all(f'"{code}"' in str(f).replace("'", '"') for f, code in figures)
    # allocations publicised within 15 working days, but one late and one never (overdue)
    allocations = query(database_url, "SELECT id, allocated_on, published_on FROM fund_allocations")
    late = overdue = 0
    for _, allocated, published in allocations:
        allocated_on = allocated if isinstance(allocated, date) else date.fromisoformat(allocated)
        if published is None:
            overdue += _working_days(allocated_on, TODAY) > 15
            continue
        published_on = published if isinstance(published, date) else date.fromisoformat(published)
        late += _working_days(allocated_on, published_on) > 15
    assert late >= 1 and overdue >= 1 and late + overdue < len(allocations) // 10
    published = {n[5] for n in notices if n[1] == "allocation"}
    assert published == {a[0] for a in allocations if a[2] is not None}


def verify_chain(settings: Settings) -> Any:
    async def run() -> Any:
        engine = make_engine(settings.database_url)
        try:
            async with make_sessionmaker(engine)() as session:
                return await verification.verify(session, settings)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def test_the_seed_is_once(api: Api, seeded: int, database_url: str, settings: Settings) -> None:
    before = counts(database_url)
    engine = sync_engine(database_url)
    with engine.begin() as conn:
        assert seed_projects(conn, TODAY) == 0
    engine.dispose()
    assert counts(database_url) == before
    # audit events on the projects' trails with the change-feed entries of what they wrote; the chain verifies
    events = query(
        database_url,
        "SELECT COUNT(*), COUNT(DISTINCT subject_id) FROM audit_events "
        "WHERE action = 'seed.projects' AND entity_type = 'project'",
    )
    assert tuple(events[0]) == (seeded, seeded)
    result = verify_chain(settings)
    assert result.ok, result.reason
    feed = Counter(
        tuple(r)
        for r in query(database_url, "SELECT entity_type, action FROM change_feed WHERE entity_type LIKE 'project%'")
    )
    assert feed[("project", "created")] == seeded
    assert feed[("project_target", "created")] == before["project_targets"]
    assert feed[("project_milestone", "created")] == before["project_milestones"]
    assert feed[("project_beneficiary", "linked")] == before["project_beneficiaries"]


def test_fupin_seed_if_empty_adds_the_projects_once(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`fupin seed --if-empty` (what `make run` does) on a register that has households: the demo's cadres, measures
    and projects the first time, nothing the second."""
    monkeypatch.setenv("FUPIN_DATABASE_URL", database_url)
    monkeypatch.setenv("FUPIN_ADJUSTMENT_TODAY", TODAY.isoformat())
    get_settings.cache_clear()
    try:
        assert cli.main(["seed", "--if-empty", "--no-adjustments"]) == 0
        added = re.search(r"projects added: (\d+)", capsys.readouterr().out)
        assert added and int(added.group(1)) > 100
        before = counts(database_url)
        assert before["projects"] == int(added.group(1))
        assert cli.main(["seed", "--if-empty", "--no-adjustments"]) == 0
        assert "projects added: 0" in capsys.readouterr().out
        assert counts(database_url) == before
    finally:
        get_settings.cache_clear()
        clock.reset()
