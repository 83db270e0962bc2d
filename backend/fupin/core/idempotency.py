"""Idempotency-Key on POST: the first successful response is stored (24 h) with a hash of the request;
a replay returns it, the same key with another body is a 422, and while the first is in flight a 409."""

from __future__ import annotations

import hashlib
import random
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Integer, LargeBinary, String, UniqueConstraint, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fupin.core.errors import problem_response
from fupin.core.models import Base, IdMixin, JSONType, utcnow
from fupin.core.security import InvalidToken, decode_access_token, sha256_hex


class IdempotencyRecord(IdMixin, Base):
    __tablename__ = "idempotency_records"
    principal_key: Mapped[str] = mapped_column(String(80), nullable=False)
    key: Mapped[str] = mapped_column(String(200), nullable=False)
    request_hash: Mapped[str] = mapped_column(String(64), nullable=False)
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


_KEPT_HEADERS = {"content-type", "location", "etag"}


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp, hours: int = 24) -> None:
        self.app = app
        self.hours = hours

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        headers = {k.decode().lower(): v.decode("latin-1") for k, v in scope["headers"]}
        key = headers.get("idempotency-key")
        who = principal_key(headers.get("authorization")) if key else None
        if not key or who is None:
            await self.app(scope, receive, send)
            return
        if len(key) > 200:
            await problem_response(400, "idempotency.key_too_long", "Idempotency-Key is at most 200 characters.")(
                scope, receive, send
            )
            return
        body = b""
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
        digest = hashlib.sha256(scope["path"].encode() + b"\n" + body).hexdigest()
        maker: async_sessionmaker[AsyncSession] = scope["app"].state.sessionmaker
        outcome = await self._claim(maker, who, key, digest)
        if isinstance(outcome, IdempotencyRecord):
            if outcome.request_hash != digest:
                await problem_response(
                    422, "idempotency.key_reused", "This Idempotency-Key was used with a different request."
                )(scope, receive, send)
            elif outcome.state != "done":
                await problem_response(
                    409,
                    "idempotency.in_progress",
                    "A request with this Idempotency-Key is still being processed.",
                )(scope, receive, send)
            else:
                replay_headers = [(k.encode(), v.encode()) for k, v in (outcome.response_headers or [])]
                replay_headers.append((b"idempotent-replayed", b"true"))
                await send(
                    {
                        "type": "http.response.start",
                        "status": outcome.status_code or 200,
                        "headers": replay_headers,
                    }
                )
                await send({"type": "http.response.body", "body": outcome.response_body or b""})
            return

        sent_body = False

        async def replay_receive() -> Message:
            nonlocal sent_body
            if not sent_body:
                sent_body = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        status = 500
        resp_headers: list[list[str]] = []
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal status, resp_headers
            if message["type"] == "http.response.start":
                status = message["status"]
                resp_headers = [
                    [k.decode(), v.decode("latin-1")]
                    for k, v in message.get("headers", [])
                    if k.decode().lower() in _KEPT_HEADERS
                ]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, replay_receive, capture)
        finally:
            await self._finish(maker, who, key, status, resp_headers, b"".join(chunks))

    async def _claim(
        self, maker: async_sessionmaker[AsyncSession], who: str, key: str, digest: str
    ) -> IdempotencyRecord | None:
        """None: we own the key now. A record: someone used it before."""
        if random.random() < 0.01:  # keep the table small without a scheduler
            async with maker() as session:
                await purge_expired(session)
                await session.commit()
        for _ in range(3):
            async with maker() as session:
                now = utcnow()
                existing = (
                    await session.execute(
                        select(IdempotencyRecord).where(
                            IdempotencyRecord.principal_key == who, IdempotencyRecord.key == key
                        )
                    )
                ).scalar_one_or_none()
                if existing is not None and existing.expires_at > now:
                    return existing
                if existing is not None:
                    await session.delete(existing)
                    await session.flush()
                session.add(
                    IdempotencyRecord(
                        principal_key=who,
                        key=key,
                        request_hash=digest,
                        state="in_flight",
                        created_at=now,
                        expires_at=now + timedelta(hours=self.hours),
                    )
                )
                try:
                    await session.commit()
                    return None
                except IntegrityError:
                    await session.rollback()
        return None

    async def _finish(
        self,
        maker: async_sessionmaker[AsyncSession],
        who: str,
        key: str,
        status: int,
        headers: list[list[str]],
        body: bytes,
    ) -> None:
        async with maker() as session:
            record = (
                await session.execute(
                    select(IdempotencyRecord).where(
                        IdempotencyRecord.principal_key == who, IdempotencyRecord.key == key
                    )
                )
            ).scalar_one_or_none()
            if record is None:
                return
            if 200 <= status < 300:
                record.state = "done"
                record.status_code = status
                record.response_headers = headers
                record.response_body = body
            else:
                # Nothing was stored by a failed request, so the client may retry with the same key.
                await session.delete(record)
            await session.commit()


async def purge_expired(session: AsyncSession) -> int:
    result: Any = await session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.expires_at <= utcnow()))
    return int(result.rowcount or 0)
