"""The demo findings (`fupin.seed.findings`, run by `fupin seed` before the assessment): two inspection batches with
findings in every state, worked by the demo users through the findings' services, overdue ones warned yellow and
red by the daily check, one reopened by a 回头看, one in the discipline inbox, one with a paused deadline; audited;
once only."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from fupin.adjustments import clock
from fupin.authz.scope import region_prefix
from fupin.config import Settings
from fupin.findings.models import STATES
from fupin.seed.bulk import sync_engine
from fupin.seed.cadres import seed_cadres
from fupin.seed.findings import FINDINGS, batches, demo_pdf, demo_png, seed_findings
from fupin.seed.measures import seed_measures
from fupin.seed.projects import seed_projects
from fupin.seed.regions import OTHER_TOWNSHIP
from tests.conftest import Api, app_settings

F = "/api/v1/findings"
TODAY = date(2026, 9, 15)
COUNTY = "220382000000"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return app_settings(database_url, tmp_path, job_worker=False, adjustment_today=TODAY)


@pytest.fixture
def db(database_url: str) -> Iterator[Any]:
    engine = sync_engine(database_url)

    def query(sql: str, **params: Any) -> list[Any]:
        with engine.connect() as conn:
            return list(conn.execute(text(sql), params).all())

    yield query
    engine.dispose()


@pytest.fixture
def seeded(database_url: str, settings: Settings, api: Api) -> Iterator[int]:
    """The template's households with the demo's cadres, measures and projects, then the findings (the app, and so
    the clock, set to TODAY first)."""
    for user in ("inspector", "auditor", "township2"):
        api.token(user)
    engine = sync_engine(database_url)
    with engine.begin() as conn:
        seed_cadres(conn, TODAY)
        seed_measures(conn)
        seed_projects(conn, TODAY)
    engine.dispose()
    try:
        yield asyncio.run(seed_findings(settings, TODAY))
    finally:
        clock.reset()


def tables(db: Any) -> tuple[Any, ...]:
    return tuple(
        db(f"SELECT COUNT(*) FROM {t}")[0][0]
        for t in (
            "findings",
            "finding_links",
            "finding_tasks",
            "finding_steps",
            "finding_pauses",
            "finding_escalations",
            "evidence",
            "audit_events",
            "change_feed",
        )
    )


def test_the_demo_files_are_real_png_and_pdf() -> None:
    png = demo_png()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and png.endswith(b"IEND\xaeB`\x82")
    pdf = demo_pdf("Rectification evidence 2026-1")
    assert pdf.startswith(b"%PDF-1.4") and pdf.rstrip().endswith(b"%%EOF")
    start = int(pdf.rsplit(b"startxref\n", 1)[1].split(b"\n", 1)[0])
    assert pdf[start:].startswith(b"xref")  # the cross-reference table is where the trailer says


def test_the_batches_are_named_by_their_year() -> None:
    assert [name for name, _ in batches(TODAY).values()] == ["2026年省委第三巡视组专项巡视", "2026年上半年扶贫成效考核"]
    assert [name for name, _ in batches(date(2027, 5, 10)).values()] == [
        "2026年省委第三巡视组专项巡视",
        "2026年下半年扶贫成效考核",
    ]


def test_every_state_in_two_batches_with_warnings_and_a_reopened_one(
    seeded: int, api: Api, db: Any, settings: Settings
) -> None:
    assert seeded == len(FINDINGS)
    states = Counter(r[0] for r in db("SELECT state FROM findings"))
    assert set(states) == set(STATES), states
    assert {r[0] for r in db("SELECT DISTINCT batch FROM findings")} == {name for name, _ in batches(TODAY).values()}

    # every finding seen by the inspector, over the whole city
    r = api.get("inspector", F, params={"include_total": "true", "limit": 200})
    assert r.status_code == 200, r.text
    listed = r.json()
    assert listed["total"] == seeded and len(listed["items"]) == seeded
    items = listed["items"]
    assert all(i["raised_on"] < TODAY.isoformat() for i in items)

    # overdue by more than 7 and more than 30 days: yellow and red, escalated to the county above the township
    open_items = [i for i in items if i["state"] in ("pending", "rectifying", "submitted", "returned")]
    yellow = [i for i in open_items if i["warning"] == "yellow"]
    red = [i for i in open_items if i["warning"] == "red"]
    assert yellow and red
    assert all(7 <= i["overdue_days"] < 30 and i["overdue"] for i in yellow)
    assert all(i["overdue_days"] >= 30 and i["overdue"] for i in red)
    assert any(i["state"] == "returned" and i["warning"] == "yellow" for i in items)
    assert all(i["escalated_to"] == COUNTY for i in yellow + red)
    escalations = db("SELECT level, to_region, on_day, by FROM finding_escalations")
    assert len(escalations) == len(yellow) + len(red)
    assert {(e[0], e[1]) for e in escalations} == {("yellow", COUNTY), ("red", COUNTY)}
    assert {str(e[2]) for e in escalations} == {TODAY.isoformat()}
    assert all(i["overdue_days"] == 0 and i["warning"] is None for i in items if i["state"] == "closed")

    # the paused deadline: past, but the days since are paused, so not overdue in days and not warned
    paused = [i for i in items if i["paused"]]
    assert len(paused) == 1 and paused[0]["region_code"] == OTHER_TOWNSHIP
    assert paused[0]["overdue_days"] == 0 and paused[0]["warning"] is None
    assert paused[0]["deadline"] < TODAY.isoformat()
    pauses = api.get("township2", f"{F}/{paused[0]['id']}/pauses").json()["items"]
    assert len(pauses) == 1 and pauses[0]["ends_on"] is None and pauses[0]["waits_on"] == "双辽市住房和城乡建设局"

    # one closed finding reopened by a 回头看, linked both ways
    reopened = [i for i in items if i["reopened"]]
    assert len(reopened) == 1 and reopened[0]["state"] == "closed"
    old = api.get("inspector", f"{F}/{reopened[0]['id']}").json()
    again = api.get("inspector", f"{F}/{old['reopened_by_id']}").json()
    assert again["source"] == "re_inspection" and again["reopens_id"] == old["id"]
    assert again["raised_on"] > old["closed_on"]

    # the discipline commission's inbox has the transferred one
    inbox = api.get("auditor", F, params={"state": "transferred", "include_total": "true"}).json()
    assert inbox["total"] == 1 and inbox["items"][0]["category"] == "funds"
    assert inbox["items"][0]["state_reason"].startswith("涉嫌违纪违法")

    # links to real records of the finding's region
    links = db("SELECT type, COUNT(*) FROM finding_links GROUP BY type")
    assert {t for t, _ in links} == {"household", "project", "measure"}
    for item in items:
        full = api.get("inspector", f"{F}/{item['id']}").json()
        for link in full["links"]:
            if link["type"] == "household":
                household = api.get("inspector", f"/api/v1/households/{link['id']}").json()
                assert household["village_code"].startswith(region_prefix(item["region_code"]))


def test_the_stories_are_dated_and_audited(seeded: int, api: Api, db: Any, settings: Settings) -> None:
    items = api.get("inspector", F, params={"limit": 200}).json()["items"]
    # the first closed finding: returned once, then closed on its day by the inspector
    first = next(i for i in items if i["state"] == "closed" and i["category"] == "precision")
    steps = api.get("inspector", f"{F}/{first['id']}/steps").json()["items"]
    assert [s["to_state"] for s in steps] == [
        "pending",
        "rectifying",
        "submitted",
        "returned",
        "rectifying",
        "submitted",
        "closed",
    ]
    assert {s["actor"]["name"] for s in steps} == {"市专项督查组", "卧虎镇扶贫工作站"}
    assert first["closed_by"] == "市专项督查组"
    assert first["closed_on"] == (TODAY - timedelta(days=148)).isoformat() < first["deadline"]
    assert all(s["evidence_ids"] for s in steps if s["to_state"] == "submitted")
    tasks = api.get("township", f"{F}/{first['id']}/tasks").json()["items"]
    assert len(tasks) == 2 and all(first["raised_on"] <= t["done_on"] <= first["closed_on"] for t in tasks)

    # the evidence: real files, downloaded as the township sees them
    files = api.get("township", "/api/v1/evidence", params={"owner_type": "finding", "owner_id": first["id"]})
    assert files.status_code == 200, files.text
    kinds = sorted(f["content_type"] for f in files.json()["items"])
    assert kinds == ["application/pdf", "image/png"]
    for f in files.json()["items"]:
        body = api.get("township", f["download_url"]).content
        assert body[:4] in (b"\x89PNG", b"%PDF")

    # the submitted ones wait for the inspector: the county office's own and a township's
    submitted = [i for i in items if i["state"] == "submitted"]
    assert {i["region_code"] for i in submitted} == {COUNTY, OTHER_TOWNSHIP}
    assert all(i["rectification"] for i in submitted)

    # every finding has its trail; the warnings and escalations are on the trails of the warned ones
    audited = Counter(
        tuple(r) for r in db("SELECT entity_type, action FROM audit_events WHERE entity_type LIKE 'finding%'")
    )
    assert audited[("finding", "finding.created")] == seeded
    assert audited[("finding", "finding.state_changed")] == int(db("SELECT COUNT(*) FROM finding_steps")[0][0]) - seeded
    assert audited[("finding", "finding.warned")] == audited[("finding", "finding.escalated")] > 0
    assert audited[("finding_task", "finding_task.created")] == db("SELECT COUNT(*) FROM finding_tasks")[0][0]
    assert audited[("finding_task", "finding_task.updated")] > 0
    assert audited[("finding_pause", "finding_pause.started")] == 1
    assert audited[("finding", "finding.updated")] == 1  # the reopened one
    evidence_events = db("SELECT COUNT(*) FROM audit_events WHERE action = 'evidence.added'")[0][0]
    assert evidence_events == db("SELECT COUNT(*) FROM evidence WHERE owner_type = 'finding'")[0][0] > 0
    trail = api.get("inspector", f"{F}/{first['id']}/audit-events")
    assert trail.status_code == 200, trail.text


def test_the_seed_is_once(seeded: int, db: Any, settings: Settings) -> None:
    assert seeded > 0
    before = tables(db)
    assert asyncio.run(seed_findings(settings, TODAY)) == 0
    assert tables(db) == before
