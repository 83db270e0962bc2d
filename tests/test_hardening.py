"""Hardening: idempotency across crashes and races, bounded login throttling, API key input that used to be a 500."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, func, select, text
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fupin.core.db import make_engine, make_sessionmaker
from fupin.core.idempotency import IdempotencyRecord, lock_id, principal_key, purge_expired, request_digest
from fupin.seed.bulk import sync_engine
from fupin.users.ratelimit import SlidingWindow
from tests import factories
from tests.conftest import PG_URL, Api

HH = "/api/v1/households"
TOKEN = "/api/v1/auth/token"
KEYS = "/api/v1/api-keys"
RECORDS = IdempotencyRecord.__table__
only_postgresql = pytest.mark.skipif(not PG_URL, reason="needs concurrent transactions (PostgreSQL)")


# --- helpers -------------------------------------------------------------------------------------------------


@pytest.fixture
def db(database_url: str) -> Iterator[Engine]:
    """A direct connection to the test's database, beside the app's."""
    engine = sync_engine(database_url)
    yield engine
    engine.dispose()


def households(db: Engine) -> int:
    with db.connect() as conn:
        return int(conn.execute(text("SELECT COUNT(*) FROM households")).scalar_one())


def records(db: Engine, who: str, key: str) -> list[Any]:
    with db.connect() as conn:
        return list(conn.execute(select(RECORDS).where(RECORDS.c.principal_key == who, RECORDS.c.key == key)).all())


def insert_record(db: Engine, **values: Any) -> None:
    now = datetime.now(UTC)
    row = {"state": "done", "created_at": now, "expires_at": now + timedelta(hours=24), **values}
    with db.begin() as conn:
        conn.execute(RECORDS.insert().values(**row))


class Idempotent:
    """One household create sent with an Idempotency-Key, as exact bytes (so its digest is known)."""

    def __init__(self, api: Api, key: str, user: str = "township", **overrides: Any) -> None:
        self.api = api
        self.key = key
        self.body = json.dumps(factories.household(**overrides)).encode()
        self.headers = api.headers(user, **{"Idempotency-Key": key, "Content-Type": "application/json"})
        self.who = principal_key(self.headers["Authorization"])
        assert self.who is not None
        self.digest = request_digest(HH, self.body)

    def post(self) -> httpx.Response:
        return self.api.client.post(HH, content=self.body, headers=self.headers)

    def post_through(self, app: ASGIApp) -> httpx.Response:
        """POST through an ASGI app wrapped around the app (exceptions after the response are not raised)."""

        async def go() -> httpx.Response:
            transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
                return await c.post(HH, content=self.body, headers=self.headers)

        return self.api.client.portal.call(go)  # type: ignore[union-attr]

    def post_concurrently(self, n: int) -> list[httpx.Response]:
        async def go() -> list[httpx.Response]:
            transport = httpx.ASGITransport(app=self.api.client.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
                return list(
                    await asyncio.gather(*(c.post(HH, content=self.body, headers=self.headers) for _ in range(n)))
                )

        return self.api.client.portal.call(go)  # type: ignore[union-attr]


class DatabaseFault:
    """Makes the app's database statements fail while armed (those `when` selects): the process or its database
    connection dying at that moment, as far as the database can tell."""

    def __init__(self, client: TestClient, when: Callable[[str], bool] = lambda statement: True) -> None:
        self.engine = client.app.state.engine.sync_engine  # type: ignore[attr-defined]
        self.when = when
        self.armed = False
        self.tripped = 0
        event.listen(self.engine, "before_cursor_execute", self._check)

    def _check(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if self.armed and self.when(statement):
            self.tripped += 1
            raise RuntimeError("simulated crash")

    def remove(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._check)


@pytest.fixture
def fault(client: TestClient) -> Iterator[Callable[..., DatabaseFault]]:
    made: list[DatabaseFault] = []

    def make(when: Callable[[str], bool] = lambda statement: True) -> DatabaseFault:
        made.append(DatabaseFault(client, when))
        return made[-1]

    yield make
    for f in made:
        f.remove()


def dies_when_responding(app: ASGIApp, fault: DatabaseFault) -> ASGIApp:
    """The app, but nothing reaches the database once the response starts going out (kill -9 right then)."""

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                fault.armed = True
            await send(message)

        await app(scope, receive, sending)

    return wrapped


# --- idempotency after a crash -------------------------------------------------------------------------------


def test_a_claim_left_in_flight_by_a_crash_does_not_block_the_retry(api: Api, db: Engine) -> None:
    # what a crash between the claim and the bookkeeping left behind before records shared the effect's transaction
    req = Idempotent(api, "crashed-in-flight-1")
    insert_record(db, principal_key=req.who, key=req.key, request_hash=req.digest, state="in_flight")
    before = households(db)
    first = req.post()
    assert first.status_code == 201, first.text
    assert "Idempotent-Replayed" not in first.headers
    assert households(db) == before + 1
    replay = req.post()
    assert replay.status_code == 201 and replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json() == first.json() and households(db) == before + 1
    assert [r.state for r in records(db, req.who, req.key)] == ["done"]


def test_a_create_that_answered_201_replays_after_a_crash(api: Api, db: Engine, client: TestClient, fault: Any) -> None:
    req = Idempotent(api, "crash-after-201")
    before = households(db)
    dying = fault()
    first = req.post_through(dies_when_responding(client.app, dying))
    assert first.status_code == 201, first.text
    dying.armed = False
    # the effect was stored, so the retry gets the same answer, not "in progress" and not a second household
    retry = req.post()
    assert retry.status_code == 201, retry.text
    assert retry.headers["Idempotent-Replayed"] == "true" and retry.json() == first.json()
    assert retry.headers["Location"] == first.headers["Location"]
    assert households(db) == before + 1


def test_a_request_that_fails_before_its_commit_leaves_nothing(api: Api, db: Engine, fault: Any, db_state: Any) -> None:
    req = Idempotent(api, "crash-before-commit")
    state = db_state()
    failing = fault(lambda statement: statement.lstrip().upper().startswith("INSERT INTO IDEMPOTENCY_RECORDS"))
    failing.armed = True
    r = req.post()
    assert failing.tripped == 1
    assert r.status_code == 503 and r.headers["content-type"] == "application/problem+json"
    assert r.json()["code"] == "idempotency.not_stored"
    assert db_state() == state and records(db, req.who, req.key) == []
    failing.armed = False
    retry = req.post()
    assert retry.status_code == 201 and "Idempotent-Replayed" not in retry.headers
    assert households(db) == state["households"] + 1


def test_an_expired_key_runs_anew_and_expired_records_are_purged(api: Api, db: Engine, database_url: str) -> None:
    req = Idempotent(api, "expired-1")
    past = datetime.now(UTC) - timedelta(hours=1)
    insert_record(
        db,
        principal_key=req.who,
        key=req.key,
        request_hash="0" * 64,  # even another request's key is free again once expired
        status_code=201,
        response_body=b"{}",
        created_at=past - timedelta(hours=24),
        expires_at=past,
    )
    before = households(db)
    r = req.post()
    assert r.status_code == 201 and "Idempotent-Replayed" not in r.headers and households(db) == before + 1
    insert_record(db, principal_key="user:old", key="k", request_hash="0" * 64, expires_at=past)

    async def purge() -> int:
        engine = make_engine(database_url)
        async with make_sessionmaker(engine)() as session:
            n = await purge_expired(session)
            await session.commit()
        await engine.dispose()
        return n

    assert asyncio.run(purge()) == 1
    assert records(db, "user:old", "k") == [] and len(records(db, req.who, req.key)) == 1


def test_an_overlong_key_is_refused(api: Api) -> None:
    r = api.post("township", HH, json=factories.household(), headers={"Idempotency-Key": "k" * 201})
    assert r.status_code == 400 and r.json()["code"] == "idempotency.key_too_long"
    # every POST declares the header with its length, signed in or not (logout, refresh, read-only posts)
    for path in ("/api/v1/auth/logout", "/api/v1/auth/refresh", "/api/v1/reconcile"):
        r = api.client.post(path, json={"refresh_token": "x" * 20}, headers={"Idempotency-Key": "k" * 201})
        assert r.status_code == 400 and r.json()["code"] == "idempotency.key_too_long", path


def test_concurrent_creates_with_one_key_store_one_household(api: Api, db: Engine) -> None:
    req = Idempotent(api, "race-1")
    before = households(db)
    responses = req.post_concurrently(5)
    created = [r for r in responses if r.status_code == 201 and "Idempotent-Replayed" not in r.headers]
    assert len(created) == 1, [(r.status_code, r.text) for r in responses]
    for r in responses:
        if r is created[0]:
            continue
        if r.status_code == 201:
            assert r.headers["Idempotent-Replayed"] == "true" and r.json() == created[0].json()
        else:
            # PostgreSQL: the first was still uncommitted; SQLite serialises the transactions and always replays
            assert PG_URL and r.status_code == 409 and r.json()["code"] == "idempotency.in_progress", r.text
    assert households(db) == before + 1
    retry = req.post()
    assert retry.status_code == 201 and retry.json() == created[0].json()
    assert households(db) == before + 1


@only_postgresql
def test_a_key_held_by_an_open_transaction_is_in_progress(api: Api, db: Engine) -> None:
    req = Idempotent(api, "held-1")
    before = households(db)
    with db.begin() as conn:
        conn.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": lock_id(req.who, req.key)})
        r = req.post()
        assert r.status_code == 409 and r.json()["code"] == "idempotency.in_progress"
        assert households(db) == before
    # that transaction ended without storing anything: the key is free
    r = req.post()
    assert r.status_code == 201 and "Idempotent-Replayed" not in r.headers
    assert households(db) == before + 1


@only_postgresql
def test_losing_the_key_at_commit_rolls_back_and_replays_the_winner(
    api: Api, db: Engine, fault: Any, db_state: Any
) -> None:
    req = Idempotent(api, "lost-at-commit")
    state = db_state()
    winner = {"winner": True}

    def commit_elsewhere_first(statement: str) -> bool:
        if "INSERT INTO idempotency_records" in statement and not records(db, req.who, req.key):
            insert_record(
                db,
                principal_key=req.who,
                key=req.key,
                request_hash=req.digest,
                status_code=201,
                response_headers=[["content-type", "application/json"]],
                response_body=json.dumps(winner).encode(),
            )
        return False

    fault(commit_elsewhere_first).armed = True
    r = req.post()
    assert r.status_code == 201 and r.headers["Idempotent-Replayed"] == "true" and r.json() == winner
    assert db_state() == state  # this request's household was rolled back


def test_every_stored_key_has_its_effect(api: Api, db: Engine) -> None:
    """Idempotent creates that fail store no key; those that succeed store exactly one."""
    bad = Idempotent(api, "mixed-bad", village="220382102299")
    assert bad.post().status_code == 422
    good = Idempotent(api, "mixed-good")
    assert good.post().status_code == 201
    with db.connect() as conn:
        keys = conn.execute(select(RECORDS.c.key).where(RECORDS.c.principal_key == good.who)).scalars().all()
        assert sorted(keys) == ["mixed-good"]
        assert conn.execute(select(func.count()).select_from(RECORDS).where(RECORDS.c.state != "done")).scalar() == 0


# --- login throttling stays bounded ---------------------------------------------------------------------------


def test_sliding_window_memory_is_bounded() -> None:
    now = [0.0]
    window = SlidingWindow(3, 60, max_keys=100, clock=lambda: now[0])
    for i in range(10_000):
        assert window.retry_after(f"user:{i}") == 0
    assert len(window) == 0  # looking a key up does not track it
    for i in range(10_000):
        window.hit(f"user:{i}")
    assert len(window) == 100
    for _ in range(3):
        window.hit("victim")
    assert window.retry_after("victim") == 60 + 1 and len(window) == 100
    for i in range(99):
        window.hit(f"later:{i}")
    assert window.retry_after("victim") > 0  # still among the 100 most recent
    window.hit("one-more")
    assert window.retry_after("victim") == 0 and len(window) == 100  # the oldest was forgotten
    now[0] += 30
    assert window.retry_after("one-more") == 0
    window.hit("one-more")
    now[0] += 31  # all windows but one-more's second hit have expired
    window.hit("fresh")
    assert len(window) == 2
    now[0] += 61
    assert window.retry_after("fresh") == 0 and len(window) == 1  # an expired window is dropped when looked at


def test_sliding_window_keeps_throttling_exactly() -> None:
    now = [0.0]
    window = SlidingWindow(3, 60, clock=lambda: now[0])
    for t in (0.0, 10.0, 20.0):
        now[0] = t
        window.hit("k")
    assert window.retry_after("k") == 41
    now[0] = 60.5  # the first hit has left the window
    assert window.retry_after("k") == 0
    window.hit("k")
    assert window.retry_after("k") == 10


def test_a_throttled_address_does_not_track_the_usernames_it_sends(client: TestClient) -> None:
    limiter: SlidingWindow = client.app.state.login_limiter  # type: ignore[attr-defined]
    for i in range(limiter.limit):
        assert client.post(TOKEN, data={"username": f"probe{i}", "password": "x"}).status_code == 401
    for i in range(300):
        r = client.post(TOKEN, data={"username": f"flood{i}", "password": "x"})
        assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
    assert len(limiter) == limiter.limit + 1  # the address and the usernames tried before it was throttled


def test_login_throttling_tracks_at_most_max_keys(client: TestClient) -> None:
    limiter = SlidingWindow(2, 60, max_keys=8)
    client.app.state.login_limiter = limiter  # type: ignore[attr-defined]

    async def go() -> list[int]:
        statuses = []
        for i in range(12):
            transport = httpx.ASGITransport(app=client.app, client=(f"10.0.0.{i}", 1000))
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
                r = await c.post(TOKEN, data={"username": f"spread{i}", "password": "x"})
                statuses.append(r.status_code)
        return statuses

    assert client.portal.call(go) == [401] * 12  # type: ignore[union-attr]
    assert len(limiter) == 8


# --- API keys: expiry and scopes ------------------------------------------------------------------------------


def _key_body(**overrides: Any) -> dict[str, Any]:
    return {"name": "同步", "roles": ["integration"], "region_code": "220382000000", **overrides}


@pytest.mark.parametrize(
    ("expires_at", "code"),
    [
        ("2030-01-01T00:00:00", "datetime.offset_required"),
        ("2030-01-01", "datetime.date_only"),
        ("9999-12-31T23:59:59-14:00", "date.out_of_range"),
        ("9999-12-31T23:59:59+14:00", "date.out_of_range"),
        ("0001-01-01T00:00:00+14:00", "date.out_of_range"),
        ("20300101", "datetime.format"),
        ("next year", "datetime.format"),
        (1893456000, "datetime.format"),
    ],
)
def test_api_key_expiry_needs_an_instant_with_an_offset(api: Api, db_state: Any, expires_at: Any, code: str) -> None:
    api.token("admin")
    state = db_state()
    r = api.post("admin", KEYS, json=_key_body(expires_at=expires_at))
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    errors = r.json()["errors"]
    assert [(e["pointer"], e["code"]) for e in errors] == [("/expires_at", code)], errors
    assert db_state() == state


def test_api_key_expiry_within_ten_years_is_kept_in_utc(api: Api, db_state: Any) -> None:
    now = datetime.now(UTC)
    api.token("admin")
    state = db_state()
    too_far = (now + timedelta(days=3660)).isoformat()
    r = api.post("admin", KEYS, json=_key_body(expires_at=too_far))
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "/expires_at"
    past = (now - timedelta(minutes=1)).isoformat()
    r = api.post("admin", KEYS, json=_key_body(expires_at=past))
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "date.out_of_range"
    assert db_state() == state
    r = api.post("admin", KEYS, json=_key_body(expires_at="2031-06-30T08:00:00+08:00"))
    assert r.status_code == 201, r.text
    assert datetime.fromisoformat(r.json()["expires_at"]) == datetime(2031, 6, 30, 0, 0, tzinfo=UTC)
    r = api.post("admin", KEYS, json=_key_body(expires_at=(now + timedelta(days=3650)).isoformat()))
    assert r.status_code == 201, r.text


def test_api_key_scopes_must_grant_something(api: Api, db_state: Any) -> None:
    api.token("admin")
    state = db_state()
    r = api.post("admin", KEYS, json=_key_body(scopes=["audit:read", "users:manage"]))
    assert r.status_code == 422, r.text
    assert [(e["pointer"], e["code"]) for e in r.json()["errors"]] == [("/scopes", "api_key.scopes_grant_nothing")]
    assert db_state() == state
    # a scope among the roles' permissions narrows the key; the others grant nothing more
    r = api.post("admin", KEYS, json=_key_body(scopes=["audit:read", "changes:read"]))
    assert r.status_code == 201, r.text
    key = {"Authorization": f"Bearer {r.json()['key']}"}
    assert api.client.get("/api/v1/changes", headers=key).status_code == 200
    assert api.client.get("/api/v1/audit-events", headers=key).status_code == 403


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ("/api/v1/households", "GET, POST"),
        ("/api/v1/webhooks", "GET, POST"),
        ("/api/v1/adjustment-windows", "GET, POST"),
        ("/api/v1/imports", "POST"),
        # a concrete path is that path, not a template's parameter ("export" is no household id)
        ("/api/v1/households/export", "GET"),
        ("/api/v1/measures/batch", "POST"),
        ("/api/v1/households/c7b9fc14-5d82-5815-8a75-69b498d284e4", "GET, PATCH"),
    ],
)
def test_a_wrong_method_names_every_method_of_the_path(api: Api, path: str, allowed: str) -> None:
    r = api.client.request("OPTIONS", path, headers=api.headers("admin"))
    assert r.status_code == 405 and r.headers["content-type"].startswith("application/problem+json")
    assert r.headers["allow"] == allowed
