"""The demo seed's jobs (`fupin seed --demo-jobs`, what `make run` does): a GB18030 import with one bad row and an
export, queued through the services and run by a job worker; once only."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
from pathlib import Path

import pytest

from fupin.config import PROJECT_ROOT
from tests.test_provincial_sync import FUPIN


def test_demo_jobs_are_queued_once_and_run_by_the_worker(tmp_path: Path, database_url: str) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("the command line on its own SQLite database")
    db = tmp_path / "demo.db"
    env = {**os.environ, "FUPIN_DATABASE_URL": f"sqlite+aiosqlite:///{db}", "FUPIN_DEMO": "1"}

    def fupin(*args: str) -> str:
        done = subprocess.run([str(FUPIN), *args], cwd=PROJECT_ROOT, env=env, check=True, capture_output=True)
        return done.stdout.decode()

    fupin("migrate")
    assert "demo jobs queued: 2" in fupin("seed", "--households", "60", "--if-empty", "--demo-jobs")
    fupin("worker", "--once")
    with sqlite3.connect(db) as conn:
        jobs = conn.execute("SELECT kind, state, report, owner_name FROM jobs ORDER BY id").fetchall()
        imported = conn.execute("SELECT count(*) FROM households WHERE source_system = '乡镇台账'").fetchone()[0]
        events = [r[0] for r in conn.execute("SELECT action FROM audit_events WHERE entity_type = 'job'")]
    assert [(kind, state) for kind, state, _, _ in jobs] == [
        ("import.households", "succeeded"),
        ("export.households", "succeeded"),
    ]
    report = json.loads(jobs[0][2])
    assert (report["created"], report["failed"], report["encoding"]) == (5, 1, "gb18030")
    assert report["errors"][0]["column"] == "证件号码" and report["errors"][0]["external_id"] == "DFH-1"
    assert imported == 5 and {owner for *_, owner in jobs} == {"卧虎镇扶贫工作站"}
    assert events.count("job.queued") == 2 and events.count("job.succeeded") == 2
    # a second run (make run again) queues nothing more
    assert "demo jobs queued: 0" in fupin("seed", "--households", "60", "--if-empty", "--demo-jobs")
