"""Engine and sessions: one transaction per request, committed once by the request scope."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def make_engine(url: str, pool_size: int = 10) -> AsyncEngine:
    kwargs: dict[str, Any] = {}
    if is_sqlite(url):
        kwargs["connect_args"] = {"timeout": 30}
    else:
        kwargs.update(pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)
    engine = create_async_engine(url, **kwargs)
    if is_sqlite(url):

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            # Let SQLAlchemy emit BEGIN itself so a transaction covers reads and writes alike.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @event.listens_for(engine.sync_engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            # IMMEDIATE takes the write lock up front, so a transaction that reads and then writes (an audited
            # read, a conditional update) never dies in a lock upgrade; SQLite serves one office, reads are short.
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def make_sessionmaker(engine: AsyncEngine, *, area_guard: bool = False) -> async_sessionmaker[AsyncSession]:
    """`area_guard`: sessions refuse ORM reads of area-scoped tables that skip the caller's scope (authz.scope)."""
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=True, info={"area_guard": area_guard})


# Scope key under which the idempotency middleware hands a request the session it opened (core.idempotency).
HELD_SESSION = "fupin.held_session"


class HeldSession:
    """A request session opened by the idempotency middleware, which commits it itself, together with the
    record of the request's Idempotency-Key, once the response is known. `failed`: the request raised and its
    work was rolled back."""

    __slots__ = ("failed", "session")

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.failed = False


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """Request-scoped session. Commits once when the endpoint returns, rolls back on any error.

    Under an Idempotency-Key the middleware's session is used instead: it is flushed when the endpoint returns
    (so database errors still become the usual problem answers) and committed by the middleware."""
    held: HeldSession | None = request.scope.get(HELD_SESSION)
    if held is not None:
        try:
            yield held.session
            await held.session.flush()
        except BaseException:
            held.failed = True
            await held.session.rollback()
            raise
        return
    maker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    async with maker() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


# scope="function": the commit happens before the response is sent, so a 2xx always means "stored".
DbSession = Annotated[AsyncSession, Depends(get_session, scope="function")]
