"""The library stages of a project (申报 → 审核 → 论证/审定 → 入库 → 实施 → 验收 → 完成, 出库): the table of moves, who
may make which step, the guards (a target before entry, a reason for removal), the stamps, the step history, the
trail and the change feed; every refused move changes nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from fupin.config import Settings
from tests.conftest import Api, app_settings, assert_problem
from tests.project_support import (
    OTHER_TOWNSHIP_VILLAGE,
    TODAY,
    VILLAGE,
    P,
    add_target,
    assert_field,
    create,
    state,
)

CHANGES = "/api/v1/changes"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """A fixed today, and no job worker: its daily health schedule would queue a job (a feed entry, a version) at a
    moment of its own, in the middle of a test that checks a refused request changed nothing."""
    return app_settings(database_url, tmp_path, adjustment_today=TODAY, job_worker=False)


def move(api: Api, user: str, project: dict[str, Any], to: str, **extra: Any) -> Any:
    return api.post(user, f"{P}/{project['id']}/transitions", json={"to": to, **extra})


def moved(api: Api, user: str, project: dict[str, Any], to: str, **extra: Any) -> dict[str, Any]:
    r = move(api, user, project, to, **extra)
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    return out


def feed_head(api: Api) -> str:
    page = api.get("admin", CHANGES, params={"after": 0, "limit": 1000}).json()
    while page["items"]:
        page = api.get("admin", CHANGES, params={"after": page["next_after"], "limit": 1000}).json()
    position: str = page["next_after"]
    return position


def test_the_whole_way_through_the_library(api: Api, database_url: str) -> None:
    project = create(api, region_codes=[VILLAGE])
    start = feed_head(api)
    reviewed = moved(api, "township", project, "reviewed")
    assert reviewed["stage"] == "reviewed" and reviewed["version"] == 2
    approved = moved(api, "county_office", project, "approved", reason="论证通过")
    assert approved["stage"] == "approved" and approved["stage_reason"] == "论证通过"
    add_target(database_url, project["id"])
    entered = moved(api, "county_office", project, "in_library")
    assert entered["entered_library_on"] == TODAY.isoformat()
    implementing = moved(api, "village", project, "implementing")
    assert implementing["stage"] == "implementing"
    accepted = moved(api, "city_office", project, "accepted")
    assert accepted["stage"] == "accepted"
    completed = moved(api, "township", project, "completed")
    assert completed["completed_on"] == TODAY.isoformat() and completed["version"] == 7
    assert api.get("township", f"{P}/{project['id']}").json() == completed
    steps = api.get("village", f"{P}/{project['id']}/steps").json()["items"]
    assert [(s["from_stage"], s["to_stage"]) for s in steps] == [
        (None, "declared"),
        ("declared", "reviewed"),
        ("reviewed", "approved"),
        ("approved", "in_library"),
        ("in_library", "implementing"),
        ("implementing", "accepted"),
        ("accepted", "completed"),
    ]
    assert steps[2]["reason"] == "论证通过" and steps[2]["actor"]["name"] == "双辽市扶贫办"
    # the trail and the feed
    trail = api.get("township", f"{P}/{project['id']}/audit-events").json()["items"]
    stage_changes = [e for e in trail if e["action"] == "project.stage_changed"]
    assert len(stage_changes) == 6
    assert any(e["changes"].get("stage") == ["declared", "reviewed"] for e in stage_changes)
    assert any(e["action"] == "project.created" for e in trail)
    feed = api.get("admin", CHANGES, params={"after": start, "limit": 1000}).json()["items"]
    mine = [c for c in feed if c["entity_type"] == "project" and c["entity_id"] == project["id"]]
    assert [c["action"] for c in mine] == ["stage_changed"] * 6
    assert mine[-1]["version"] == 7 and mine[-1]["region_code"] == VILLAGE
    # a completed project is closed: no more changes, no more moves
    before = state(database_url)
    r = api.patch("township", f"{P}/{project['id']}", json={"name": "改名"}, headers={"If-Match": '"7"'})
    assert_problem(r, 409, "project.closed")
    body = assert_problem(
        move(api, "city_office", project, "removed", reason="重复申报"), 409, "project.transition_not_allowed"
    )
    assert body["allowed"] == []
    assert state(database_url) == before


def test_removal(api: Api, database_url: str) -> None:
    project = create(api, region_codes=[VILLAGE])
    moved(api, "township", project, "reviewed")
    before = state(database_url)
    assert_field(move(api, "county_office", project, "removed"), 422, "project.reason_required", "/reason")
    assert state(database_url) == before
    removed = moved(api, "county_office", project, "removed", reason="与其他项目重复 (duplicate)")
    assert removed["stage"] == "removed" and removed["removed_on"] == TODAY.isoformat()
    assert removed["stage_reason"] == "与其他项目重复 (duplicate)"
    steps = api.get("township", f"{P}/{project['id']}/steps").json()["items"]
    assert steps[-1]["from_stage"] == "reviewed" and steps[-1]["to_stage"] == "removed"
    before = state(database_url)
    r = api.patch("township", f"{P}/{project['id']}", json={"name": "改名"}, headers={"If-Match": '"3"'})
    assert_problem(r, 409, "project.closed")
    assert state(database_url) == before


@pytest.mark.parametrize(
    ("stage_path", "user", "to", "extra", "status", "code", "pointer"),
    [
        # a skipped stage: 409 with the allowed moves
        ([], "county_office", "approved", {}, 409, "project.transition_not_allowed", "/to"),
        ([], "county_office", "completed", {}, 409, "project.transition_not_allowed", "/to"),
        (["reviewed"], "county_office", "in_library", {}, 409, "project.transition_not_allowed", "/to"),
        # a township approving, accepting, removing: 403
        (["reviewed"], "township", "approved", {}, 403, "projects.step_not_allowed", "/to"),
        ([], "township", "removed", {"reason": "重复申报"}, 403, "projects.step_not_allowed", "/to"),
        # a village reviewing: 403
        ([], "village", "reviewed", {}, 403, "projects.step_not_allowed", "/to"),
        # in_library without a target: 409
        (["reviewed", "approved"], "county_office", "in_library", {}, 409, "project.target_required", "/to"),
        # removal without a reason: 422
        (["reviewed", "approved"], "county_office", "removed", {}, 422, "project.reason_required", "/reason"),
        ([], "county_office", "reviewed", {"reason": "x"}, 422, "string_too_short", "/reason"),
        ([], "county_office", "started", {}, 422, "code.unknown", "/to"),
        # outside the area: 404
        ([], "township2", "reviewed", {}, 404, "not_found", None),
        # reading only (纪检): 403
        ([], "inspector", "reviewed", {}, 403, "projects.step_not_allowed", "/to"),
    ],
)
def test_refused_moves_change_nothing(
    api: Api,
    database_url: str,
    stage_path: list[str],
    user: str,
    to: str,
    extra: dict[str, Any],
    status: int,
    code: str,
    pointer: str | None,
) -> None:
    project = create(api, region_codes=[VILLAGE])
    for stage in stage_path:
        moved(api, "county_office", project, stage)
    api.token(user)
    before = state(database_url)
    r = move(api, user, project, to, **extra)
    assert_field(r, status, code, pointer)
    assert state(database_url) == before
    if code == "project.transition_not_allowed":
        stage = stage_path[-1] if stage_path else "declared"
        allowed = {"declared": ["reviewed", "removed"], "reviewed": ["approved", "removed"]}[stage]
        assert r.json()["allowed"] == allowed
        assert "可变更为" in r.json()["detail"]


def test_if_match_when_sent(api: Api) -> None:
    project = create(api, region_codes=[VILLAGE])
    r = api.post("township", f"{P}/{project['id']}/transitions", json={"to": "reviewed"}, headers={"If-Match": '"5"'})
    assert_problem(r, 412, "precondition_failed")
    r = api.post("township", f"{P}/{project['id']}/transitions", json={"to": "reviewed"}, headers={"If-Match": '"1"'})
    assert r.status_code == 200 and r.headers["ETag"] == '"2"'


def test_department_moves_only_its_field(api: Api, database_url: str) -> None:
    road = create(api, region_codes=[VILLAGE])
    health = create(api, "department", category="health", region_codes=[OTHER_TOWNSHIP_VILLAGE])
    moved(api, "county_office", road, "reviewed")
    moved(api, "county_office", road, "approved")
    add_target(database_url, road["id"])
    moved(api, "county_office", road, "in_library")
    before = state(database_url)
    assert_field(move(api, "department", road, "implementing"), 403, "projects.department_field", "/category")
    assert state(database_url) == before
    # its own field: the write steps are allowed, the county's decisions are not
    assert_field(move(api, "department", health, "reviewed"), 403, "projects.step_not_allowed", "/to")
    for stage in ("reviewed", "approved"):
        moved(api, "county_office", health, stage)
    add_target(database_url, health["id"])
    moved(api, "county_office", health, "in_library")
    assert moved(api, "department", health, "implementing")["stage"] == "implementing"


def test_evidence_of_a_step(api: Api, database_url: str) -> None:
    project = create(api, region_codes=[VILLAGE])
    other = create(api, region_codes=[VILLAGE])

    def upload(owner: dict[str, Any]) -> str:
        r = api.post(
            "township",
            "/api/v1/evidence",
            data={"owner_type": "project", "owner_id": owner["id"]},
            files={"file": ("申报表.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 64, "image/jpeg")},
        )
        assert r.status_code == 201, r.text
        evidence_id: str = r.json()["id"]
        return evidence_id

    mine, theirs = upload(project), upload(other)
    # another township can neither attach to nor read the project's files
    r = api.post(
        "township2",
        "/api/v1/evidence",
        data={"owner_type": "project", "owner_id": project["id"]},
        files={"file": ("x.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 64, "image/jpeg")},
    )
    assert r.status_code == 404
    listed = api.get("township2", "/api/v1/evidence", params={"owner_type": "project", "owner_id": project["id"]})
    assert listed.status_code == 404
    before = state(database_url)
    for bad in (theirs, "00000000-0000-4000-8000-000000000000"):
        r = move(api, "township", project, "reviewed", evidence_ids=[mine, bad])
        assert_field(r, 422, "project.evidence_unknown", "/evidence_ids/1")
    assert state(database_url) == before
    moved(api, "township", project, "reviewed", evidence_ids=[mine])
    steps = api.get("township", f"{P}/{project['id']}/steps").json()["items"]
    assert steps[-1]["evidence_ids"] == [mine]
    trail = api.get("township", f"{P}/{project['id']}/audit-events").json()["items"]
    assert any(e["action"] == "evidence.added" for e in trail)
