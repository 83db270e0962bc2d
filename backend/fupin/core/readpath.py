"""The fast read path every list, export and feed uses: statements compiled once per shape, run on the driver's
own connection outside any transaction, rows turned into JSON bytes without ORM objects or model validation.

- A `ReadQuery` names the statement of one shape (which filters are present, the sort, whether a cursor is
  given) and builds it with bind parameters. It is compiled once per database and scope kind and cached; each
  request only binds its values. The caller's area scope is applied here, not by the caller: the statement is
  narrowed by `area >= :scope_low AND area < :scope_high` (no condition for the whole system), so a list that
  forgets its scope cannot exist.
- Connections: PostgreSQL through a psycopg pool in autocommit mode (no BEGIN/COMMIT, no pre-ping round trip;
  statements become server-side prepared after a few runs); SQLite through a few aiosqlite connections in
  autocommit mode (WAL lets them read while a writer works).
- Values pass through the SQLAlchemy column types' own bind and result processors, so they come out exactly as
  the ORM would give them (UTC datetimes, UUIDs, dates), and `pydantic_core.to_json` writes them the way the
  declared response models would.
Writes keep the request transaction of `core.db`.

Exports need more than one statement over the same state (a count, the change-feed position, the rows):
`ReadPath.snapshot()` is one read-only transaction on one connection (PostgreSQL REPEATABLE READ READ ONLY, rows
streamed in batches; SQLite one deferred transaction, i.e. one WAL snapshot), whose `fetch`,
`scalar` and `stream` all see the same committed state.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import weakref
from collections.abc import AsyncIterator, Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import Numeric, Select, and_, bindparam
from sqlalchemy.engine import Dialect, make_url

from fupin.authz.scope import AreaScope, code_range

Processor = Callable[[Any], Any] | None


@dataclass(frozen=True, slots=True)
class ReadQuery:
    """One statement shape. `build` returns the select with `bindparam`s for the request's values; `area` is the
    region column the caller's scope narrows (None: the rows are not area data, e.g. a code table)."""

    key: Hashable
    build: Callable[[], Any]  # -> Select
    area: Callable[[], Any] | None  # a column of the 12-digit region code
    wrap: Callable[[Select[Any]], Select[Any]] | None = None  # applied after the scope (e.g. a count over it)


def query_family(name: str, build: Callable[..., Any], area: Callable[[], Any] | None) -> Callable[..., ReadQuery]:
    """The ReadQuery of each statement shape of one list, made once per shape: `family(*shape)` is
    `ReadQuery((name, *shape), lambda: build(*shape), area)` (a shape: which filters are present, a cursor or not)."""

    @functools.cache
    def query(*shape: Hashable) -> ReadQuery:
        return ReadQuery((name, *shape), lambda: build(*shape), area)

    return query


@dataclass(frozen=True, slots=True)
class Compiled:
    sql: str
    positional: tuple[str, ...] | None  # parameter names in order, for drivers with positional parameters
    bind: dict[str, Processor]
    defaults: dict[str, Any]  # values the statement carries itself (literals, SQLite's OFFSET 0)
    columns: tuple[str, ...]
    processed: tuple[tuple[str, Callable[[Any], Any]], ...]  # the columns whose type converts the driver's value

    def parameters(self, values: dict[str, Any]) -> Any:
        given = {**self.defaults, **values}
        bound = {name: (proc(given[name]) if proc else given[name]) for name, proc in self.bind.items()}
        if self.positional is not None:
            return tuple(bound[name] for name in self.positional)
        return bound

    def tuples(self, raw: Sequence[Sequence[Any]]) -> Sequence[Sequence[Any]]:
        """Driver rows in column order, values through their types' processors (as lists only when one has)."""
        if not self.processed:
            return raw
        at = {name: index for index, name in enumerate(self.columns)}
        procs = [(at[name], proc) for name, proc in self.processed]
        out: list[list[Any]] = []
        for row in raw:
            values = list(row)
            for index, proc in procs:
                values[index] = proc(values[index])
            out.append(values)
        return out

    def rows(self, raw: Sequence[Sequence[Any]]) -> list[dict[str, Any]]:
        """Driver rows as dicts in the statement's column order, values through their types' processors."""
        names = self.columns
        out = [dict(zip(names, row, strict=True)) for row in raw]
        for name, proc in self.processed:
            for row in out:
                row[name] = proc(row[name])
        return out


_PG_NUMERIC_OID = 1700


def _result_processor(type_: Any, dialect: Dialect) -> Processor:
    impl = type_.dialect_impl(dialect)
    # psycopg's numeric processors are chosen by the column's type OID (numeric: Decimal as the driver gives it)
    coltype = _PG_NUMERIC_OID if dialect.name == "postgresql" and isinstance(impl, Numeric) else None
    return impl.result_processor(dialect, coltype)


def compile_read(stmt: Select[Any], dialect: Dialect) -> Compiled:
    compiled = stmt.compile(dialect=dialect)
    expanding = [name for param, name in compiled.bind_names.items() if param.expanding]
    if expanding:
        # an IN list is rendered per call ([POSTCOMPILE_x]): a compiled-once read statement cannot hold one
        raise ValueError(f"read-path statements take no IN lists ({', '.join(expanding)}): use or_() of equalities")
    bind: dict[str, Processor] = {}
    for param in compiled.binds.values():
        bind[compiled.bind_names[param]] = param.type.dialect_impl(dialect).bind_processor(dialect)
    columns = tuple(str(c.key) for c in stmt.selected_columns)
    processed = tuple(
        (name, proc)
        for name, c in zip(columns, stmt.selected_columns, strict=True)
        if (proc := _result_processor(c.type, dialect)) is not None
    )
    positional = tuple(compiled.positiontup) if compiled.positional and compiled.positiontup else None
    defaults = {name: value for name, value in compiled.params.items() if value is not None}
    return Compiled(str(compiled), positional, bind, defaults, columns, processed)


def scope_values(scope: AreaScope) -> dict[str, str]:
    if scope.region_code is None:
        return {}
    low, high = code_range(scope.region_code)
    return {"scope_low": low, "scope_high": high}


class ReadPath:
    """One per app: the read connections and the compiled statements."""

    def __init__(self, database_url: str, *, pool_size: int = 10) -> None:
        from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg
        from sqlalchemy.dialects.sqlite.aiosqlite import SQLiteDialect_aiosqlite

        url = make_url(database_url)
        self.is_sqlite = url.get_backend_name() == "sqlite"
        # the dialects of the drivers used, so values are processed as the ORM's engine would
        self.dialect: Dialect = SQLiteDialect_aiosqlite() if self.is_sqlite else PGDialect_psycopg()
        self._url = url
        self._pool_size = pool_size
        self._cache: dict[tuple[Hashable, bool], Compiled] = {}
        self._pg_pool: Any = None
        self._sqlite: asyncio.Queue[Any] | None = None
        self._sqlite_all: list[Any] = []

    # ------------------------------------------------------------ connections

    async def open(self) -> None:
        if self.is_sqlite:
            import aiosqlite

            self._sqlite = asyncio.Queue()
            for _ in range(min(self._pool_size, 4)):
                conn = await aiosqlite.connect(self._url.database or ":memory:", isolation_level=None)
                await conn.execute("PRAGMA query_only = ON")
                await conn.execute("PRAGMA busy_timeout = 30000")
                self._sqlite_all.append(conn)
                self._sqlite.put_nowait(conn)
        else:
            from psycopg_pool import AsyncConnectionPool

            conninfo = self._url.set(drivername="postgresql").render_as_string(hide_password=False)
            self._pg_pool = AsyncConnectionPool(
                conninfo,
                min_size=1,
                max_size=self._pool_size,
                kwargs={"autocommit": True, "options": "-c TimeZone=UTC"},
                open=False,
            )
            await self._pg_pool.open(wait=True)

    async def close(self) -> None:
        if self._pg_pool is not None:
            await self._pg_pool.close()
            self._pg_pool = None
        for conn in self._sqlite_all:
            await conn.close()
        self._sqlite_all.clear()
        self._sqlite = None

    @contextlib.asynccontextmanager
    async def _sqlite_connection(self) -> AsyncIterator[Any]:
        assert self._sqlite is not None, "the read path is not open"
        conn = await self._sqlite.get()
        try:
            yield conn
        finally:
            self._sqlite.put_nowait(conn)

    # ------------------------------------------------------------ statements

    def compiled(self, query: ReadQuery, scope: AreaScope | None) -> Compiled:
        """`scope` None only for a query of no area data (`area=None`: a key looked up to authenticate, a queue)."""
        if scope is None and query.area is not None:
            raise TypeError(f"{query.key!r} reads area data: it needs the caller's scope")
        whole = scope is None or scope.whole_system
        key = (query.key, whole)
        found = self._cache.get(key)
        if found is None:
            stmt = query.build()
            if query.area is not None and not whole:
                column = query.area()
                stmt = stmt.where(and_(column >= bindparam("scope_low"), column < bindparam("scope_high")))
            if query.wrap is not None:
                stmt = query.wrap(stmt)
            found = self._cache[key] = compile_read(stmt, self.dialect)
        return found

    async def fetch(self, query: ReadQuery, scope: AreaScope | None, values: dict[str, Any]) -> list[dict[str, Any]]:
        """The rows of `query` for the caller's scope, as dicts of the selected columns."""
        compiled = self.compiled(query, scope)
        params = compiled.parameters({**values, **(scope_values(scope) if scope is not None else {})})
        if self.is_sqlite:
            async with self._sqlite_connection() as conn, conn.execute(compiled.sql, params) as cursor:
                raw = await cursor.fetchall()
        else:
            async with self._pg_pool.connection() as conn:
                raw = await (await conn.execute(compiled.sql, params)).fetchall()
        return compiled.rows(raw)

    async def scalar(self, query: ReadQuery, scope: AreaScope | None, values: dict[str, Any]) -> Any:
        rows = await self.fetch(query, scope, values)
        return next(iter(rows[0].values())) if rows else None

    # ------------------------------------------------------------ snapshots

    async def open_snapshot(self) -> Snapshot:
        """A read-only transaction on a connection of its own; the caller closes it (`Snapshot.close`)."""
        if self.is_sqlite:
            assert self._sqlite is not None, "the read path is not open"
            conn = await self._sqlite.get()
            try:
                await conn.execute("BEGIN")  # deferred: the WAL snapshot is taken by the first read
            except BaseException:
                self._sqlite.put_nowait(conn)
                raise
        else:
            conn = await self._pg_pool.getconn()
            try:
                await conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                await conn.execute("SET LOCAL DateStyle = 'ISO, YMD'")  # dates cast to text read 2016-05-10
            except BaseException:
                await self._pg_pool.putconn(conn)
                raise
        return Snapshot(self, conn)

    @contextlib.asynccontextmanager
    async def snapshot(self) -> AsyncIterator[Snapshot]:
        """`async with read.snapshot() as snap:` every read of the block sees one committed state."""
        snap = await self.open_snapshot()
        try:
            yield snap
        finally:
            await snap.close()

    async def _release(self, conn: Any) -> None:
        if self.is_sqlite:
            try:
                if conn.in_transaction:
                    await conn.execute("ROLLBACK")
            finally:
                assert self._sqlite is not None
                self._sqlite.put_nowait(conn)
        else:
            try:
                if not conn.closed and conn.info.transaction_status.name != "IDLE":
                    await conn.execute("ROLLBACK")
            except Exception:  # a broken connection: the pool discards it
                pass
            finally:
                await self._pg_pool.putconn(conn)


class Snapshot:
    """One read-only transaction of the read path: `fetch`, `scalar` and `stream` see the same committed state.
    Statements run one after another (one connection); `close` ends the transaction and returns the connection
    (idempotent, so a streamed response and its request scope may both call it)."""

    def __init__(self, read: ReadPath, conn: Any) -> None:
        self._read = read
        self._conn = conn
        self._streams: weakref.WeakSet[AsyncIterator[Any]] = weakref.WeakSet()
        self.closed = False

    def _bound(self, query: ReadQuery, scope: AreaScope | None, values: dict[str, Any]) -> tuple[Compiled, Any]:
        if self.closed:
            raise RuntimeError("the snapshot is closed")
        compiled = self._read.compiled(query, scope)
        return compiled, compiled.parameters({**values, **(scope_values(scope) if scope is not None else {})})

    async def fetch(self, query: ReadQuery, scope: AreaScope | None, values: dict[str, Any]) -> list[dict[str, Any]]:
        compiled, params = self._bound(query, scope, values)
        if self._read.is_sqlite:
            async with self._conn.execute(compiled.sql, params) as cursor:
                raw = await cursor.fetchall()
        else:
            raw = await (await self._conn.execute(compiled.sql, params)).fetchall()
        return compiled.rows(raw)

    async def scalar(self, query: ReadQuery, scope: AreaScope | None, values: dict[str, Any]) -> Any:
        rows = await self.fetch(query, scope, values)
        return next(iter(rows[0].values())) if rows else None

    def columns(self, query: ReadQuery, scope: AreaScope | None) -> tuple[str, ...]:
        return self._read.compiled(query, scope).columns

    def stream(
        self, query: ReadQuery, scope: AreaScope | None, values: dict[str, Any], *, batch: int = 2000
    ) -> AsyncIterator[Sequence[Sequence[Any]]]:
        """The rows of `query` in batches of up to `batch`, as sequences in column order (values through their
        types' processors); memory stays one batch whatever the size of the result. PostgreSQL streams the
        statement in chunks of `batch` rows (libpq's chunked-rows mode): the server sends rows as it produces
        them and waits while the client is busy, and the statement is planned like any query (parallel workers
        included, which a DECLAREd cursor would forbid), so it reads as fast as COPY of the same statement. A
        stream still open when the snapshot closes is closed first (its statement ends on the connection before
        the connection is given back)."""
        rows = self._stream(*self._bound(query, scope, values), batch=batch)
        self._streams.add(rows)
        return rows

    async def _stream(self, compiled: Compiled, params: Any, *, batch: int) -> AsyncIterator[Sequence[Sequence[Any]]]:
        if self._read.is_sqlite:
            async with self._conn.execute(compiled.sql, params) as cursor:
                while raw := await cursor.fetchmany(batch):
                    yield compiled.tuples(raw)
            return
        async with self._conn.cursor() as cursor:
            rows: list[Any] = []
            async for row in cursor.stream(compiled.sql, params, size=batch):
                rows.append(row)
                if len(rows) >= batch:
                    yield compiled.tuples(rows)
                    rows = []
            if rows:
                yield compiled.tuples(rows)

    async def close(self) -> None:
        if not self.closed:
            self.closed = True
            try:
                for rows in list(self._streams):
                    with contextlib.suppress(RuntimeError):  # one running elsewhere ends with the connection
                        await rows.aclose()  # type: ignore[attr-defined]
            finally:
                await self._read._release(self._conn)


async def get_read_path(request: Request) -> ReadPath:  # async: a plain def would run in a thread
    read_path: ReadPath = request.app.state.read_path
    return read_path


# the read path of the app, for list routes (they open no session and no transaction)
ReadDb = Annotated[ReadPath, Depends(get_read_path)]


class RequestSnapshots:
    """The snapshots one request opens, all closed when the request is over: after a streamed body has been
    sent, or when anything failed before (a streamed body may close its snapshot earlier itself)."""

    def __init__(self, read: ReadPath) -> None:
        self.read = read
        self._open: list[Snapshot] = []

    async def open(self) -> Snapshot:
        snap = await self.read.open_snapshot()
        self._open.append(snap)
        return snap

    async def close(self) -> None:
        while self._open:
            await self._open.pop().close()


async def request_snapshots(request: Request) -> AsyncIterator[RequestSnapshots]:
    # the default scope of a dependency with yield: its exit runs once the response (streamed body included) is sent
    snapshots = RequestSnapshots(request.app.state.read_path)
    try:
        yield snapshots
    finally:
        await snapshots.close()


ReadSnapshots = Annotated[RequestSnapshots, Depends(request_snapshots)]
