"""The rectification workflow of findings (整改流程) through the API: raise → rectify → tasks done → submit with
evidence → returned once → resubmit → closed by the inspector; who may not make which step; what submitting
needs; illegal moves; the transfer to the discipline commission and its inbox. Refused requests change nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from fupin.config import Settings
from fupin.seed.bulk import sync_engine
from tests.conftest import Api, app_settings, assert_problem
from tests.finding_support import VILLAGE, F, fingerprint, move, raise_finding, refused, upload
from tests.finding_support import body as finding_body

TODAY = date(2024, 7, 15)


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
def state(db: Any, api: Api) -> Any:
    for user in ("inspector", "township", "township2", "village", "city_office", "county_office", "auditor"):
        api.token(user)
    return lambda: fingerprint(db)


def task(api: Api, finding_id: str, user: str = "township", **overrides: Any) -> dict[str, Any]:
    payload = {"what": "重新核算收入", "who": "包村干部", "due_on": "2024-05-31", **overrides}
    r = api.post(user, f"{F}/{finding_id}/tasks", json=payload)
    assert r.status_code == 201, r.text
    created: dict[str, Any] = r.json()
    return created


def done(api: Api, finding_id: str, t: dict[str, Any], day: str = "2024-05-20", user: str = "township") -> Any:
    url = f"{F}/{finding_id}/tasks/{t['id']}"
    r = api.patch(user, url, json={"done_on": day}, headers={"If-Match": f'"{t["version"]}"'})
    assert r.status_code == 200, r.text
    return r.json()


def test_the_whole_rectification(api: Api, db: Any, state: Any) -> None:
    finding = raise_finding(api)
    fid = finding["id"]
    r = move(api, "township", fid, to="rectifying")
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "rectifying" and r.headers["ETag"] == '"2"'
    first = task(api, fid)
    second = task(api, fid, what="公示核查结果", due_on="2024-06-15")
    assert [t["position"] for t in (first, second)] == [0, 1]
    done(api, fid, first)
    done(api, fid, second, "2024-06-10")
    photo = upload(api, "township", fid)
    r = move(api, "township", fid, to="submitted", rectification="已重新核算并公示", evidence_ids=[photo["id"]])
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "submitted" and r.json()["rectification"] == "已重新核算并公示"
    # the responsible township may not close nor return its own finding
    before = state()
    for to in ("closed", "returned"):
        assert_problem(move(api, "township", fid, to=to, reason="自行销号"), 403, "findings.own_finding", "/to")
    assert state() == before
    # the inspector sends it back once, with a reason; the township rectifies again and resubmits
    r = move(api, "inspector", fid, to="returned", reason="公示材料不全")
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "returned" and r.json()["state_reason"] == "公示材料不全"
    assert move(api, "township", fid, to="rectifying").status_code == 200
    assert move(api, "township", fid, to="submitted").status_code == 200  # the text and file are kept
    r = move(api, "inspector", fid, to="closed", evidence_ids=[photo["id"]])
    assert r.status_code == 200, r.text
    closed = r.json()
    assert closed["state"] == "closed" and closed["closed_on"] == TODAY.isoformat() and closed["closed_by"]
    assert closed["overdue"] is False
    steps = api.get("township", f"{F}/{fid}/steps").json()["items"]
    assert [(s["from_state"], s["to_state"]) for s in steps] == [
        (None, "pending"),
        ("pending", "rectifying"),
        ("rectifying", "submitted"),
        ("submitted", "returned"),
        ("returned", "rectifying"),
        ("rectifying", "submitted"),
        ("submitted", "closed"),
    ]
    assert steps[3]["reason"] == "公示材料不全" and steps[2]["evidence_ids"] == [photo["id"]]
    assert all(s["actor"]["name"] and s["at"] for s in steps)
    feed = db("SELECT entity_type, action FROM change_feed WHERE entity_type LIKE 'finding%' ORDER BY seq")
    actions = [f"{r[0]}.{r[1]}" for r in feed]
    assert actions.count("finding.state_changed") == 6 and actions.count("finding_task.created") == 2
    assert actions.count("finding_task.updated") == 2 and actions[0] == "finding.created"
    trail = [e["action"] for e in api.get("inspector", f"{F}/{fid}/audit-events").json()["items"]]
    assert {"finding.created", "finding.state_changed", "finding_task.created", "evidence.added"} <= set(trail)
    # closed is final: every move is refused, with none allowed; the fields and tasks are fixed
    before = state()
    body = assert_problem(
        move(api, "inspector", fid, to="transferred", reason="x问题"), 409, "finding.transition_not_allowed"
    )
    assert body["allowed"] == []
    url = f"{F}/{fid}"
    assert_problem(
        api.patch("inspector", url, json={"batch": "改"}, headers={"If-Match": '"7"'}), 409, "finding.closed"
    )
    assert_problem(
        api.post("township", f"{url}/tasks", json={"what": "再改", "who": "张三", "due_on": "2024-08-01"}),
        409,
        "finding.tasks_locked",
    )
    r = api.post(
        "township",
        "/api/v1/evidence",
        data={"owner_type": "finding", "owner_id": fid},
        files={"file": ("p.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 64, "image/jpeg")},
    )
    assert_problem(r, 409, "finding.closed", "/owner_id")
    assert state() == before


def test_the_responsible_unit_never_verifies_its_own_finding(api: Api, state: Any) -> None:
    finding = raise_finding(api, region_code=VILLAGE)
    fid = finding["id"]
    assert move(api, "village", fid, to="rectifying").status_code == 200
    upload(api, "village", fid)
    assert move(api, "village", fid, to="submitted", rectification="已整改到位").status_code == 200
    before = state()
    for to in ("closed", "returned"):
        body = assert_problem(move(api, "village", fid, to=to, reason="自行销号"), 403, "findings.own_finding")
        assert body["errors"][0]["pointer"] == "/to"
    # the township above it holds no verifying permission
    assert_problem(move(api, "township", fid, to="closed"), 403, "findings.step_not_allowed", "/to")
    # the county office (a raiser, not a verifier) may not close either
    assert_problem(move(api, "county_office", fid, to="closed"), 403, "findings.step_not_allowed", "/to")
    # another township does not even see it
    assert_problem(move(api, "township2", fid, to="closed"), 404, "not_found")
    assert state() == before
    # the city office verifies a village's finding
    assert move(api, "city_office", fid, to="closed").status_code == 200


def test_submitting_needs_rectification_tasks_done_and_evidence(api: Api, state: Any) -> None:
    fid = raise_finding(api)["id"]
    assert move(api, "township", fid, to="rectifying").status_code == 200
    open_task = task(api, fid)
    before = state()
    refused(move(api, "township", fid, to="submitted"), 422, "finding.rectification_required", "/rectification")
    r = move(api, "township", fid, to="submitted", rectification="已整改")
    refused(r, 422, "finding.task_open", "/tasks/0/done_on")
    assert state() == before
    done(api, fid, open_task)
    before = state()
    refused(
        move(api, "township", fid, to="submitted", rectification="已整改"),
        422,
        "finding.evidence_required",
        "/evidence_ids",
    )
    unknown = "00000000-0000-4000-8000-000000000000"
    r = move(api, "township", fid, to="submitted", rectification="已整改", evidence_ids=[unknown])
    refused(r, 422, "finding.evidence_unknown", "/evidence_ids/0")
    # an inspector may not submit for the unit; the unit may not skip to closed
    assert_problem(
        move(api, "inspector", fid, to="submitted", rectification="已整改"), 403, "findings.step_not_allowed"
    )
    body = assert_problem(move(api, "township", fid, to="closed"), 409, "finding.transition_not_allowed", "/to")
    assert body["allowed"] == ["submitted", "transferred"]
    assert state() == before
    upload(api, "township", fid)
    assert move(api, "township", fid, to="submitted", rectification="已整改").status_code == 200


def test_bad_moves_and_if_match_change_nothing(api: Api, state: Any) -> None:
    fid = raise_finding(api)["id"]
    before = state()
    body = assert_problem(move(api, "township", fid, to="submitted"), 409, "finding.transition_not_allowed", "/to")
    assert body["allowed"] == ["rectifying", "transferred"]
    refused(move(api, "township", fid, to="pending"), 422, "literal_error", "/to")
    r = api.post("township", f"{F}/{fid}/transitions", json={"to": "rectifying"}, headers={"If-Match": '"9"'})
    assert_problem(r, 412, "precondition_failed")
    assert_problem(move(api, "auditor", fid, to="rectifying"), 403, "findings.step_not_allowed")
    refused(move(api, "inspector", fid, to="transferred"), 422, "finding.reason_required", "/reason")
    assert state() == before


def test_tasks_with_if_match_and_bad_input(api: Api, state: Any) -> None:
    fid = raise_finding(api)["id"]
    t = task(api, fid)
    url = f"{F}/{fid}/tasks/{t['id']}"
    before = state()
    assert_problem(api.patch("township", url, json={"done_on": "2024-05-01"}), 428, "precondition_required")
    r = api.patch("township", url, json={"done_on": "2024-05-01"}, headers={"If-Match": '"2"'})
    assert_problem(r, 412, "precondition_failed")
    r = api.patch("township", url, json={"done_on": "2024-12-01"}, headers={"If-Match": '"1"'})
    assert_problem(r, 422, "date.out_of_range", "/done_on")
    r = api.patch("township", url, json={"done_on": "2024-02-01"}, headers={"If-Match": '"1"'})
    assert_problem(r, 422, "finding.task_before_raised", "/done_on")
    r = api.patch("township", url, json={"what": None}, headers={"If-Match": '"1"'})
    assert_problem(r, 422, "required", "/what")
    r = api.post("inspector", f"{F}/{fid}/tasks", json={"what": "整改", "who": "张三", "due_on": "2024-05-01"})
    assert_problem(r, 403, "forbidden")
    r = api.post("township", f"{F}/{fid}/tasks", json={"what": "整改", "who": "张三"})
    refused(r, 422, "required", "/due_on")
    missing = f"{F}/{fid}/tasks/00000000-0000-4000-8000-000000000000"
    assert_problem(api.patch("township", missing, json={"what": "改改"}, headers={"If-Match": '"1"'}), 404, "not_found")
    assert state() == before
    assert [x["id"] for x in api.get("inspector", f"{F}/{fid}/tasks").json()["items"]] == [t["id"]]
    assert api.delete("township", url, headers={"If-Match": '"1"'}).status_code == 204
    assert api.get("inspector", f"{F}/{fid}/tasks").json()["items"] == []


def test_transfer_to_the_discipline_commission(api: Api) -> None:
    kept = raise_finding(api)
    sent = raise_finding(api, category="conduct")
    assert move(api, "township", sent["id"], to="rectifying").status_code == 200
    r = move(api, "inspector", sent["id"], to="transferred", reason="涉嫌虚报冒领")
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "transferred"
    inbox = api.get("auditor", F, params={"state": "transferred"}).json()["items"]
    assert [i["id"] for i in inbox] == [sent["id"]]
    assert kept["id"] not in [i["id"] for i in inbox]
    assert_problem(move(api, "inspector", sent["id"], to="rectifying"), 409, "finding.transition_not_allowed")


def close(api: Api, fid: str) -> None:
    assert move(api, "township", fid, to="rectifying").status_code == 200
    upload(api, "township", fid)
    assert move(api, "township", fid, to="submitted", rectification="已整改").status_code == 200
    assert move(api, "inspector", fid, to="closed").status_code == 200


def test_a_re_inspection_reopens_a_closed_finding(api: Api, db: Any, state: Any) -> None:
    old = raise_finding(api)
    still_open = raise_finding(api)
    before = state()
    again = {"source": "re_inspection", "batch": "2024年回头看", "raised_on": "2024-07-01", "deadline": "2024-09-30"}
    r = api.post("inspector", F, json=finding_body(**again, reopens_id=old["id"]))
    refused(r, 422, "finding.reopens_not_closed", "/reopens_id")
    refused(api.post("inspector", F, json=finding_body(reopens_id=old["id"])), 422, "finding.reopens_source", "/source")
    unknown = "00000000-0000-4000-8000-000000000000"
    refused(
        api.post("inspector", F, json=finding_body(**again, reopens_id=unknown)),
        422,
        "finding.reopens_unknown",
        "/reopens_id",
    )
    assert state() == before
    close(api, old["id"])
    r = api.post("inspector", F, json=finding_body(**again, reopens_id=old["id"]))
    assert r.status_code == 201, r.text
    new = r.json()
    assert new["reopens_id"] == old["id"] and new["number"] == 3
    reopened = api.get("inspector", f"{F}/{old['id']}").json()
    assert reopened["reopened"] is True and reopened["reopened_by_id"] == new["id"]
    assert reopened["state"] == "closed"
    # a finding is reopened once
    refused(
        api.post("inspector", F, json=finding_body(**again, reopens_id=old["id"])),
        422,
        "finding.reopens_not_closed",
        "/reopens_id",
    )
    feed = db(
        "SELECT action FROM change_feed WHERE entity_type = 'finding' AND entity_id = :e ORDER BY seq", e=old["id"]
    )
    assert [r[0] for r in feed][-1] == "updated"
    assert api.get("inspector", f"{F}/{still_open['id']}").json()["reopened"] is False
