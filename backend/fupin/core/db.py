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


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """Request-scoped session. Commits once when the endpoint returns, rolls back on any error."""
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
