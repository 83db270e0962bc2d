"""Migrations build the schema the models describe, and go down and up again cleanly."""

from __future__ import annotations

import os
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import make_url

from fupin.all_models import Base
from fupin.migrations_check import alembic_config, current_head
from fupin.seed.bulk import sync_engine
from tests.conftest import PG_URL, _pg_admin


def _fresh_url(tmp_path: Path) -> str:
    if PG_URL:
        name = f"{make_url(PG_URL).database}_mig_{os.getpid()}"
        with _pg_admin(PG_URL) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
            admin.execute(f'CREATE DATABASE "{name}"')
        return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    return f"sqlite+aiosqlite:///{tmp_path / 'migrations.db'}"


def test_upgrade_matches_models_then_downgrade_and_upgrade(tmp_path: Path) -> None:
    url = _fresh_url(tmp_path)
    cfg = alembic_config(url)
    command.upgrade(cfg, "head")
    engine = sync_engine(url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
        version = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar_one()
        heads = conn.exec_driver_sql("SELECT name, last_seq FROM chain_heads ORDER BY name").all()
        lines = conn.exec_driver_sql("SELECT COUNT(*) FROM poverty_lines").scalar_one()
    assert diff == [], f"models and migrations disagree: {diff}"
    assert version == current_head()
    assert [tuple(h) for h in heads] == [("audit", 0), ("changes", 0), ("feed_pruned", 0)]
    assert lines == 7
    command.downgrade(cfg, "base")
    with engine.connect() as conn:
        tables = set(
            conn.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type='table'"
                if url.startswith("sqlite")
                else "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            ).scalars()
        )
    assert tables <= {"alembic_version"}
    command.upgrade(cfg, "head")
    engine.dispose()
    if PG_URL:
        with _pg_admin(PG_URL) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')
