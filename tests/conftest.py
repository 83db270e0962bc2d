"""Test harness: one migrated and seeded template database per run, a fresh copy of it per test.

SQLite by default; set FUPIN_TEST_DATABASE_URL to a PostgreSQL URL to run the same suite there
(each test then gets `CREATE DATABASE ... TEMPLATE` of the template).
"""

from __future__ import annotations

import itertools
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from fupin.config import Settings
from fupin.main import create_app
from fupin.migrations_check import alembic_config
from fupin.seed import demo
from fupin.seed.bulk import sync_engine
from fupin.seed.regions import DEMO_TOWNSHIP, OTHER_TOWNSHIP

TEMPLATE_HOUSEHOLDS = 150
PG_URL = os.environ.get("FUPIN_TEST_DATABASE_URL")
_counter = itertools.count()


def _pg_admin(url: str) -> psycopg.Connection[Any]:
    u = make_url(url)
    return psycopg.connect(
        host=u.host,
        port=u.port or 5432,
        user=u.username,
        password=u.password,
        dbname="postgres",
        autocommit=True,
    )


def _build(url: str) -> None:
    command.upgrade(alembic_config(url), "head")
    engine = sync_engine(url)
    with engine.begin() as conn:
        demo.seed_regions(conn)
        demo.seed_demo_users(conn)
        demo.seed_households(conn, TEMPLATE_HOUSEHOLDS, seed=7, within=[DEMO_TOWNSHIP, OTHER_TOWNSHIP])
        demo.seed_households(conn, 20, seed=8, within=["220322000000"])
    engine.dispose()


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if PG_URL:
        base = make_url(PG_URL)
        name = f"{base.database}_tpl_{os.getpid()}"
        with _pg_admin(PG_URL) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
            admin.execute(f'CREATE DATABASE "{name}"')
        url = base.set(database=name).render_as_string(hide_password=False)
        _build(url)
        yield url
        with _pg_admin(PG_URL) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        path = tmp_path_factory.mktemp("db") / "template.db"
        url = f"sqlite+aiosqlite:///{path}"
        _build(url)
        yield url


@pytest.fixture
def database_url(template: str, tmp_path: Path) -> Iterator[str]:
    """A private copy of the template for one test."""
    if PG_URL:
        base = make_url(template)
        name = f"{make_url(PG_URL).database}_t{os.getpid()}_{next(_counter)}"
        with _pg_admin(PG_URL) as admin:
            admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{base.database}"')
        yield base.set(database=name).render_as_string(hide_password=False)
        with _pg_admin(PG_URL) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        src = Path(make_url(template).database or "")
        dst = tmp_path / "test.db"
        shutil.copyfile(src, dst)
        yield f"sqlite+aiosqlite:///{dst}"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return app_settings(database_url, tmp_path)


def app_settings(database_url: str, tmp_path: Path, **overrides: Any) -> Settings:
    """The settings of a test's app: its own database, anchor file and files; `overrides` for a test module's
    needs (e.g. `job_worker=False` where the test drives the worker itself)."""
    return Settings(
        database_url=database_url,
        demo=True,
        spa_dist=Path("/nonexistent"),
        db_pool_size=3,
        audit_anchor_file=tmp_path / "audit-anchors.jsonl",
        files_dir=tmp_path / "files",
        **overrides,
    )


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    app = create_app(settings)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


# username → (access token, when it was taken); a token is taken again once it is older than TOKEN_REUSE_SECONDS,
# well inside its 15 minutes, so a long run (PostgreSQL, a loaded machine) never sends an expired one
_TOKENS: dict[str, tuple[str, float]] = {}
TOKEN_REUSE_SECONDS = 600.0


class Api:
    """A thin helper over the test client that logs in as demo users (tokens cached for the run)."""

    def __init__(self, client: TestClient) -> None:
        self.client = client

    def token(self, username: str) -> str:
        known = _TOKENS.get(username)
        if known is None or time.monotonic() - known[1] > TOKEN_REUSE_SECONDS:
            r = self.client.post("/api/v1/auth/token", data={"username": username, "password": "fupin-demo"})
            assert r.status_code == 200, r.text
            known = _TOKENS[username] = (r.json()["access_token"], time.monotonic())
        return known[0]

    def headers(self, username: str, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(username)}", **extra}

    def get(self, username: str, url: str, **kw: Any) -> Any:
        return self.client.get(url, headers=self.headers(username, **kw.pop("headers", {})), **kw)

    def post(self, username: str, url: str, **kw: Any) -> Any:
        return self.client.post(url, headers=self.headers(username, **kw.pop("headers", {})), **kw)

    def patch(self, username: str, url: str, **kw: Any) -> Any:
        return self.client.patch(url, headers=self.headers(username, **kw.pop("headers", {})), **kw)

    def put(self, username: str, url: str, **kw: Any) -> Any:
        return self.client.put(url, headers=self.headers(username, **kw.pop("headers", {})), **kw)

    def delete(self, username: str, url: str, **kw: Any) -> Any:
        return self.client.delete(url, headers=self.headers(username, **kw.pop("headers", {})), **kw)

    def first_household(self, username: str = "township", **params: Any) -> dict[str, Any]:
        r = self.get(username, "/api/v1/households", params={"limit": 1, **params})
        assert r.status_code == 200, r.text
        return r.json()["items"][0]


@pytest.fixture
def api(client: TestClient) -> Api:
    return Api(client)


def unique_suffix() -> str:
    return uuid.uuid4().hex[:6]


@pytest.fixture
def db_state(database_url: str) -> Any:
    """A fingerprint of everything a write could touch: row counts and the audit/feed heads."""
    from sqlalchemy import text

    engine = sync_engine(database_url)
    tables = [
        "households",
        "members",
        "incomes",
        "assessments",
        "household_status_changes",
        "audit_events",
        "change_feed",
        "users",
        "api_keys",
        "poverty_lines",
        "adjustment_windows",
        "pending_changes",
        "cadres",
        "cadre_assignments",
        "visits",
        "residency_days",
        "evidence",
    ]

    def state() -> dict[str, Any]:
        with engine.connect() as conn:
            counts = {t: conn.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar_one() for t in tables}
            counts["versions"] = conn.execute(text("SELECT COALESCE(SUM(version), 0) FROM households")).scalar_one()
            counts["cadre_versions"] = conn.execute(text("SELECT COALESCE(SUM(version), 0) FROM cadres")).scalar_one()
            counts["assignment_versions"] = conn.execute(
                text("SELECT COALESCE(SUM(version), 0) FROM cadre_assignments")
            ).scalar_one()
            counts["residency_versions"] = conn.execute(
                text("SELECT COALESCE(SUM(version), 0) FROM residency_days")
            ).scalar_one()
            counts["heads"] = tuple(conn.execute(text("SELECT name, last_seq FROM chain_heads ORDER BY name")).all())
            return counts

    yield state
    engine.dispose()


def assert_problem(r: Any, status: int, code: str, pointer: str | None = None) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["status"] == status and body["code"] == code and body["title"]
    if pointer is not None:
        assert pointer in [e["pointer"] for e in body["errors"]], body
    return body


@pytest.fixture
def unchanged(api: Api, db_state: Any) -> Any:
    for user in ("township", "auditor"):
        api.token(user)  # a login is itself audited; take it before the fingerprint
    before = db_state()
    yield
    assert db_state() == before


@pytest.fixture
def measures_state(database_url: str) -> Iterator[Any]:
    """A fingerprint of the measures (count, versions) and of the departments' fields."""
    from sqlalchemy import text

    engine = sync_engine(database_url)

    def state() -> tuple[Any, ...]:
        with engine.connect() as conn:
            return (
                conn.execute(text("SELECT COUNT(*), COALESCE(SUM(version), 0) FROM measures")).one(),
                conn.execute(text("SELECT code, version, measure_types FROM departments ORDER BY code")).all(),
            )

    yield state
    engine.dispose()


@pytest.fixture
def postgres_only(database_url: str) -> None:
    """For tests of concurrent writers: they need PostgreSQL (SQLite serialises writers on one lock)."""
    if make_url(database_url).get_backend_name() != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (SQLite serialises writers on one lock)")
