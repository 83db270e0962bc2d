"""Who acts, and the per-request context (request id, client) carried to the audit trail without threading it
through calls."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    """Who does a write. Principals convert themselves with `as_actor()`; the command line uses `SYSTEM_ACTOR`."""

    type: str
    id: str | None
    name: str | None


SYSTEM_ACTOR = Actor("system", None, "system")


@dataclass(frozen=True)
class RequestContext:
    request_id: str
    client_ip: str | None = None
    user_agent: str | None = None


_current: ContextVar[RequestContext | None] = ContextVar("fupin_request_context", default=None)


def set_request_context(ctx: RequestContext) -> object:
    return _current.set(ctx)


def reset_request_context(token: object) -> None:
    _current.reset(token)  # type: ignore[arg-type]


def current_request_context() -> RequestContext:
    return _current.get() or RequestContext(request_id="cli")
