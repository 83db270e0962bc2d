"""What the PostgreSQL benchmarks share: a fresh database (dropped and created anew, migrated) holding the demo
regions and users and `households` generated households (the seed's bulk loader, COPY), and the libpq form of a
database URL. Each benchmark then fills its own tables inside PostgreSQL."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "backend"))

from sqlalchemy.engine import make_url


def dsn_of(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def fresh_city(url: str, households: int) -> None:
    from alembic import command

    from fupin.migrations_check import alembic_config
    from fupin.seed import demo
    from fupin.seed.bulk import sync_engine

    u = make_url(url)
    admin = u.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{u.database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{u.database}"')
    command.upgrade(alembic_config(url), "head")
    started = time.perf_counter()
    engine = sync_engine(url)
    with engine.begin() as conn:
        demo.seed_regions(conn)
        demo.seed_demo_users(conn)
        demo.seed_households(conn, households, seed=11, detailed=False)
    engine.dispose()
    print(f"  households loaded in {time.perf_counter() - started:.0f} s")
