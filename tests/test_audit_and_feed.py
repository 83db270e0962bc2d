"""Audit trail (hash chain, tamper detection) and the change feed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import text

from fupin.seed.bulk import sync_engine
from tests import factories
from tests.conftest import Api

HH = "/api/v1/households"


def test_every_write_is_audited_with_before_and_after(api: Api) -> None:
    h = api.post("township", HH, json=factories.household(), headers={"X-Request-ID": "req-create-1"}).json()
    api.patch("township", f"{HH}/{h['id']}", json={"address": "新地址"}, headers={"If-Match": f'"{h["version"]}"'})
    trail = api.get("township", f"{HH}/{h['id']}/audit-events").json()["items"]
    trail = [e for e in trail if e["action"] != "household.personal_data_read"]
    actions = [e["action"] for e in trail]
    assert actions == ["household.created", "household.updated"]
    created, updated = trail
    assert created["actor_name"] == "卧虎镇扶贫工作站" and created["request_id"] == "req-create-1"
    assert created["changes"]["household_number"] == [None, h["household_number"]]
    assert updated["changes"] == {"address": ["3组18号", "新地址"]}
    # the discipline/audit role sees the same events in the global trail
    events = api.get("auditor", "/api/v1/audit-events", params={"entity_id": h["id"], "limit": 200}).json()["items"]
    events = [e for e in events if e["action"] != "household.personal_data_read"]
    assert [e["seq"] for e in events] == [e["seq"] for e in trail]
    assert api.get("township", "/api/v1/audit-events").status_code == 403


def test_audit_hides_personal_data_from_readers_without_permission(api: Api) -> None:
    h = api.post("township", HH, json=factories.household()).json()
    number = h["members"][0]["id_number"]
    clear = api.get("township", f"{HH}/{h['id']}/audit-events").text
    masked = api.get("inspector", f"{HH}/{h['id']}/audit-events").text
    assert number in clear and number not in masked and number[:6] + "********" in masked


def test_change_feed_in_commit_order_without_gaps(api: Api) -> None:
    start = api.get("admin", "/api/v1/changes", params={"after": 0, "limit": 1000}).json()
    after = start["next_after"]
    last = start["items"][-1]["seq"]
    h = api.post("township", HH, json=factories.household()).json()
    api.put("township", f"{HH}/{h['id']}/incomes/2020", json={"wage_income": "100"})
    page = api.get("admin", "/api/v1/changes", params={"after": after}).json()
    seqs = [c["seq"] for c in page["items"]]
    assert seqs == list(range(last + 1, last + 1 + len(seqs)))
    assert [(c["entity_type"], c["action"]) for c in page["items"]] == [
        ("household", "created"),
        ("income", "created"),
    ]
    assert page["items"][0]["entity_id"] == h["id"]
    # scoped: the other township's integration view does not include it
    other = api.get("county_office", "/api/v1/changes", params={"after": after}).json()["items"]
    assert [c["seq"] for c in other] == seqs  # the county contains the township
    empty = api.get("integration", "/api/v1/changes", params={"after": page["next_after"]}).json()
    assert empty["items"] == [] and empty["next_after"] == page["next_after"]


def test_audit_verify_detects_tampering(api: Api, database_url: str, tmp_path: Path) -> None:
    h = api.post("township", HH, json=factories.household()).json()
    api.patch("township", f"{HH}/{h['id']}", json={"address": "甲"}, headers={"If-Match": f'"{h["version"]}"'})
    # this database's own anchor file (checkpoints of another database would not match it)
    env = {**os.environ, "FUPIN_DATABASE_URL": database_url, "FUPIN_AUDIT_ANCHOR_FILE": str(tmp_path / "a.jsonl")}
    ok = subprocess.run([sys.executable, "-m", "fupin.cli", "audit", "verify"], env=env, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "intact" in ok.stdout
    engine = sync_engine(database_url)
    with engine.begin() as conn:
        seq = (
            conn.execute(text("SELECT seq FROM audit_events WHERE action = 'household.updated' ORDER BY seq DESC"))
            .scalars()
            .first()
        )
        conn.execute(text("UPDATE audit_events SET actor_name = 'someone else' WHERE seq = :s"), {"s": seq})
    engine.dispose()
    bad = subprocess.run(
        [sys.executable, "-m", "fupin.cli", "audit", "verify"], env=env, capture_output=True, text=True
    )
    assert bad.returncode == 1
    assert f"BROKEN at event {seq}" in bad.stdout


def test_deleted_audit_events_are_detected(api: Api, database_url: str) -> None:
    import asyncio

    from fupin.audit.verify import verify_chain
    from fupin.core.db import make_engine, make_sessionmaker

    api.post("township", HH, json=factories.household())
    engine = sync_engine(database_url)
    with engine.begin() as conn:
        last = conn.execute(text("SELECT MAX(seq) FROM audit_events")).scalar_one()
        conn.execute(text("DELETE FROM audit_events WHERE seq = :s"), {"s": last - 1})
    engine.dispose()

    async def verify() -> Any:
        e = make_engine(database_url)
        async with make_sessionmaker(e)() as s:
            result = await verify_chain(s)
        await e.dispose()
        return result

    result = asyncio.run(verify())
    assert result.first_bad_seq == last - 1


def test_idempotent_create(api: Api, db_state: Any) -> None:
    api.token("township")
    body = factories.household()
    key = {"Idempotency-Key": "create-hh-0001"}
    first = api.post("township", HH, json=body, headers=key)
    assert first.status_code == 201
    state = db_state()
    replay = api.post("township", HH, json=body, headers=key)
    assert replay.status_code == 201 and replay.json() == first.json()
    assert replay.headers["Idempotent-Replayed"] == "true" and replay.headers["Location"] == first.headers["Location"]
    assert db_state() == state
    other = api.post("township", HH, json={**body, "address": "别处"}, headers=key)
    assert other.status_code == 422 and other.json()["code"] == "idempotency.key_reused"
    # a failed request does not burn its key
    bad = factories.household(village="220382102299")
    assert api.post("township", HH, json=bad, headers={"Idempotency-Key": "k2"}).status_code == 422
    good = factories.household()
    assert api.post("township", HH, json=good, headers={"Idempotency-Key": "k2"}).status_code == 201
    # keys belong to their caller
    other_user = api.post(
        "township2", HH, json=factories.household(village=factories.OTHER_TOWNSHIP_VILLAGE), headers=key
    )
    assert other_user.status_code == 201
