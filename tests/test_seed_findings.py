"""The demo findings (`fupin.seed.findings`, run by `fupin seed`): two inspection batches with findings in every state,
gap-free numbers the API continues, overdue ones by the configured day, a closed finding reopened by a 回头看
finding, links to seeded records, steps by the demo logins; once only, on a chain that verifies."""

from __future__ import annotations

import asyncio
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from fupin import cli
from fupin.adjustments import clock
from fupin.audit import verify as verification
from fupin.config import Settings, get_settings
from fupin.core.db import make_engine, make_sessionmaker
from fupin.findings.models import STATES
from fupin.seed import demo
from fupin.seed.bulk import sync_engine
from fupin.seed.cadres import seed_cadres
from fupin.seed.findings import SPECS, seed_findings
from fupin.seed.measures import seed_measures
from fupin.seed.projects import seed_projects
from tests.conftest import Api, app_settings
from tests.finding_support import body

F = "/api/v1/findings"
TODAY = date(2026, 9, 15)
TABLES = (
    "findings",
    "finding_counters",
    "finding_links",
    "finding_tasks",
    "finding_steps",
    "audit_events",
    "change_feed",
)
CATEGORIES = ("awareness", "precision", "policy", "system", "conduct", "funds", "other")


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return app_settings(database_url, tmp_path, job_worker=False, adjustment_today=TODAY)


@pytest.fixture
def seeded(database_url: str) -> Iterator[int]:
    engine = sync_engine(database_url)
    with engine.begin() as conn:
        demo.seed_households(conn, 40, seed=9, within=["220322000000", "220381000000"])
        seed_cadres(conn, TODAY)
        seed_measures(conn)
        seed_projects(conn, TODAY)
        added = seed_findings(conn, TODAY)
    engine.dispose()
    yield added


def query(database_url: str, sql: str, **params: Any) -> list[Any]:
    engine = sync_engine(database_url)
    with engine.connect() as conn:
        rows = list(conn.execute(text(sql), params).all())
    engine.dispose()
    return rows


def counts(database_url: str) -> dict[str, int]:
    return {t: int(query(database_url, f"SELECT COUNT(*) FROM {t}")[0][0]) for t in TABLES}


def listed(api: Api, user: str = "city_office", **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        r = api.get(user, F, params={"limit": 200, **params, **({"cursor": cursor} if cursor else {})})
        assert r.status_code == 200, r.text
        page = r.json()
        items += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            return items


def test_every_state_category_and_batch_with_their_steps(api: Api, seeded: int) -> None:
    assert seeded == len(SPECS)
    everything = listed(api)
    assert len(everything) == seeded
    for state in STATES:
        items = listed(api, state=state)
        assert items, state
        assert all(f["state"] == state for f in items)
    assert {f["category"] for f in everything} == set(CATEGORIES)
    assert len({f["source"] for f in everything}) >= 5
    assert {f["batch"][5:] for f in everything} == {"省委第三巡视组巡视反馈", "市专项督查组第二轮督查"}
    assert len({f["region_code"] for f in everything}) >= 6
    assert any(f["region_code"].endswith("000") for f in everything)  # townships
    assert any(not f["region_code"].endswith("000") for f in everything)  # and villages
    expected = {
        "pending": ["pending"],
        "rectifying": ["pending", "rectifying"],
        "submitted": ["pending", "rectifying", "submitted"],
        "closed": ["pending", "rectifying", "submitted", "closed"],
        "returned": ["pending", "rectifying", "submitted", "returned"],
        "transferred": ["pending", "transferred"],
    }
    for f in everything:
        assert f["raised_on"] <= f["deadline"]
        steps = api.get("city_office", f"{F}/{f['id']}/steps").json()["items"]
        assert [s["to_state"] for s in steps] == expected[f["state"]], f["description"]
        assert steps[0]["from_state"] is None
        assert steps[0]["actor"]["name"] in ("市专项督查组", "四平市扶贫办")
        assert [s["at"] for s in steps] == sorted(s["at"] for s in steps)
        assert all(s["at"][:10] <= TODAY.isoformat() for s in steps)
        for s in steps:
            if s["to_state"] in ("closed", "returned", "transferred"):
                assert s["actor"]["name"] == "市专项督查组"
                assert (s["reason"] is not None) == (s["to_state"] != "closed")
        if f["region_code"].startswith("220382102"):  # 卧虎镇: its own login rectifies
            assert all(
                s["actor"]["name"] == "卧虎镇扶贫工作站" for s in steps if s["to_state"] in ("rectifying", "submitted")
            )
        tasks = api.get("city_office", f"{F}/{f['id']}/tasks").json()["items"]
        done = [t["done_on"] for t in tasks]
        if f["state"] in ("submitted", "closed", "returned"):
            assert f["rectification"] and tasks and all(done)
            assert all(f["raised_on"] <= d <= TODAY.isoformat() for d in done)
        if f["state"] == "pending":
            assert not any(done)
        if f["state"] == "closed":
            assert f["closed_by"] == "市专项督查组" and f["closed_on"] <= TODAY.isoformat()
        else:
            assert f["closed_on"] is None
    assert any(
        t["done_on"]
        for f in listed(api, state="rectifying")
        for t in api.get("city_office", f"{F}/{f['id']}/tasks").json()["items"]
    )
    # the township sees its own findings only
    township = listed(api, "township")
    assert township and all(f["region_code"].startswith("220382102") for f in township)


def test_numbers_are_gap_free_and_the_api_continues_them(api: Api, seeded: int, database_url: str) -> None:
    by_year: dict[int, list[int]] = defaultdict(list)
    for f in listed(api):
        by_year[f["year"]].append(f["number"])
    for year, numbers in by_year.items():
        assert sorted(numbers) == list(range(1, len(numbers) + 1)), year
    counters = dict(tuple(r) for r in query(database_url, "SELECT year, last_value FROM finding_counters"))
    assert counters == {year: len(numbers) for year, numbers in by_year.items()}
    year = max(by_year)
    r = api.post("inspector", F, json=body(raised_on=f"{year}-09-01", deadline=f"{year}-12-31"))
    assert r.status_code == 201, r.text
    assert (r.json()["year"], r.json()["number"]) == (year, len(by_year[year]) + 1)


def test_overdue_by_the_configured_day(api: Api, seeded: int) -> None:
    overdue = listed(api, overdue="true")
    assert len(overdue) >= 4
    assert all(f["state"] != "closed" and f["deadline"] < TODAY.isoformat() and f["overdue"] for f in overdue)
    assert {f["state"] for f in overdue} >= {"pending", "rectifying"}
    others = listed(api, overdue="false")
    assert others and not any(f["overdue"] for f in others)
    assert any(f["state"] == "rectifying" for f in others)  # a long-term one still within its deadline
    assert len(overdue) + len(others) == seeded


def test_the_reopened_pair_and_the_links(api: Api, seeded: int, database_url: str) -> None:
    reopened = [f for f in listed(api, state="closed") if f["reopened"]]
    assert len(reopened) == 1
    old = api.get("city_office", f"{F}/{reopened[0]['id']}").json()
    assert old["reopened_by_id"] is not None
    new = api.get("city_office", f"{F}/{old['reopened_by_id']}").json()
    assert new["source"] == "re_inspection" and new["reopens_id"] == old["id"]
    assert new["raised_on"] > old["closed_on"]
    assert {(link["type"], link["id"]) for link in new["links"]} & {(link["type"], link["id"]) for link in old["links"]}
    kinds: Counter[str] = Counter()
    for f in listed(api):
        full = api.get("city_office", f"{F}/{f['id']}").json()
        for link in full["links"]:
            kinds[link["type"]] += 1
            if link["type"] == "household":
                path = f"/api/v1/households/{link['id']}"
            elif link["type"] == "measure":
                path = f"/api/v1/measures/{link['id']}"
            elif link["type"] == "project":
                path = f"/api/v1/projects/{link['id']}"
            else:
                rows = query(
                    database_url,
                    "SELECT p.public_id FROM fund_disbursements d JOIN projects p ON p.id = d.project_id "
                    "WHERE d.public_id = :id",
                    id=link["id"] if database_url.startswith("postgresql") else link["id"].replace("-", ""),
                )
                path = f"/api/v1/projects/{rows[0][0]}/disbursements/{link['id']}"
            r = api.get("city_office", path)
            assert r.status_code == 200, (path, r.text)
            if link["type"] == "disbursement":  # where its project is
                r = api.get("city_office", f"/api/v1/projects/{rows[0][0]}")
            assert full["region_code"][:9] in str(r.json())  # within the finding's township
    assert set(kinds) == {"household", "project", "measure", "disbursement"}


def verify_chain(settings: Settings) -> Any:
    async def run() -> Any:
        engine = make_engine(settings.database_url)
        try:
            async with make_sessionmaker(engine)() as session:
                return await verification.verify(session, settings)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def test_the_seed_is_once_and_audited(seeded: int, database_url: str, settings: Settings) -> None:
    before = counts(database_url)
    engine = sync_engine(database_url)
    with engine.begin() as conn:
        assert seed_findings(conn, TODAY) == 0
    engine.dispose()
    assert counts(database_url) == before
    events = query(
        database_url,
        "SELECT COUNT(*), COUNT(DISTINCT subject_id) FROM audit_events "
        "WHERE action = 'seed.findings' AND entity_type = 'finding'",
    )
    assert tuple(events[0]) == (seeded, seeded)
    feed = Counter(
        tuple(r)
        for r in query(database_url, "SELECT entity_type, action FROM change_feed WHERE entity_type LIKE 'finding%'")
    )
    assert feed[("finding", "created")] == seeded
    assert feed[("finding_task", "created")] == before["finding_tasks"]
    households = query(database_url, "SELECT COUNT(*) FROM finding_links WHERE type = 'household'")[0][0]
    assert feed[("finding_link", "linked")] == households > 0
    result = verify_chain(settings)
    assert result.ok, result.reason


def test_fupin_seed_if_empty_adds_the_findings_once(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FUPIN_DATABASE_URL", database_url)
    monkeypatch.setenv("FUPIN_ADJUSTMENT_TODAY", TODAY.isoformat())
    get_settings.cache_clear()
    try:
        assert cli.main(["seed", "--if-empty", "--no-adjustments"]) == 0
        added = re.search(r"findings added: (\d+)", capsys.readouterr().out)
        assert added and int(added.group(1)) == len(SPECS)
        before = counts(database_url)
        assert cli.main(["seed", "--if-empty", "--no-adjustments"]) == 0
        assert "findings added: 0" in capsys.readouterr().out
        assert counts(database_url) == before
        assert cli.main(["audit", "verify"]) == 0
    finally:
        get_settings.cache_clear()
        clock.reset()
