"""The anchored audit chain: every kind of tampering is found, an untouched chain (request path, command line, bulk
loader alike) verifies, and checkpoints are written by `fupin audit checkpoint` and by the app."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, select, text

from fupin import cli
from fupin.audit import anchor, chain
from fupin.audit import verify as verification
from fupin.audit.models import GENESIS_HASH, AuditEvent
from fupin.config import Settings, get_settings
from fupin.core.context import SYSTEM_ACTOR
from fupin.core.db import make_engine, make_sessionmaker
from fupin.seed import demo
from fupin.seed.bulk import sync_engine
from tests import factories
from tests.conftest import Api

HH = "/api/v1/households"
KEY = "anchor-key-kept-outside-the-database"
EVENTS: Any = AuditEvent.__table__


@pytest.fixture
def anchors(tmp_path: Path) -> Path:
    return tmp_path / "audit-anchors.jsonl"


@pytest.fixture
def audit_settings(database_url: str, anchors: Path) -> Settings:
    return Settings(database_url=database_url, audit_anchor_file=anchors, audit_anchor_key=KEY)


@pytest.fixture
def fupin_env(database_url: str, anchors: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """The environment the `fupin` command reads, for in-process and subprocess runs."""
    env = {"FUPIN_DATABASE_URL": database_url, "FUPIN_AUDIT_ANCHOR_FILE": str(anchors), "FUPIN_AUDIT_ANCHOR_KEY": KEY}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    yield env
    anchor.reset()
    get_settings.cache_clear()


@pytest.fixture(autouse=True)
def _no_anchorer_left_behind() -> Iterator[None]:
    yield
    anchor.reset()


def verify(settings: Settings) -> verification.VerifyResult:
    async def run() -> verification.VerifyResult:
        engine = make_engine(settings.database_url)
        try:
            async with make_sessionmaker(engine)() as session:
                return await verification.verify(session, settings)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def checkpoint(capsys: pytest.CaptureFixture[str]) -> str:
    """`fupin audit checkpoint`, in process (the environment comes from `fupin_env`)."""
    assert cli.main(["audit", "checkpoint"]) == 0
    return capsys.readouterr().out


def sql(database_url: str, statement: str, **params: Any) -> Any:
    engine = sync_engine(database_url)
    with engine.begin() as conn:
        result = conn.execute(text(statement), params)
        rows = result.all() if result.returns_rows else None
    engine.dispose()
    return rows


def writes(api: Api, n: int = 2) -> list[dict[str, Any]]:
    """A few data writes through the API (each an event with its change-feed entry)."""
    made = []
    for _ in range(n):
        h = api.post("township", HH, json=factories.household()).json()
        api.patch("township", f"{HH}/{h['id']}", json={"address": "新址"}, headers={"If-Match": f'"{h["version"]}"'})
        api.put("township", f"{HH}/{h['id']}/incomes/2020", json={"wage_income": "1200"})
        made.append(h)
    return made


def rehash_from(conn: Connection, start: int) -> None:
    """What someone holding the database can do: recompute every hash from `start` on and move the head."""
    prev = conn.execute(select(EVENTS.c.hash).where(EVENTS.c.seq == start - 1)).scalar_one_or_none() or GENESIS_HASH
    for row in conn.execute(select(EVENTS).where(EVENTS.c.seq >= start).order_by(EVENTS.c.seq)).all():
        fields = {**row._mapping, "prev_hash": prev}
        prev = chain.event_hash(fields)
        conn.execute(EVENTS.update().where(EVENTS.c.seq == row.seq).values(prev_hash=fields["prev_hash"], hash=prev))
    conn.execute(text("UPDATE chain_heads SET last_hash = :h WHERE name = 'audit'"), {"h": prev})


def last_seq(database_url: str, where: str = "1 = 1") -> int:
    return int(sql(database_url, f"SELECT MAX(seq) FROM audit_events WHERE {where}")[0][0])


# --- untouched chains verify ---------------------------------------------------------------------------------------


def test_seed_loader_chain_verifies_with_every_feed_entry_in_it(audit_settings: Settings) -> None:
    result = verify(audit_settings)
    assert result.ok, result.reason
    households, feed = sql(
        audit_settings.database_url, "SELECT (SELECT COUNT(*) FROM households), (SELECT COUNT(*) FROM change_feed)"
    )[0]
    assert result.feed_checked == feed == households and result.legacy_events == 0
    unlinked = sql(audit_settings.database_url, "SELECT COUNT(*) FROM change_feed WHERE audit_seq IS NULL")[0][0]
    assert unlinked == 0


def test_bulk_load_in_batches_links_each_batch(audit_settings: Settings) -> None:
    engine = sync_engine(audit_settings.database_url)
    with engine.begin() as conn:
        report = demo.seed_households(conn, 15, seed=11, within=["220323000000"], batch_size=7)  # 7 + 7 + 1
    engine.dispose()
    assert report.households == 15
    batches = sql(
        audit_settings.database_url,
        "SELECT feed_count FROM audit_events WHERE action = 'seed.bulk_load' ORDER BY seq DESC LIMIT 3",
    )
    assert [b[0] for b in batches] == [1, 7, 7]
    assert verify(audit_settings).ok
    # the batch of one is about 15 households' loader, not one household: its entry is covered by the digest
    sql(
        audit_settings.database_url,
        "UPDATE change_feed SET region_code = '220323100201' WHERE seq = (SELECT MAX(seq) FROM change_feed)",
    )
    assert "altered" in (verify(audit_settings).reason or "")


def test_untouched_chain_verifies_against_its_checkpoints(
    api: Api, audit_settings: Settings, fupin_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    writes(api, 1)
    out = checkpoint(capsys)
    assert f"checkpoint of event {last_seq(audit_settings.database_url)}" in out
    assert "already checkpointed" in checkpoint(capsys)
    writes(api, 1)
    checkpoint(capsys)
    result = verify(audit_settings)
    assert result.ok, result.reason
    assert result.checkpoints == 2 and result.anchored_seq == result.last_seq
    assert result.feed_checked > 170
    assert cli.main(["audit", "verify"]) == 0
    assert "audit chain intact" in capsys.readouterr().out


# --- tampering is found --------------------------------------------------------------------------------------------


def test_altered_event_is_found(api: Api, audit_settings: Settings) -> None:
    writes(api, 1)
    seq = last_seq(audit_settings.database_url, "action = 'household.updated'")
    sql(audit_settings.database_url, "UPDATE audit_events SET actor_name = 'someone else' WHERE seq = :s", s=seq)
    result = verify(audit_settings)
    assert not result.ok and result.first_bad_seq == seq and "content altered" in (result.reason or "")


def test_rewritten_chain_after_a_checkpoint_is_found(
    api: Api, audit_settings: Settings, fupin_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    writes(api, 2)
    checkpoint(capsys)
    anchored = last_seq(audit_settings.database_url)
    writes(api, 1)
    target = last_seq(audit_settings.database_url, f"action = 'household.updated' AND seq < {anchored}")
    engine = sync_engine(audit_settings.database_url)
    with engine.begin() as conn:
        row = conn.execute(select(EVENTS.c.changes).where(EVENTS.c.seq == target)).scalar_one()
        conn.execute(EVENTS.update().where(EVENTS.c.seq == target).values(changes={**row, "address": ["x", "改过"]}))
        rehash_from(conn, target)
    engine.dispose()
    # the chain is consistent again: without the checkpoint nothing would show
    unanchored = verify(audit_settings.model_copy(update={"audit_anchor_file": anchor_less(audit_settings)}))
    assert unanchored.ok
    result = verify(audit_settings)
    assert not result.ok and result.first_bad_seq == anchored
    assert "rewritten at or before this event" in (result.reason or "")


def test_cut_tail_with_the_head_wound_back_is_found(
    api: Api, audit_settings: Settings, fupin_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    writes(api, 1)
    checkpoint(capsys)
    url = audit_settings.database_url
    end = last_seq(url)
    keep = end - 2
    # remove the last two events and their feed entries, wind both heads back
    sql(url, "DELETE FROM change_feed WHERE audit_seq > :k", k=keep)
    sql(url, "DELETE FROM audit_events WHERE seq > :k", k=keep)
    sql(
        url,
        "UPDATE chain_heads SET last_seq = :k, last_hash = (SELECT hash FROM audit_events WHERE seq = :k) "
        "WHERE name = 'audit'",
        k=keep,
    )
    sql(url, "UPDATE chain_heads SET last_seq = (SELECT MAX(seq) FROM change_feed) WHERE name = 'changes'")
    assert verify(audit_settings.model_copy(update={"audit_anchor_file": anchor_less(audit_settings)})).ok
    result = verify(audit_settings)
    assert not result.ok and result.first_bad_seq == keep + 1
    assert f"names event {end}" in (result.reason or "") and "tail cut off" in (result.reason or "")


def anchor_less(settings: Settings) -> Path:
    return settings.anchor_file.with_name("no-anchors.jsonl")


def test_deleted_feed_entry_is_found(api: Api, audit_settings: Settings) -> None:
    writes(api, 1)
    url = audit_settings.database_url
    seq, feed_seq = sql(
        url, "SELECT seq, feed_seq FROM audit_events WHERE action = 'household.updated' ORDER BY seq DESC"
    )[0]
    sql(url, "DELETE FROM change_feed WHERE seq = :s", s=feed_seq)
    result = verify(audit_settings)
    assert not result.ok and result.first_bad_seq == seq
    assert f"change-feed entry {feed_seq} is missing" in (result.reason or "")


def test_deleted_last_feed_entry_with_its_head_wound_back_is_found(api: Api, audit_settings: Settings) -> None:
    writes(api, 1)
    url = audit_settings.database_url
    sql(url, "DELETE FROM change_feed WHERE seq = (SELECT MAX(seq) FROM change_feed)")
    sql(url, "UPDATE chain_heads SET last_seq = last_seq - 1 WHERE name = 'changes'")
    result = verify(audit_settings)
    assert not result.ok and "missing" in (result.reason or "")


@pytest.mark.parametrize(
    ("column", "value", "expect"),
    [
        ("version", 99, "version is 99"),
        ("entity_id", "00000000-0000-0000-0000-000000000000", "entity_id is"),
        ("action", "deleted", "action is 'deleted'"),
        ("region_code", "220382101201", "region_code is"),
        ("summary", "nothing to see", "altered"),
    ],
)
def test_altered_feed_entry_is_found(api: Api, audit_settings: Settings, column: str, value: Any, expect: str) -> None:
    writes(api, 1)
    url = audit_settings.database_url
    seq, feed_seq = sql(
        url, "SELECT seq, feed_seq FROM audit_events WHERE action = 'household.updated' ORDER BY seq DESC"
    )[0]
    sql(url, f"UPDATE change_feed SET {column} = :v WHERE seq = :s", v=value, s=feed_seq)
    result = verify(audit_settings)
    assert not result.ok and result.first_bad_seq == seq and expect in (result.reason or ""), result.reason


def test_feed_entry_without_an_event_is_found(api: Api, audit_settings: Settings) -> None:
    h = writes(api, 1)[0]
    url = audit_settings.database_url
    sql(
        url,
        "INSERT INTO change_feed (seq, occurred_at, entity_type, entity_id, action, region_code, version, audit_seq) "
        "SELECT MAX(seq) + 1, MAX(occurred_at), 'household', :e, 'updated', '220382102201', 9, MAX(audit_seq) "
        "FROM change_feed",
        e=h["id"],
    )
    sql(url, "UPDATE chain_heads SET last_seq = last_seq + 1 WHERE name = 'changes'")
    result = verify(audit_settings)
    assert not result.ok and "has no audit event" in (result.reason or "")


def test_data_write_event_cannot_drop_its_feed_entry(api: Api, audit_settings: Settings) -> None:
    """Which events must have feed entries is part of the hashed event: unclaiming one breaks the hash."""
    writes(api, 1)
    url = audit_settings.database_url
    seq, feed_seq = sql(
        url, "SELECT seq, feed_seq FROM audit_events WHERE action = 'household.updated' ORDER BY seq DESC"
    )[0]
    sql(url, "UPDATE audit_events SET feed_count = 0, feed_seq = NULL, feed_digest = NULL WHERE seq = :s", s=seq)
    sql(url, "DELETE FROM change_feed WHERE seq = :s", s=feed_seq)
    result = verify(audit_settings)
    assert not result.ok and result.first_bad_seq == seq and "content altered" in (result.reason or "")


def test_forged_checkpoint_line_is_found(
    api: Api, audit_settings: Settings, fupin_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    writes(api, 1)
    checkpoint(capsys)
    path = audit_settings.anchor_file
    line = json.loads(path.read_text().splitlines()[0])
    # a checkpoint moved back to match a shortened chain, signature kept
    forged = {**line, "seq": line["seq"] - 1}
    path.write_text(path.read_text() + json.dumps(forged) + "\n")
    result = verify(audit_settings)
    assert not result.ok and "line 2" in (result.reason or "") and "bad signature" in (result.reason or "")
    # a well-formed line signed with another key
    other = anchor.make_checkpoint(b"not the key", line["seq"], line["hash"])
    path.write_text(json.dumps(line) + "\n" + other.to_line() + "\n")
    assert "bad signature" in (verify(audit_settings).reason or "")
    path.write_text(json.dumps(line) + "\n{not json\n")
    assert "unreadable line" in (verify(audit_settings).reason or "")
    path.write_text(json.dumps(line) + "\n")
    assert verify(audit_settings).ok


def test_chain_recorded_before_the_feed_link_still_verifies(api: Api, audit_settings: Settings) -> None:
    """A database upgraded through migration 0004: its old events are hashed without the feed columns."""
    url = audit_settings.database_url
    engine = sync_engine(url)
    with engine.begin() as conn:
        conn.execute(EVENTS.update().values(version=None, feed_seq=None, feed_count=None, feed_digest=None))
        conn.execute(text("UPDATE change_feed SET audit_seq = NULL"))
        rehash_from(conn, 1)
    engine.dispose()
    old = verify(audit_settings)
    assert old.ok, old.reason
    assert old.legacy_events == old.checked and old.feed_checked > 0
    writes(api, 1)
    upgraded = verify(audit_settings)
    assert upgraded.ok, upgraded.reason
    assert upgraded.legacy_events == old.checked and upgraded.checked > old.checked
    # a linked event turned back into the old format is not an old event
    engine = sync_engine(url)
    with engine.begin() as conn:
        end = conn.execute(select(EVENTS.c.seq).order_by(EVENTS.c.seq.desc())).scalars().first()
        conn.execute(
            EVENTS.update().where(EVENTS.c.seq == end).values(feed_count=None, feed_seq=None, feed_digest=None)
        )
        rehash_from(conn, end)
    engine.dispose()
    result = verify(audit_settings)
    assert not result.ok and result.first_bad_seq == end


# --- checkpoints are written by the command and by the app ---------------------------------------------------------


def test_checkpoint_command_refuses_a_broken_chain_and_a_public_key(
    api: Api, audit_settings: Settings, fupin_env: dict[str, str]
) -> None:
    writes(api, 1)
    url = audit_settings.database_url
    sql(url, "UPDATE audit_events SET actor_name = 'x' WHERE seq = :s", s=last_seq(url))
    env = {**os.environ, **fupin_env}
    broken = subprocess.run(
        [sys.executable, "-m", "fupin.cli", "audit", "checkpoint"], env=env, capture_output=True, text=True
    )
    assert broken.returncode == 1 and "BROKEN" in broken.stdout and not audit_settings.anchor_file.exists()
    bad = subprocess.run(
        [sys.executable, "-m", "fupin.cli", "audit", "verify"], env=env, capture_output=True, text=True
    )
    assert bad.returncode == 1 and f"BROKEN at event {last_seq(url)}: content altered" in bad.stdout
    public = {k: v for k, v in env.items() if k not in ("FUPIN_AUDIT_ANCHOR_KEY", "FUPIN_SECRET_KEY", "FUPIN_DEMO")}
    refused = subprocess.run(
        [sys.executable, "-m", "fupin.cli", "audit", "checkpoint"], env=public, capture_output=True, text=True
    )
    assert refused.returncode == 2 and "built-in development secret" in refused.stderr


def test_app_writes_checkpoints_every_n_events(
    api: Api, audit_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="fupin.audit")
    anchorer = anchor.configure(
        audit_settings.model_copy(update={"audit_checkpoint_events": 3, "audit_checkpoint_seconds": 0})
    )
    before = last_seq(audit_settings.database_url)
    writes(api, 2)
    anchorer.flush()
    written, problem = anchor.read_checkpoints(audit_settings.anchor_file, KEY.encode())
    assert problem is None and len(written) >= 2
    seqs = [cp.seq for cp in written]
    assert seqs == sorted(seqs) and all(b - a >= 3 for a, b in zip([before, *seqs], seqs, strict=False))
    assert sum("audit checkpoint" in r.getMessage() for r in caplog.records) == len(written)
    result = verify(audit_settings)
    assert result.ok and result.anchored_seq == seqs[-1]


def test_app_writes_a_checkpoint_when_time_has_passed(api: Api, audit_settings: Settings) -> None:
    now = [0.0]
    every_minute = audit_settings.model_copy(update={"audit_checkpoint_events": 0, "audit_checkpoint_seconds": 60})
    anchorer = anchor.configure(anchor.Anchorer(every_minute, clock=lambda: now[0]))
    writes(api, 1)
    anchorer.flush()
    assert not audit_settings.anchor_file.exists()
    now[0] = 61.0
    writes(api, 1)  # the first commit after the minute writes one; the next ones came sooner
    anchorer.flush()
    written, _ = anchor.read_checkpoints(audit_settings.anchor_file, KEY.encode())
    assert len(written) == 1
    assert verify(audit_settings).ok


def test_app_does_not_sign_with_the_builtin_secret(audit_settings: Settings) -> None:
    builtin = Settings.model_fields["secret_key"].default
    public = audit_settings.model_copy(update={"audit_anchor_key": None, "secret_key": builtin, "demo": False})
    assert not anchor.Anchorer(public).enabled
    assert anchor.Anchorer(public.model_copy(update={"demo": True})).enabled
    own = public.model_copy(update={"secret_key": "a-real-secret-0123456789abcdef0123456789"})
    assert anchor.Anchorer(own).enabled and anchor.anchor_key(own) != anchor.anchor_key(public)


def test_only_committed_heads_are_checkpointed(audit_settings: Settings) -> None:
    seen: list[int] = []

    class Recorder(anchor.Anchorer):
        def note_commit(self, seq: int, digest: str) -> None:
            seen.append(seq)

    anchor.configure(Recorder(audit_settings))

    async def write(session: Any, action: str) -> int:
        return await chain.record(
            session,
            actor=SYSTEM_ACTOR,
            action=action,
            entity_type="test",
            entity_id=None,
            region_code=None,
            changes={},
        )

    async def run() -> None:
        engine = make_engine(audit_settings.database_url)
        async with make_sessionmaker(engine)() as session:
            await write(session, "test.rolled_back")
            async with session.begin_nested():  # a released savepoint is no commit
                pass
            assert seen == []
            await session.rollback()
            await session.commit()
            assert seen == []
            kept = await write(session, "test.kept")
            async with session.begin_nested():
                pass
            await session.commit()
            assert seen == [kept]
        await engine.dispose()

    asyncio.run(run())
    assert verify(audit_settings).ok
