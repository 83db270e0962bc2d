"""The hardened change feed: opaque positions, retention (410 `changes.expired`), tombstones for entities that
leave an area, external ids and versions on every entry, and the audit chain still verifying after a prune."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from fupin import cli
from fupin.audit.positions import decode_position, encode_position
from fupin.audit.verify import VerifyResult, verify_chain
from fupin.config import get_settings
from fupin.core.db import make_engine, make_sessionmaker
from fupin.seed.bulk import sync_engine
from tests import factories
from tests.conftest import Api, assert_problem

HH = "/api/v1/households"
CHANGES = "/api/v1/changes"
OTHER_COUNTY_VILLAGE_SQL = "SELECT MIN(code) FROM regions WHERE level = 5 AND code LIKE '220322%'"


def sql(url: str, statement: str, **values: Any) -> list[Any]:
    engine = sync_engine(url)
    with engine.begin() as conn:
        result = conn.execute(text(statement), values)
        rows = list(result.all()) if result.returns_rows else []
    engine.dispose()
    return rows


def verify(url: str) -> VerifyResult:
    async def run() -> VerifyResult:
        engine = make_engine(url)
        async with make_sessionmaker(engine)() as session:
            result = await verify_chain(session)
        await engine.dispose()
        return result

    return asyncio.run(run())


def head(api: Api, user: str = "admin") -> str:
    """The current end of the feed, as a position."""
    page = api.get(user, CHANGES, params={"after": 0, "limit": 1000}).json()
    while page["items"]:
        page = api.get(user, CHANGES, params={"after": page["next_after"], "limit": 1000}).json()
    position: str = page["next_after"]
    return position


def changes_since(api: Api, user: str, after: str) -> list[dict[str, Any]]:
    r = api.get(user, CHANGES, params={"after": after, "limit": 1000})
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    return items


def test_positions_are_opaque_and_resume_exactly(api: Api) -> None:
    first = api.get("admin", CHANGES, params={"limit": 5}).json()
    assert isinstance(first["next_after"], str) and not first["next_after"].isdigit()
    assert [c["seq"] for c in first["items"]] == [1, 2, 3, 4, 5]
    # the token, the legacy integer and "0" / no parameter all mean what they say
    second = api.get("admin", CHANGES, params={"after": first["next_after"], "limit": 5}).json()
    legacy = api.get("admin", CHANGES, params={"after": 5, "limit": 5}).json()
    assert [c["seq"] for c in second["items"]] == [6, 7, 8, 9, 10]
    assert second == legacy
    assert decode_position(second["next_after"]) == 10 and second["next_after"] == encode_position(10)
    # every entry carries the identifiers a partner needs
    assert set(first["items"][0]) == {
        "seq",
        "occurred_at",
        "entity_type",
        "entity_id",
        "household_id",
        "external_id",
        "source_system",
        "action",
        "region_code",
        "version",
        "tombstone",
    }
    # at the end: no items, the same position back
    end = head(api)
    again = api.get("admin", CHANGES, params={"after": end}).json()
    assert again == {"items": [], "next_after": end}


def test_entries_carry_external_id_and_version(api: Api) -> None:
    start = head(api, "county_office")
    body = factories.household(source_system="省平台", external_id="JL-2200-0001")
    h = api.post("township", HH, json=body).json()
    r = api.patch("township", f"{HH}/{h['id']}", json={"address": "新址"}, headers={"If-Match": f'"{h["version"]}"'})
    assert r.status_code == 200, r.text
    items = changes_since(api, "county_office", start)
    version = h["version"]
    expected = [("created", version, False), ("updated", version + 1, False)]
    assert [(c["action"], c["version"], c["tombstone"]) for c in items] == expected
    assert {(c["external_id"], c["source_system"]) for c in items} == {("JL-2200-0001", "省平台")}


@pytest.mark.parametrize(
    "after", ["garbage", "eyJrIjoiZmVlZCIsInYiOlsxXX0.forged", encode_position(3)[:-2] + "xx", "-1", "9" * 30]
)
def test_forged_or_garbled_position_is_400(api: Api, after: str) -> None:
    assert_problem(api.get("admin", CHANGES, params={"after": after}), 400, "invalid_cursor", "/query/after")


def test_a_cursor_of_another_kind_is_refused(api: Api) -> None:
    from fupin.core.pagination import encode_cursor

    other = encode_cursor("jobs", [5])  # correctly signed, but not a feed position
    assert_problem(api.get("admin", CHANGES, params={"after": other}), 400, "invalid_cursor", "/query/after")


def _prune(database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> str:
    monkeypatch.setenv("FUPIN_DATABASE_URL", database_url)
    get_settings.cache_clear()
    try:
        assert cli.main(["changes", "prune"]) == 0
    finally:
        get_settings.cache_clear()
    return capsys.readouterr().out


def test_retention_prunes_old_entries_and_expired_positions_are_410(
    api: Api, database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    before = api.get("admin", CHANGES, params={"limit": 1}).json()["next_after"]  # position 1
    h = api.post("township", HH, json=factories.household()).json()
    newest_seeded = sql(database_url, "SELECT MAX(seq) FROM change_feed WHERE entity_id <> :h", h=h["id"])[0][0]
    # everything seeded is "old": older than the retention (400 days by default)
    sql(database_url, "UPDATE change_feed SET occurred_at = '2020-01-01 00:00:00' WHERE entity_id <> :h", h=h["id"])
    out = _prune(database_url, monkeypatch, capsys)
    assert f"pruned up to entry {newest_seeded}" in out
    left = sql(database_url, "SELECT MIN(seq), COUNT(*) FROM change_feed")[0]
    assert left == (newest_seeded + 1, 1)

    for stale in (before, "0", str(newest_seeded - 1)):
        body = assert_problem(api.get("integration", CHANGES, params={"after": stale}), 410, "changes.expired")
        assert "resync via export (GET /api/v1/households/export)" in body["detail"]
        assert "X-Fupin-Changes-Position" in body["detail"]
    # at the horizon (what an export taken now would carry) the feed continues with the newer entry
    fresh = api.get("integration", CHANGES, params={"after": encode_position(newest_seeded)})
    assert fresh.status_code == 200 and [c["entity_id"] for c in fresh.json()["items"]] == [h["id"]]
    # the chain still verifies; the prune is an audit event and a second prune changes nothing
    result = verify(database_url)
    assert result.ok, result.reason
    assert result.pruned_through == newest_seeded
    events = sql(database_url, "SELECT changes FROM audit_events WHERE action = 'changes.pruned'")
    assert len(events) == 1
    assert "nothing older" in _prune(database_url, monkeypatch, capsys)


def test_verify_still_detects_deletions_above_the_horizon(
    api: Api, database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    h = api.post("township", HH, json=factories.household()).json()
    api.patch("township", f"{HH}/{h['id']}", json={"address": "甲"}, headers={"If-Match": f'"{h["version"]}"'})
    sql(database_url, "UPDATE change_feed SET occurred_at = '2020-01-01 00:00:00' WHERE entity_id <> :h", h=h["id"])
    _prune(database_url, monkeypatch, capsys)
    assert verify(database_url).ok
    newest = sql(database_url, "SELECT MAX(seq) FROM change_feed")[0][0]
    sql(database_url, "DELETE FROM change_feed WHERE seq = :s", s=newest - 1)  # above the horizon
    result = verify(database_url)
    assert not result.ok and "missing" in (result.reason or "")


def test_verify_detects_a_horizon_moved_without_a_prune(api: Api, database_url: str) -> None:
    api.post("township", HH, json=factories.household())
    sql(database_url, "DELETE FROM change_feed WHERE seq <= 10")
    sql(database_url, "UPDATE chain_heads SET last_seq = 10 WHERE name = 'feed_pruned'")
    result = verify(database_url)
    assert not result.ok and "without `fupin changes prune`" in (result.reason or "")


def test_verify_detects_an_altered_tombstone_flag(api: Api, database_url: str) -> None:
    h = api.post("township", HH, json=factories.household()).json()
    assert verify(database_url).ok
    sql(database_url, "UPDATE change_feed SET tombstone = :t WHERE entity_id = :h", t=True, h=h["id"])
    result = verify(database_url)
    assert not result.ok and "altered" in (result.reason or "")
    # and an entry written before migration 0006 given a value
    sql(database_url, "UPDATE change_feed SET tombstone = NULL WHERE entity_id = :h", h=h["id"])
    assert not verify(database_url).ok


def test_a_move_to_another_area_leaves_a_tombstone_for_the_old_one(api: Api, database_url: str) -> None:
    target_village = sql(database_url, OTHER_COUNTY_VILLAGE_SQL)[0][0]
    h = api.post("township", HH, json=factories.household(external_id="JL-MOVE-1", source_system="省平台")).json()
    old_reader = head(api, "county_office")  # 双辽市: the household's county
    city_reader = head(api, "city_office")
    r = api.patch(
        "city_office",
        f"{HH}/{h['id']}",
        json={"village_code": target_village},
        headers={"If-Match": f'"{h["version"]}"'},
    )
    assert r.status_code == 200, r.text
    old_area = changes_since(api, "county_office", old_reader)
    assert old_area == [
        {
            **old_area[0],
            "entity_type": "household",
            "entity_id": h["id"],
            "external_id": "JL-MOVE-1",
            "source_system": "省平台",
            "action": "moved_out",
            "region_code": factories.DEMO_VILLAGE,
            "version": h["version"] + 1,
            "tombstone": True,
        }
    ]
    # the old area's reader sees nothing of where it went; the household is no longer readable there
    assert target_village not in str(old_area)
    assert api.get("county_office", f"{HH}/{h['id']}").status_code == 404
    # a reader of both areas sees the tombstone, then the entry for the new area
    both = changes_since(api, "city_office", city_reader)
    assert [(c["action"], c["region_code"], c["tombstone"]) for c in both] == [
        ("moved_out", factories.DEMO_VILLAGE, True),
        ("updated", target_village, False),
    ]
    assert both[0]["seq"] + 1 == both[1]["seq"]
    assert verify(database_url).ok


def test_cancellation_and_member_removal_are_tombstones(api: Api, database_url: str) -> None:
    h = api.post("township", HH, json=factories.household()).json()
    start = head(api, "county_office")
    spouse = next(m for m in h["members"] if m["relation"] != "01")
    r = api.delete(
        "township",
        f"{HH}/{h['id']}/members/{spouse['id']}",
        params={"reason": "death"},
        headers={"If-Match": f'"{spouse["version"]}"'},
    )
    assert r.status_code == 204, r.text
    current = api.get("county_office", f"{HH}/{h['id']}").headers["ETag"]
    r = api.post(
        "county_office",
        f"{HH}/{h['id']}/status-transitions",
        json={"to_status": "removed", "reason": "识别不准, 县级审定注销"},
        headers={"If-Match": current},
    )
    assert r.status_code == 200, r.text
    items = changes_since(api, "county_office", start)
    assert [(c["entity_type"], c["action"], c["tombstone"]) for c in items] == [
        ("member", "removed", True),  # the member left: a tombstone of the member ...
        ("household", "updated", False),  # ... the household stays (its member count changed)
        ("household", "status_changed", True),  # 注销: the household leaves the register
    ]
    assert items[0]["entity_id"] == spouse["id"]
    assert verify(database_url).ok
