"""`fupin` command: serve, worker, migrate, seed, audit verify|checkpoint, users create-admin, openapi."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import sys
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from fupin.config import PROJECT_ROOT, get_settings

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from fupin.audit.verify import VerifyResult


def cmd_migrate(args: argparse.Namespace) -> int:
    from alembic import command

    from fupin.migrations_check import alembic_config

    url = get_settings().database_url
    if url.startswith("sqlite"):
        Path(url.split("///", 1)[1]).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(url), args.revision)
    print(f"migrated to {args.revision}")
    return 0


def cmd_seed(args: argparse.Namespace) -> int:
    from fupin.adjustments import clock
    from fupin.seed import demo
    from fupin.seed.adjustments import seed_adjustments
    from fupin.seed.bulk import sync_engine

    clock.configure(get_settings())

    engine = sync_engine(get_settings().database_url)
    with engine.begin() as conn:
        regions = demo.seed_regions(conn)
        users = demo.seed_demo_users(conn) if args.demo_users else []
        existing = demo.household_count(conn)
        if existing:
            # Generated ID numbers restart for every run, so generation only goes into an empty register.
            print(f"the register already has {existing} households; no households generated")
            report = None
            if not args.if_empty:
                return 1
        else:
            report = demo.seed_households(conn, args.households, seed=args.seed, detailed=not args.lean)
        if args.demo_users:
            from fupin.seed.webhooks import seed_demo_webhooks

            seed_demo_webhooks(conn, secret_key=get_settings().secret_key)
        pending = seed_adjustments(conn, clock.today()) if args.demo_users and args.adjustments else 0
        projects = 0
        if args.demo_users:
            from fupin.seed.cadres import seed_cadres
            from fupin.seed.measures import seed_measures
            from fupin.seed.projects import seed_projects

            seed_cadres(conn, date.today())
            seed_measures(conn)
            projects = seed_projects(conn, clock.today())  # once: nothing when projects exist
    engine.dispose()
    if args.demo_users and args.demo_jobs:
        from fupin.seed.jobs import seed_demo_jobs

        queued = asyncio.run(seed_demo_jobs(get_settings()))
        print(f"demo jobs queued: {queued}")
    if args.demo_users:
        from fupin.seed.assessment import seed_assessment
        from fupin.seed.findings import seed_findings

        # before the assessment: its overdue and reopened findings indicators count them
        findings = asyncio.run(seed_findings(get_settings(), clock.today()))
        print(f"findings added: {findings}")

        periods = asyncio.run(seed_assessment(get_settings(), clock.today()))
        print(f"assessment periods added: {periods}")
    print(
        f"regions added: {regions}; demo users added: {len(users)}; pending adjustment changes added: {pending}; "
        f"projects added: {projects}"
    )
    if report:
        print(
            f"households: {report.households}, members: {report.members}, "
            f"{report.seconds:.1f}s ({report.rate:,.0f} households/s)"
        )
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    settings = get_settings()
    if not settings.demo and settings.secret_key == type(settings).model_fields["secret_key"].default:
        print(
            "refusing to serve real data with the built-in development secret: set FUPIN_SECRET_KEY "
            "(or FUPIN_DEMO=1 for the demo city)",
            file=sys.stderr,
        )
        return 2
    if settings.demo:
        print_demo_logins(args.host, args.port)
    uvicorn.run(
        "fupin.main:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level="info",
        access_log=args.access_log,
        proxy_headers=True,
    )
    return 0


def print_demo_logins(host: str, port: int) -> None:
    from fupin.seed.demo import DEMO_PASSWORD, DEMO_USERS

    print(f"\n  Fupin 扶贫 is at http://{host}:{port}  (API contract: /api/v1/openapi.json, docs: /docs)")
    print(f"  Demo logins (password {DEMO_PASSWORD}):")
    for username, display, roles, region, _, pii in DEMO_USERS:
        print(
            f"    {username:<14} {display}  [{', '.join(roles)}; {region or '全市/全部'}"
            f"{'; 可见个人信息' if pii else ''}]"
        )
    print()


def _audit_session_run(work: Callable[[AsyncSession], Awaitable[int]]) -> int:
    from fupin.core.db import make_engine, make_sessionmaker

    async def run() -> int:
        engine = make_engine(get_settings().database_url)
        try:
            async with make_sessionmaker(engine)() as session:
                return await work(session)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def _print_broken(result: VerifyResult) -> None:
    if result.first_bad_seq is None:
        print(f"audit chain BROKEN: {result.reason}")
    else:
        print(
            f"audit chain BROKEN at event {result.first_bad_seq}: {result.reason} "
            f"({result.checked} events verified before it)"
        )


def cmd_audit_verify(args: argparse.Namespace) -> int:
    from fupin.audit import anchor
    from fupin.audit.verify import verify

    settings = get_settings()
    path = Path(args.anchors) if args.anchors else settings.anchor_file

    async def work(session: AsyncSession) -> int:
        result = await verify(session, settings, path)
        if not result.ok:
            _print_broken(result)
            return 1
        print(
            f"audit chain intact: {result.checked} events and {result.feed_checked} change-feed entries verified, "
            f"against {result.checkpoints} checkpoints in {path}"
        )
        if result.anchored_seq is None:
            print(f"  no checkpoint covers the chain yet: run `fupin audit checkpoint` (anchor file {path})")
        elif result.anchored_seq < result.last_seq:
            print(
                f"  events {result.anchored_seq + 1}-{result.last_seq} come after the last checkpoint "
                f"(event {result.anchored_seq}): rewriting them would not be detected"
            )
        if result.legacy_events:
            print(
                f"  {result.legacy_events} events date from before migration 0004: "
                "the change-feed entries of that time are checked for numbering only"
            )
        if anchor.key_is_public(settings):
            print("  the anchor key comes from the built-in development secret: checkpoints prove nothing here")
        return 0

    return _audit_session_run(work)


def cmd_audit_checkpoint(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from fupin.audit import anchor
    from fupin.audit.models import AuditEvent, ChainHead
    from fupin.audit.verify import verify

    settings = get_settings()
    if not anchor.may_sign(settings):
        print(
            "refusing to sign checkpoints with a key derived from the built-in development secret: set "
            "FUPIN_AUDIT_ANCHOR_KEY (or FUPIN_SECRET_KEY; FUPIN_DEMO=1 for the demo city)",
            file=sys.stderr,
        )
        return 2
    path = Path(args.anchors) if args.anchors else settings.anchor_file
    key = anchor.anchor_key(settings)

    async def work(session: AsyncSession) -> int:
        if args.verify:
            result = await verify(session, settings, path)
            if not result.ok:
                _print_broken(result)
                print("no checkpoint written: a checkpoint must not vouch for a broken chain", file=sys.stderr)
                return 1
            seq, digest = result.last_seq, result.last_hash
        else:
            head = (
                await session.execute(select(ChainHead.last_seq, ChainHead.last_hash).where(ChainHead.name == "audit"))
            ).one()
            seq, digest = int(head[0]), str(head[1])
            stored = (await session.execute(select(AuditEvent.hash).where(AuditEvent.seq == seq))).scalar_one_or_none()
            if seq and stored != digest:
                print(f"no checkpoint written: the chain head does not match event {seq}", file=sys.stderr)
                return 1
        if seq == 0:
            print("the audit chain is empty: nothing to checkpoint")
            return 0
        existing, _ = anchor.read_checkpoints(path, key)
        if any(cp.seq == seq and cp.hash == digest for cp in existing):
            print(f"event {seq} is already checkpointed in {path}")
            return 0
        checkpoint = anchor.make_checkpoint(key, seq, digest)
        anchor.append(path, checkpoint)
        print(f"checkpoint of event {seq} appended to {path}: {checkpoint.to_line()}")
        return 0

    return _audit_session_run(work)


def cmd_changes_prune(args: argparse.Namespace) -> int:
    from fupin.audit.feed_retention import prune
    from fupin.core.context import Actor

    settings = get_settings()
    days = settings.changes_retention_days if args.days is None else args.days
    if days < 1:
        print("the retention must be at least one day", file=sys.stderr)
        return 2

    async def work(session: AsyncSession) -> int:
        report = await prune(session, retention_days=days, actor=Actor("system", None, "fupin changes prune"))
        await session.commit()
        if report.audit_seq is None:
            print(f"nothing older than {days} days: the change feed is pruned up to entry {report.pruned_through}")
        else:
            print(
                f"{report.deleted} change-feed entries older than {days} days removed: pruned up to entry "
                f"{report.pruned_through} (was {report.pruned_before}; audit event {report.audit_seq})"
            )
        return 0

    return _audit_session_run(work)


def cmd_create_admin(args: argparse.Namespace) -> int:
    from sqlalchemy import Table, select

    from fupin.core.security import hash_password
    from fupin.seed.bulk import record_sync, sync_engine
    from fupin.users.models import User

    password = args.password or getpass.getpass("password: ")
    if len(password) < 8:
        print("password must have at least 8 characters", file=sys.stderr)
        return 2
    engine = sync_engine(get_settings().database_url)
    with engine.begin() as conn:
        table: Table = User.__table__  # type: ignore[assignment]
        if conn.execute(select(table.c.id).where(table.c.username == args.username)).first():
            print(f"user {args.username} already exists", file=sys.stderr)
            return 1
        import uuid

        from fupin.core.models import utcnow

        now = utcnow()
        conn.execute(
            table.insert().values(
                public_id=uuid.uuid4(),
                username=args.username,
                password_hash=hash_password(password),
                display_name="系统管理员",
                roles=["admin"],
                region_code=None,
                department=None,
                pii=True,
                active=True,
                version=1,
                created_at=now,
                updated_at=now,
            )
        )
        record_sync(
            conn,
            "fupin users create-admin",
            "user.created",
            "user",
            None,
            None,
            {"username": [None, args.username], "roles": [None, ["admin"]]},
        )
    print(f"admin {args.username} created")
    return 0


def cmd_stats_rebuild(args: argparse.Namespace) -> int:
    from fupin.households import stats
    from fupin.seed.bulk import sync_engine

    engine = sync_engine(get_settings().database_url)
    with engine.begin() as conn:
        stats.rebuild(conn)
    engine.dispose()
    print("household summary rebuilt from the register")
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    import signal

    from fupin.adjustments import clock as adjustment_clock
    from fupin.audit import anchor
    from fupin.core.db import make_engine
    from fupin.core.readpath import ReadPath
    from fupin.jobs.worker import Worker
    from fupin.webhooks.delivery import Dispatcher, dispatch_once

    settings = get_settings()

    async def run() -> int:
        anchor.configure(settings)
        adjustment_clock.configure(settings)
        engine = make_engine(settings.database_url, 2)
        read = ReadPath(settings.database_url, pool_size=2)
        await read.open()
        worker = Worker(
            engine,
            read,
            worker_id=args.id,
            lease_seconds=settings.job_lease_seconds,
            poll_seconds=settings.job_poll_seconds,
            pause_seconds=settings.job_chunk_pause_seconds,
        )
        dispatcher = Dispatcher(engine, read, settings)  # webhook deliveries run beside the jobs
        loop = asyncio.get_running_loop()

        def stop() -> None:  # finish the chunk, give the job back, finish the sends under way, exit
            worker.stop()
            dispatcher.stop()

        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop)
        try:
            if args.once:
                print(f"worker {worker.worker_id}: {await worker.drain()} jobs run")
                sent = (await dispatch_once(dispatcher.sessions, settings=settings)).sent
                print(f"webhook deliveries sent: {sent}")
            else:
                print(f"worker {worker.worker_id} waiting for jobs (Ctrl-C stops)")
                await asyncio.gather(worker.run_forever(), dispatcher.run_forever())
        finally:
            await read.close()
            await engine.dispose()
            anchor.reset()
        return 0

    return asyncio.run(run())


def cmd_openapi(args: argparse.Namespace) -> int:
    from fupin.main import create_app

    spec = create_app().openapi()
    text = json.dumps(spec, ensure_ascii=False, indent=2, sort_keys=False) + "\n"
    if args.check:
        current = Path(args.output).read_text(encoding="utf-8") if Path(args.output).exists() else ""
        if current != text:
            print(f"{args.output} is out of date: run `make openapi` and commit it", file=sys.stderr)
            return 1
        print(f"{args.output} matches the code")
        return 0
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(text, encoding="utf-8")
    print(f"wrote {args.output} ({len(spec['paths'])} paths)")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="fupin", description="Fupin 扶贫 register")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("migrate", help="apply Alembic migrations")
    p.add_argument("revision", nargs="?", default="head")
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser("seed", help="seed the demo city (regions, demo users, generated households)")
    p.add_argument("--households", type=int, default=5000)
    p.add_argument("--seed", type=int, default=2018)
    p.add_argument("--if-empty", action="store_true", help="generate households only into an empty register")
    p.add_argument("--no-demo-users", dest="demo_users", action="store_false")
    p.add_argument("--lean", action="store_true", help="skip incomes and assessments (faster, for benchmarks)")
    p.add_argument(
        "--demo-jobs",
        action="store_true",
        help="queue a demo import (GB18030 CSV, one bad row) and export for the job worker (make run)",
    )
    p.add_argument(
        "--no-adjustments",
        dest="adjustments",
        action="store_false",
        help="no adjustment window (年度调整) and pending changes: nothing is locked",
    )
    p.set_defaults(func=cmd_seed)

    p = sub.add_parser("serve", help="serve the API (and the built SPA)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=1)
    p.add_argument(
        "--no-access-log", dest="access_log", action="store_false", help="no line per request (the audit trail stays)"
    )
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("worker", help="run a job worker as its own process (imports, exports, summary rebuilds)")
    p.add_argument("--once", action="store_true", help="run the jobs waiting now, then exit")
    p.add_argument("--id", help="this worker's name in the jobs table (default: host:pid:random)")
    p.set_defaults(func=cmd_worker)

    p = sub.add_parser("audit", help="audit trail tools")
    asub = p.add_subparsers(dest="audit_command", required=True)
    v = asub.add_parser(
        "verify", help="verify the hash chain, the change feed and the checkpoints; report the first problem"
    )
    v.add_argument("--anchors", help="the anchor file (default: FUPIN_AUDIT_ANCHOR_FILE)")
    v.set_defaults(func=cmd_audit_verify)
    v = asub.add_parser("checkpoint", help="verify the chain, then append a signed checkpoint of its head")
    v.add_argument("--anchors", help="the anchor file (default: FUPIN_AUDIT_ANCHOR_FILE)")
    v.add_argument(
        "--no-verify",
        dest="verify",
        action="store_false",
        help="sign the head without walking the chain first (only checks the head matches its event)",
    )
    v.set_defaults(func=cmd_audit_checkpoint)

    p = sub.add_parser("changes", help="change-feed tools")
    csub = p.add_subparsers(dest="changes_command", required=True)
    c = csub.add_parser("prune", help="remove change-feed entries older than the retention")
    c.add_argument("--days", type=int, help="the retention in days (default: FUPIN_CHANGES_RETENTION_DAYS, 400)")
    c.set_defaults(func=cmd_changes_prune)

    p = sub.add_parser("users", help="user administration")
    usub = p.add_subparsers(dest="users_command", required=True)
    c = usub.add_parser("create-admin", help="create the first administrator of a production install")
    c.add_argument("username")
    c.add_argument("--password")
    c.set_defaults(func=cmd_create_admin)

    p = sub.add_parser("stats", help="dashboard summary tools")
    ssub = p.add_subparsers(dest="stats_command", required=True)
    r = ssub.add_parser("rebuild", help="recompute the per-village summary from the register")
    r.set_defaults(func=cmd_stats_rebuild)

    p = sub.add_parser("openapi", help="write the OpenAPI contract without starting a server")
    p.add_argument("--output", default=str(PROJECT_ROOT / "openapi" / "openapi.json"))
    p.add_argument("--check", action="store_true", help="fail if the file differs from the code")
    p.set_defaults(func=cmd_openapi)

    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
