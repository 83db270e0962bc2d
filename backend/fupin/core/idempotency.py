"""Idempotency-Key on POST: the first successful response is stored (24 h) with a hash of the request; a replay
returns it (header `Idempotent-Replayed: true`), the same key with another body is a 422, and while the first is
genuinely in flight a 409.

The key's record is written in the same transaction as the request's effects, so no crash can separate them:

1. The middleware opens the request's session itself and claims the key in it: on PostgreSQL with a
   transaction-scoped advisory lock on (caller, key), taken without waiting (held by another open transaction:
   409 `idempotency.in_progress`); on SQLite every write transaction is serialised anyway (BEGIN IMMEDIATE), so
   a second request with the key waits for the first and then replays it. In that transaction it reads the
   key's record: a stored response is replayed (or 422 for another body); an expired record, or an "in_flight"
   one left by an earlier version that claimed keys in a transaction of their own and crashed, is deleted.
2. The app runs with that session (`core.db.get_session` hands it out and only flushes it) while the response is
   captured, not sent.
3. A 2xx: the record (status, kept headers, body) is added to the same session, which is committed once, effects
   and record together; only then is the response sent. If that commit fails (and is rolled back): a unique
   violation on (principal_key, key) means another transaction stored the key first (only a writer that skips
   the claim can, e.g. an earlier version during a rolling upgrade): its response is replayed; any other failure
   answers 503 `idempotency.not_stored`, and the client's retry with the same key replays or runs anew.
   Another status stores no record: a request that raised was rolled back already, and the work of one that
   answered it without raising (a revocation that must stand) is committed as it would be without a key.

A crash before the commit leaves neither effects nor record (the retry runs anew); after it, both (the retry
replays). The response of an idempotent POST is buffered whole, and background tasks attached to it would run
before the commit, so such routes must not use them; all their database work goes through `DbSession` (on
SQLite a second session of the same request would wait for this one's write lock).
"""

from __future__ import annotations

import hashlib
import random
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Integer, LargeBinary, String, UniqueConstraint, delete, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fupin.core.db import HELD_SESSION, HeldSession
from fupin.core.errors import problem_response
from fupin.core.models import Base, IdMixin, JSONType, utcnow
from fupin.core.security import InvalidToken, decode_access_token, sha256_hex


class IdempotencyRecord(IdMixin, Base):
    __tablename__ = "idempotency_records"
    principal_key: Mapped[str] = mapped_column(String(80), nullable=False)
    key: Mapped[str] = mapped_column(String(200), nullable=False)
    request_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    # "done"; "in_flight" only in rows left by earlier versions (treated as abandoned)
    state: Mapped[str] = mapped_column(String(12), nullable=False)
    status_code: Mapped[int | None] = mapped_column(Integer)
    response_headers: Mapped[list[list[str]] | None] = mapped_column(JSONType)
    response_body: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(nullable=False)
    expires_at: Mapped[datetime] = mapped_column(nullable=False, index=True)

    __table_args__ = (UniqueConstraint("principal_key", "key", name="uq_idempotency_principal_key"),)


def principal_key(authorization: str | None) -> str | None:
    if not authorization or not authorization.lower().startswith("bearer "):
        return None
    token = authorization[7:].strip()
    if token.startswith("fp_"):
        return "key:" + sha256_hex(token)[:32]
    try:
        claims = decode_access_token(token)
    except InvalidToken:
        return None
    return f"user:{claims.get('sub')}"


def request_digest(path: str, body: bytes) -> str:
    return hashlib.sha256(path.encode() + b"\n" + body).hexdigest()


def multipart_boundary(content_type: str) -> bytes | None:
    kind, _, rest = content_type.partition(";")
    if kind.strip().lower() != "multipart/form-data":
        return None
    for part in rest.split(";"):
        name, _, value = part.strip().partition("=")
        if name.lower() == "boundary" and value.strip('"'):
            return value.strip('"').encode("latin-1")
    return None


def multipart_digest(path: str, spool: Any, boundary: bytes) -> str:
    """The digest of a multipart body without its boundary: a client's retry of the same upload (same fields, same
    file) draws a new random boundary, and is still the same request. Delimiters start a line (after CRLF), so
    they are found line by line; the body is read back in bounded pieces."""
    hasher = hashlib.sha256(path.encode() + b"\n")
    delimiter = b"--" + boundary
    spool.seek(0)
    while piece := spool.readline(65536):
        hasher.update(piece.replace(boundary, b"") if piece.startswith(delimiter) else piece)
    return hasher.hexdigest()


def lock_id(who: str, key: str) -> int:
    """The PostgreSQL advisory lock (a signed 64-bit number) standing for one caller's key."""
    digest = hashlib.sha256(f"idempotency\n{who}\n{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


_KEPT_HEADERS = {"content-type", "location", "etag"}


def _in_progress() -> ASGIApp:
    return problem_response(
        409, "idempotency.in_progress", "A request with this Idempotency-Key is still being processed."
    )


def _answer(record: IdempotencyRecord, digest: str) -> ASGIApp:
    """The answer to a request whose key has a stored response."""
    if record.request_hash != digest:
        return problem_response(
            422, "idempotency.key_reused", "This Idempotency-Key was used with a different request."
        )
    status = record.status_code or 200
    headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in (record.response_headers or [])]
    headers.append((b"idempotent-replayed", b"true"))
    body = record.response_body or b""

    async def replay(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return replay


@dataclass
class _Captured:
    """The app's response, held back until the transaction is committed."""

    messages: list[Message] = field(default_factory=list)
    status: int = 500
    headers: list[list[str]] = field(default_factory=list)

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.headers = [
                [k.decode("latin-1"), v.decode("latin-1")]
                for k, v in message.get("headers", [])
                if k.decode("latin-1").lower() in _KEPT_HEADERS
            ]
        self.messages.append(message)

    @property
    def body(self) -> bytes:
        return b"".join(m.get("body", b"") for m in self.messages if m["type"] == "http.response.body")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        for message in self.messages:
            await send(message)


# POSTs that only read (a comparison, nothing to replay) and stream their body: passed through untouched, so a
# whole county's NDJSON is never buffered here
READ_ONLY_POSTS = frozenset({"/api/v1/reconcile"})
SPOOL_IN_MEMORY = 1024 * 1024
REPLAY_CHUNK = 64 * 1024


class IdempotencyMiddleware:
    """See the module's docstring. The request body is hashed as it arrives and kept in a spooled file (in memory
    up to 1 MB, then on disk), so a large upload (`large_bodies`: path -> limit) is never held whole in memory;
    past its limit the request is a 413."""

    def __init__(self, app: ASGIApp, hours: int = 24, large_bodies: dict[str, int] | None = None) -> None:
        self.app = app
        self.hours = hours
        self.large_bodies = large_bodies or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        headers = {k.decode().lower(): v.decode("latin-1") for k, v in scope["headers"]}
        key = headers.get("idempotency-key")
        if key is not None and len(key) > 200:  # as the contract says for every POST, whoever calls
            await problem_response(400, "idempotency.key_too_long", "Idempotency-Key is at most 200 characters.")(
                scope, receive, send
            )
            return
        who = principal_key(headers.get("authorization")) if key else None
        if not key or who is None or scope["path"] in READ_ONLY_POSTS:
            await self.app(scope, receive, send)
            return
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY) as spool:
            hasher = hashlib.sha256(scope["path"].encode() + b"\n")
            limit = self.large_bodies.get(scope["path"])
            size = 0
            more = True
            while more:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return
                chunk = message.get("body", b"")
                size += len(chunk)
                if limit is not None and size > limit:
                    await problem_response(413, "payload_too_large", f"The request body exceeds {limit} bytes.")(
                        scope, receive, send
                    )
                    return
                hasher.update(chunk)
                spool.write(chunk)
                more = message.get("more_body", False)
            boundary = multipart_boundary(headers.get("content-type", ""))
            digest = hasher.hexdigest() if boundary is None else multipart_digest(scope["path"], spool, boundary)
            spool.seek(0)
            await self._run(scope, receive, send, spool, digest, who, key)

    async def _run(
        self, scope: Scope, receive: Receive, send: Send, spool: Any, digest: str, who: str, key: str
    ) -> None:
        maker: async_sessionmaker[AsyncSession] = scope["app"].state.sessionmaker
        if random.random() < 0.01:  # keep the table small without a scheduler
            async with maker() as session:
                await purge_expired(session)
                await session.commit()

        sent_body = False

        async def replay_receive() -> Message:
            nonlocal sent_body
            if not sent_body:
                chunk = spool.read(REPLAY_CHUNK)
                more = len(chunk) == REPLAY_CHUNK
                sent_body = not more
                return {"type": "http.request", "body": chunk, "more_body": more}
            return await receive()

        async with maker() as session:
            known = await self._claim(session, who, key, digest)
            if known is not None:
                await session.rollback()
                answer = known
            else:
                held = HeldSession(session)
                captured = _Captured()
                scope[HELD_SESSION] = held
                try:
                    await self.app(scope, replay_receive, captured.send)
                finally:
                    scope.pop(HELD_SESSION, None)
                answer = await self._settle(held, captured, who, key, digest)
        await answer(scope, receive, send)

    async def _claim(self, session: AsyncSession, who: str, key: str, digest: str) -> ASGIApp | None:
        """None: the key is ours for this transaction. Else the answer to give instead of running the request."""
        if (await session.connection()).dialect.name == "postgresql":
            locked = (
                await session.execute(text("SELECT pg_try_advisory_xact_lock(:id)"), {"id": lock_id(who, key)})
            ).scalar_one()
            if not locked:
                return _in_progress()
        record = await _lookup(session, who, key)
        if record is None:
            return None
        if record.state == "done" and record.expires_at > utcnow():
            return _answer(record, digest)
        # expired, or claimed in a transaction of its own by an earlier version that never finished
        session.expunge(record)
        await session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.id == record.id))
        return None

    async def _settle(self, held: HeldSession, captured: _Captured, who: str, key: str, digest: str) -> ASGIApp:
        """Commit the request's transaction (with the key's record after a 2xx) and say what to answer."""
        session = held.session
        if held.failed:
            return captured  # the request's work was rolled back; nothing to store
        if not captured.messages:  # the app answered nothing: store nothing either
            await session.rollback()
            return problem_response(500, "internal_error", "An unexpected error occurred.")
        stored = 200 <= captured.status < 300
        if stored:
            now = utcnow()
            session.add(
                IdempotencyRecord(
                    principal_key=who,
                    key=key,
                    request_hash=digest,
                    state="done",
                    status_code=captured.status,
                    response_headers=captured.headers,
                    response_body=captured.body,
                    created_at=now,
                    expires_at=now + timedelta(hours=self.hours),
                )
            )
        try:
            await session.commit()
        except IntegrityError:
            await session.rollback()
            winner = await _lookup(session, who, key) if stored else None
            answer = _answer(winner, digest) if winner is not None and winner.state == "done" else _not_stored()
            await session.rollback()
            return answer
        except Exception:
            await session.rollback()
            return _not_stored()
        return captured


def _not_stored() -> ASGIApp:
    return problem_response(
        503,
        "idempotency.not_stored",
        "The request's outcome could not be saved; retry it with the same Idempotency-Key "
        "(a stored result is replayed, otherwise it runs anew).",
        headers={"Retry-After": "1"},
    )


async def _lookup(session: AsyncSession, who: str, key: str) -> IdempotencyRecord | None:
    stmt = select(IdempotencyRecord).where(IdempotencyRecord.principal_key == who, IdempotencyRecord.key == key)
    return (await session.execute(stmt)).scalar_one_or_none()


async def purge_expired(session: AsyncSession) -> int:
    result: Any = await session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.expires_at <= utcnow()))
    return int(result.rowcount or 0)
