"""The dispatcher: change-feed entries become deliveries, deliveries are sent, signed, and retried.

`dispatch_once(session_factory, now=...)` does one round (the tests call it with a simulated `now`); the
`Dispatcher` runs rounds in the background of the in-process worker and of `fupin worker`.

1. Fan-out: per active subscription, in one transaction, the feed entries after its cursor that lie inside its
   area (`authz.deps.webhook_scope`) and match its events become delivery rows, and the cursor moves past every
   entry read. Rows and cursor commit together, so an entry is never turned into two deliveries or lost. On
   PostgreSQL the subscription row is locked with SKIP LOCKED, so dispatchers of several instances share the work.
2. Claim: due deliveries are taken in a short transaction that pushes their `next_attempt_at` out by a lease, so
   no other dispatcher sends them meanwhile.
3. Send, outside any transaction: POST the body with `X-Fupin-Signature` (current secret, and the previous one for
   24 h after a rotation). A 2xx is delivered.
4. Record, in a new transaction: the attempt (status or error, duration), the new state and the next attempt
   (exponential backoff with jitter, for `webhook_retry_hours`; then `gave_up`).

A crash between 3 and 4 leaves the claim to expire and the delivery is sent again: delivery is at least once, and
receivers deduplicate by `X-Fupin-Delivery`. The dispatcher's own bookkeeping (cursor, deliveries, attempts) is
not a change of the register: it writes no audit event and no feed entry (else every delivery would beget another).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import delete, event, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from fupin.audit.models import ChangeEntry
from fupin.audit.positions import encode_position
from fupin.authz.deps import webhook_scope
from fupin.authz.roles import Permission
from fupin.authz.scope import unscoped
from fupin.config import Settings, get_settings
from fupin.core.db import make_sessionmaker
from fupin.core.models import utcnow
from fupin.core.readpath import ReadPath
from fupin.users.service import current_permissions
from fupin.webhooks import repository as repo
from fupin.webhooks import signing
from fupin.webhooks.addresses import AddressRefused, check_resolved
from fupin.webhooks.events import event_name, matches
from fupin.webhooks.models import OPEN_STATES, WebhookAttempt, WebhookDelivery, WebhookSubscription
from fupin.webhooks.service import WAKE

log = logging.getLogger("fupin.webhooks")
SessionFactory = Callable[[], AsyncSession]
USER_AGENT = "Fupin-Webhooks/1"
FEED_BATCH = 500
MAX_FEED_BATCHES = 20  # per subscription and round
MAX_SENDS = 100  # per round
PARALLEL_SENDS = 10
BACKOFF_BASE_SECONDS = 30.0
BACKOFF_CAP_SECONDS = 6 * 3600.0
BACKOFF_JITTER = 0.2  # up to +20%
CLAIM_MARGIN_SECONDS = 60.0
RESPONSE_EXCERPT = 200


def backoff(attempt: int, rng: random.Random | None = None) -> timedelta:
    """The wait after failed attempt number `attempt` (1, 2, ...): 30 s × 2^(attempt-1), capped at 6 h, plus up
    to 20% jitter (so receivers recovering from an outage are not hit by every retry at once)."""
    delay = min(BACKOFF_BASE_SECONDS * 2 ** max(attempt - 1, 0), BACKOFF_CAP_SECONDS)
    return timedelta(seconds=delay * (1 + BACKOFF_JITTER * (rng or random).random()))


def body_bytes(payload: dict[str, Any]) -> bytes:
    """The exact bytes sent (and signed): compact JSON, keys sorted, so every attempt sends the same body."""
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def feed_payload(delivery_id: str, entry: ChangeEntry, sub: WebhookSubscription) -> dict[str, Any]:
    return {
        "id": delivery_id,
        "seq": entry.seq,
        "event": event_name(entry.entity_type, entry.action),
        "entity_type": entry.entity_type,
        "entity_id": entry.entity_id,
        "external_id": getattr(entry, "external_id", None),  # once the feed carries it
        "region_code": entry.region_code,
        "version": entry.version,
        "occurred_at": entry.occurred_at.isoformat(),
        "changes_position": encode_position(entry.seq),
    }


@dataclass
class DispatchReport:
    created: int = 0  # deliveries made from feed entries
    sent: int = 0
    delivered: int = 0
    failed: int = 0  # will be retried
    gave_up: int = 0
    purged: int = 0


@dataclass(frozen=True, slots=True)
class Claimed:
    pk: int
    attempt: int  # attempts made before this one
    public_id: str
    event: str
    url: str
    body: bytes
    signing_secrets: tuple[str, ...]
    created_at: datetime
    secret_error: str | None = None


@dataclass(slots=True)
class Outcome:
    status_code: int | None = None
    error: str | None = None
    duration_ms: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def _skip_locked(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


# ---------------------------------------------------------------- 1. fan-out


async def fan_out(session_factory: SessionFactory, *, now: datetime) -> int:
    async with session_factory() as session, session.begin():
        ids = list(
            (
                await session.execute(
                    select(WebhookSubscription.id)
                    .where(WebhookSubscription.active.is_(True))
                    .order_by(WebhookSubscription.id)
                    .execution_options(**unscoped("the dispatcher serves the subscriptions of every area"))
                )
            ).scalars()
        )
    created = 0
    for pk in ids:
        for _ in range(MAX_FEED_BATCHES):
            made, more = await _fan_out_batch(session_factory, pk, now=now)
            created += made
            if not more:
                break
    return created


async def _fan_out_batch(session_factory: SessionFactory, pk: int, *, now: datetime) -> tuple[int, bool]:
    """One batch of feed entries for one subscription: (deliveries made, whether the feed has more)."""
    async with session_factory() as session, session.begin():
        stmt = (
            select(WebhookSubscription)
            .where(WebhookSubscription.id == pk, WebhookSubscription.active.is_(True))
            .with_for_update(skip_locked=_skip_locked(session))
            .execution_options(**unscoped("the dispatcher's own subscription row"), populate_existing=True)
        )
        sub = (await session.execute(stmt)).scalar_one_or_none()
        if sub is None:
            return 0, False  # gone, deactivated, or another dispatcher holds it
        # Every number up to the committed head is committed (numbers follow commit order), so once a batch
        # comes back short, the cursor may move to the head: the area's quiet stretch is not read again.
        head = await repo.feed_head(session)
        entries = list(
            (
                await session.execute(
                    webhook_scope(sub.region_code)
                    .select(ChangeEntry)
                    .where(ChangeEntry.seq > sub.cursor_seq)
                    .order_by(ChangeEntry.seq)
                    .limit(FEED_BATCH)
                )
            ).scalars()
        )
        full = len(entries) == FEED_BATCH
        cursor = entries[-1].seq if full else max(head, entries[-1].seq if entries else 0)
        # an owner that can no longer manage webhooks (user deactivated, key revoked or expired, role taken
        # away) is sent nothing: the entries are passed over
        allowed = entries and Permission.WEBHOOKS_MANAGE in await current_permissions(
            session, kind=sub.owner_type, public_id=sub.owner_id
        )
        made = 0
        for entry in entries if allowed else ():
            name = event_name(entry.entity_type, entry.action)
            if not matches(sub.events, name):
                continue
            delivery_id = uuid.uuid4()
            session.add(
                WebhookDelivery(
                    public_id=delivery_id,
                    subscription_id=sub.id,
                    seq=entry.seq,
                    event=name,
                    payload=feed_payload(str(delivery_id), entry, sub),
                    state="pending",
                    attempt=0,
                    created_at=now,
                    next_attempt_at=now,
                )
            )
            made += 1
        if cursor > sub.cursor_seq:
            # a plain UPDATE: the cursor is the dispatcher's, not a change of the subscription (no new version)
            await session.execute(
                update(WebhookSubscription).where(WebhookSubscription.id == sub.id).values(cursor_seq=cursor)
            )
        return made, full


# ---------------------------------------------------------------- 2. claim


def _secrets_of(sub: WebhookSubscription, *, now: datetime, secret_key: str) -> tuple[str, ...]:
    found = [signing.decrypt_secret(sub.secret_encrypted, secret_key=secret_key)]
    if sub.previous_secret_encrypted and sub.previous_secret_until is not None and sub.previous_secret_until > now:
        found.append(signing.decrypt_secret(sub.previous_secret_encrypted, secret_key=secret_key))
    return tuple(found)


async def claim_due(
    session_factory: SessionFactory, *, now: datetime, settings: Settings, limit: int = MAX_SENDS
) -> list[Claimed]:
    """Due deliveries of active subscriptions (pings: of any), oldest due first, held for the send's length."""
    lease = timedelta(seconds=settings.webhook_timeout_seconds + CLAIM_MARGIN_SECONDS)
    async with session_factory() as session, session.begin():
        stmt = (
            select(WebhookDelivery, WebhookSubscription)
            .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
            .where(
                WebhookDelivery.state.in_(OPEN_STATES),
                WebhookDelivery.next_attempt_at <= now,
                or_(WebhookSubscription.active.is_(True), WebhookDelivery.seq.is_(None)),
            )
            .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
            .limit(limit)
            .with_for_update(skip_locked=_skip_locked(session), of=WebhookDelivery)
            .execution_options(**unscoped("the dispatcher sends the deliveries of every area"))
        )
        rows = (await session.execute(stmt)).all()
        claimed: list[Claimed] = []
        for delivery, sub in rows:
            secret_error = None
            try:
                found = _secrets_of(sub, now=now, secret_key=settings.secret_key)
            except signing.SecretUnreadable as exc:
                found, secret_error = (), f"{exc}; rotate the secret"
            claimed.append(
                Claimed(
                    pk=delivery.id,
                    attempt=delivery.attempt,
                    public_id=str(delivery.public_id),
                    event=delivery.event,
                    url=sub.url,
                    body=body_bytes(delivery.payload),
                    signing_secrets=found,
                    created_at=delivery.created_at,
                    secret_error=secret_error,
                )
            )
            delivery.next_attempt_at = now + lease
        return claimed


# ---------------------------------------------------------------- 3. send


def headers_for(claimed: Claimed, *, timestamp: int) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Fupin-Event": claimed.event,
        "X-Fupin-Delivery": claimed.public_id,
        signing.SIGNATURE_HEADER: signing.signature_header(claimed.signing_secrets, timestamp, claimed.body),
    }


async def send(client: httpx.AsyncClient, claimed: Claimed, *, now: datetime | None, settings: Settings) -> Outcome:
    """One attempt; never raises. The signature's timestamp is the clock's at sending (or a simulated `now`)."""
    if claimed.secret_error:
        return Outcome(error=claimed.secret_error)
    started = time.perf_counter()
    outcome = Outcome()
    try:
        if not settings.webhook_allow_private:
            await check_resolved(claimed.url, timeout=settings.webhook_timeout_seconds)
        headers = headers_for(claimed, timestamp=int((now or utcnow()).timestamp()))
        async with client.stream("POST", claimed.url, content=claimed.body, headers=headers) as response:
            outcome.status_code = response.status_code
            if not outcome.ok:
                excerpt = b""
                async for chunk in response.aiter_bytes():
                    excerpt += chunk
                    if len(excerpt) >= RESPONSE_EXCERPT:
                        break
                text = excerpt[:RESPONSE_EXCERPT].decode("utf-8", "replace").strip()
                outcome.error = f"HTTP {response.status_code}" + (f": {text}" if text else "")
    except AddressRefused as exc:
        outcome.error = f"refused: {exc}"
    except TimeoutError:
        outcome.error = "TimeoutError: the receiver's address did not resolve in time"
    except (httpx.HTTPError, OSError) as exc:
        outcome.error = f"{type(exc).__name__}: {exc}"[:500] or type(exc).__name__
    outcome.duration_ms = int((time.perf_counter() - started) * 1000)
    return outcome


# ---------------------------------------------------------------- 4. record


async def record(
    session_factory: SessionFactory,
    claimed: Claimed,
    outcome: Outcome,
    *,
    now: datetime,
    settings: Settings,
    rng: random.Random | None = None,
) -> str | None:
    """The attempt and the delivery's new state; None when the delivery is gone or another dispatcher recorded
    this attempt already (its claim had run out)."""
    async with session_factory() as session, session.begin():
        stmt = (
            select(WebhookDelivery)
            .where(WebhookDelivery.id == claimed.pk, WebhookDelivery.attempt == claimed.attempt)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        delivery = (await session.execute(stmt)).scalar_one_or_none()
        if delivery is None:
            return None
        delivery.attempt += 1
        delivery.last_attempt_at = now
        delivery.status_code = outcome.status_code
        delivery.error = outcome.error
        delivery.duration_ms = outcome.duration_ms
        if outcome.ok:
            delivery.state = "delivered"
            delivery.delivered_at = now
            delivery.next_attempt_at = None
        else:
            retry_at = now + backoff(delivery.attempt, rng)
            if retry_at > delivery.created_at + timedelta(hours=settings.webhook_retry_hours):
                delivery.state = "gave_up"
                delivery.next_attempt_at = None
            else:
                delivery.state = "failed"
                delivery.next_attempt_at = retry_at
        session.add(
            WebhookAttempt(
                delivery_id=delivery.id,
                attempt=delivery.attempt,
                started_at=now,
                duration_ms=outcome.duration_ms,
                status_code=outcome.status_code,
                error=outcome.error,
            )
        )
        return delivery.state


async def purge(session_factory: SessionFactory, *, now: datetime, settings: Settings) -> int:
    """Finished deliveries (and their attempts) older than `webhook_log_days`."""
    before = now - timedelta(days=settings.webhook_log_days)
    async with session_factory() as session, session.begin():
        result = await session.execute(
            delete(WebhookDelivery).where(
                WebhookDelivery.state.in_(("delivered", "gave_up")), WebhookDelivery.created_at < before
            )
        )
        return int(getattr(result, "rowcount", 0) or 0)


# ---------------------------------------------------------------- one round, and the background loop


def new_client(settings: Settings) -> httpx.AsyncClient:
    return httpx.AsyncClient(timeout=settings.webhook_timeout_seconds, follow_redirects=False, trust_env=False)


async def dispatch_once(
    session_factory: SessionFactory,
    *,
    now: datetime | None = None,
    settings: Settings | None = None,
    client: httpx.AsyncClient | None = None,
    rng: random.Random | None = None,
    purge_log: bool = False,
) -> DispatchReport:
    """One round: fan out the feed, send what is due at `now`, record the outcomes. Without `now` the clock's
    time is used, and each signature carries the time it was made; with `now` (tests) everything happens then."""
    simulated = now
    now = now or utcnow()
    settings = settings or get_settings()
    report = DispatchReport()
    report.created = await fan_out(session_factory, now=now)
    claimed = await claim_due(session_factory, now=now, settings=settings)
    if claimed:
        own_client = client is None
        http = client or new_client(settings)
        try:
            gate = asyncio.Semaphore(PARALLEL_SENDS)

            async def one(item: Claimed) -> tuple[Claimed, Outcome]:
                async with gate:
                    return item, await send(http, item, now=simulated, settings=settings)

            outcomes = await asyncio.gather(*(one(item) for item in claimed))
        finally:
            if own_client:
                await http.aclose()
        for item, outcome in outcomes:
            state = await record(session_factory, item, outcome, now=now, settings=settings, rng=rng)
            report.sent += 1
            if state == "delivered":
                report.delivered += 1
            elif state == "failed":
                report.failed += 1
            elif state == "gave_up":
                report.gave_up += 1
    if purge_log:
        report.purged = await purge(session_factory, now=now, settings=settings)
    return report


_WAKERS: set[asyncio.Event] = set()


@event.listens_for(Session, "after_commit")
def _wake_after_commit(session: Session) -> None:
    """A request that queued a delivery (a ping) wakes the dispatchers of this process once it has committed."""
    if session.get_nested_transaction() is None and session.info.pop(WAKE, False):
        for waker in list(_WAKERS):
            waker.set()


@event.listens_for(Session, "after_soft_rollback")
def _forget_wake(session: Session, previous_transaction: Any) -> None:
    session.info.pop(WAKE, None)


class Dispatcher:
    """Rounds of `dispatch_once` every `webhook_poll_seconds` (at once when a request queued a ping), after a
    cheap look on the read path for anything to do; the finished log is purged once an hour."""

    PURGE_EVERY = timedelta(hours=1)

    def __init__(self, engine: AsyncEngine, read: ReadPath | None, settings: Settings) -> None:
        self.sessions: async_sessionmaker[AsyncSession] = make_sessionmaker(engine, area_guard=True)
        self.read = read
        self.settings = settings
        self.stopping = asyncio.Event()
        self.woken = asyncio.Event()
        self.last_purge = utcnow()  # the first purge an hour after start: starting costs no write

    def wake(self) -> None:
        self.woken.set()

    def stop(self) -> None:
        self.stopping.set()
        self.woken.set()

    async def round(self, client: httpx.AsyncClient) -> DispatchReport | None:
        now = utcnow()
        purge_due = now - self.last_purge >= self.PURGE_EVERY
        if not purge_due and self.read is not None and not await repo.has_work(self.read, now):
            return None
        if purge_due:
            self.last_purge = now
        return await dispatch_once(self.sessions, settings=self.settings, client=client, purge_log=purge_due)

    async def run_forever(self) -> None:
        _WAKERS.add(self.woken)
        try:
            async with new_client(self.settings) as client:
                while not self.stopping.is_set():
                    try:
                        await self.round(client)
                    except Exception:
                        log.exception("webhook dispatcher: round failed")
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self.woken.wait(), self.settings.webhook_poll_seconds)
                    self.woken.clear()
        finally:
            _WAKERS.discard(self.woken)
