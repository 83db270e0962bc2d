"""The bodies of every list (households, the change feed, the audit trail) for a fixed data set, byte for byte.

The fixture files were captured from the implementation before the shared read path (core.readpath) replaced it;
every filter, sort, cursor and include_total combination, masked and unmasked, must answer exactly the same bytes.
Set FUPIN_UPDATE_LIST_BODIES=1 to capture the file again (only when a change of the bodies is intended).
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Table, select, text, update
from sqlalchemy.engine import make_url

from fupin.audit.models import AuditEvent, ChangeEntry
from fupin.households.models import Household
from fupin.seed.bulk import sync_engine
from tests.conftest import Api

FIXTURES = Path(__file__).parent / "fixtures"
households: Table = Household.__table__  # type: ignore[assignment]
feed: Table = ChangeEntry.__table__  # type: ignore[assignment]
events: Table = AuditEvent.__table__  # type: ignore[assignment]
BASE = datetime(2021, 3, 4, 5, 6, 7, tzinfo=UTC)
HH = "/api/v1/households"


def freeze_times(database_url: str) -> None:
    """Give every timestamp and per-request value a fixed value, so the bodies are the same on every run."""
    engine = sync_engine(database_url)
    with engine.begin() as conn:
        # through the tables' column types, so SQLite stores the times in the format the app writes
        ids = conn.execute(select(households.c.id)).scalars().all()
        for hid in ids:
            # microseconds vary (and are sometimes zero) so their formatting is covered
            at = BASE + timedelta(seconds=hid * 37, microseconds=(hid * 1234) % 7 * 10_000)
            conn.execute(update(households).where(households.c.id == hid).values(updated_at=at, created_at=at))
        for seq in conn.execute(select(feed.c.seq)).scalars().all():
            at = BASE + timedelta(minutes=seq, microseconds=seq % 3 * 250_000)
            conn.execute(update(feed).where(feed.c.seq == seq).values(occurred_at=at))
        # logins and key creations of whichever test ran first are not part of the data set
        conn.execute(text("DELETE FROM audit_events WHERE action NOT IN ('user.demo_created', 'seed.bulk_load')"))
        first_new = int(conn.execute(text("SELECT max(seq) FROM audit_events")).scalar_one()) + 1
        for offset, (region, entity, changes) in enumerate(SYNTHETIC_EVENTS):
            conn.execute(
                events.insert().values(
                    seq=first_new + offset,
                    occurred_at=BASE,
                    actor_type="user",
                    actor_id="u-1",
                    actor_name="测试",
                    action=f"{entity}.updated",
                    entity_type=entity,
                    entity_id=f"e-{offset}",
                    region_code=region,
                    subject_id=f"e-{offset}",
                    changes=changes,
                    prev_hash="0" * 64,
                    hash="0" * 64,
                )
            )
        for seq in conn.execute(select(events.c.seq)).scalars().all():
            conn.execute(
                update(events)
                .where(events.c.seq == seq)
                .values(
                    occurred_at=BASE + timedelta(hours=seq), request_id=f"req-{seq}", client_ip=None, hash=f"{seq:064d}"
                )
            )
    engine.dispose()


SYNTHETIC_EVENTS: list[tuple[str | None, str, dict[str, Any]]] = [
    ("220382102201", "member", {"id_number": ["220382195410190017", "P891CA123"], "health": ["healthy", "ill"]}),
    ("220382102201", "household", {"phone": [None, "13904341234"], "bank_account": ["6217000011112222", None]}),
    ("220382101201", "household", {"members": [None, [{"id_number": "220382195410190017", "name": "王某"}]]}),
    ("220382102205", "member", {"birth_date": ["1954-10-19", "1954-10-20"], "disability_grade": [None, 2]}),
    (None, "poverty_line", {"amount": ["2300.00", "2400.00"]}),
    ("220322100201", "income", {"year": [None, 2020], "wage_income": [None, "1200.50"]}),
]


def _walk(api: Api, user: str, url: str, params: dict[str, Any], *, cursor_key: str, pages: int) -> list[str]:
    bodies = []
    params = dict(params)
    headers = {"Authorization": f"Bearer {_KEY_USERS[user]}"} if user in _KEY_USERS else api.headers(user)
    for _ in range(pages):
        r = api.client.get(url, params=params, headers=headers)
        assert r.status_code == 200, (user, url, params, r.text)
        bodies.append(r.text)
        following = r.json().get(cursor_key)
        if not following:
            break
        params = {**params, ("cursor" if cursor_key == "next_cursor" else "after"): following}
    return bodies


_KEY_USERS: dict[str, str] = {}  # API keys made by the test, by name
HOUSEHOLD_CASES: list[tuple[str, dict[str, Any]]] = [
    ("township", {}),
    ("township", {"limit": 7, "include_total": "true"}),
    ("township", {"limit": 9, "sort": "-household_number"}),
    ("township", {"limit": 9, "sort": "updated_at", "include_total": "true"}),
    ("township", {"limit": 9, "sort": "-updated_at"}),
    ("township", {"status": ["exited_with_policy", "returned"], "limit": 20}),
    ("township", {"attribute": "general", "main_cause": "01", "limit": 20}),
    ("township", {"identified_year": 2014, "limit": 20, "include_total": "true"}),
    ("township", {"exit_year": 2019, "limit": 20}),
    ("township", {"member_labour": "ordinary", "limit": 10}),
    ("township", {"member_health": "disabled", "limit": 10}),
    ("township", {"region": "220382102201", "limit": 10}),
    ("county_office", {"region": "220382101000", "limit": 11, "sort": "-updated_at", "include_total": "true"}),
    ("county_office", {"limit": 200}),
    ("department", {"limit": 25}),
    ("inspector", {"limit": 25, "sort": "updated_at"}),
    ("village", {"limit": 5, "include_total": "true"}),
    ("admin", {"limit": 13, "sort": "-household_number", "include_total": "true"}),
    ("city_office", {"region": "220322", "limit": 50}),
]


def collect(api: Api) -> dict[str, str]:
    bodies: dict[str, str] = {}
    for index, (user, params) in enumerate(HOUSEHOLD_CASES):
        for page, body in enumerate(_walk(api, user, HH, params, cursor_key="next_cursor", pages=3)):
            bodies[f"households {index} {user} {json.dumps(params, sort_keys=True)} page {page}"] = body
    first = json.loads(bodies[next(iter(bodies))])["items"][0]
    for user in ("township", "department"):
        name_query = api.get(user, HH, params={"q": first["head_name"], "limit": 50})
        bodies[f"households by name as {user}"] = name_query.text
    for user, params in (("integration", {"limit": 40}), ("county_office", {"limit": 25}), ("admin", {"after": 30})):
        for page, body in enumerate(_walk(api, user, "/api/v1/changes", params, cursor_key="next_after", pages=3)):
            bodies[f"changes {user} {json.dumps(params, sort_keys=True)} page {page}"] = body
    for user, params in (
        ("auditor", {"limit": 3}),
        ("masked_auditor", {"limit": 4}),
        ("township_auditor", {"limit": 50}),
        ("admin", {"limit": 2, "entity_type": "household"}),
        ("admin", {"action": "member.updated"}),
        ("admin", {"entity_id": "e-2"}),
    ):
        for page, body in enumerate(_walk(api, user, "/api/v1/audit-events", params, cursor_key="next_after", pages=4)):
            bodies[f"audit {user} {json.dumps(params, sort_keys=True)} page {page}"] = body
    return bodies


def _key(api: Api, name: str, **grant: Any) -> str:
    r = api.post("admin", "/api/v1/api-keys", json={"name": name, "roles": ["auditor"], **grant})
    assert r.status_code == 201, r.text
    return str(r.json()["key"])


def test_list_bodies_are_unchanged(database_url: str, api: Api) -> None:
    keys = {
        "masked_auditor": _key(api, "masked", pii=False),
        "township_auditor": _key(api, "township", pii=False, region_code="220382102000"),
    }
    _KEY_USERS.update(keys)
    for user in {user for user, _ in HOUSEHOLD_CASES} | {"integration", "auditor", "admin"}:
        api.token(user)
    freeze_times(database_url)
    bodies = collect(api)
    assert len(bodies) > 40
    # one file per database: PostgreSQL's jsonb keeps the keys of the trail's changes in its own order
    fixture = FIXTURES / f"list_bodies.{make_url(database_url).get_backend_name()}.json"
    if os.environ.get("FUPIN_UPDATE_LIST_BODIES"):
        fixture.write_text(json.dumps(bodies, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    expected = json.loads(fixture.read_text(encoding="utf-8"))
    assert sorted(bodies) == sorted(expected)
    for case, body in bodies.items():
        assert body == expected[case], case
