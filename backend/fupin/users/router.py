from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import JSONResponse

from fupin.authz.deps import ApiKeyManager, CurrentPrincipal, UserManager
from fupin.authz.scope import unscoped
from fupin.core.db import DbSession
from fupin.core.errors import ProblemError, problem_response
from fupin.core.openapi import WRITE, problems
from fupin.core.schemas import record_view
from fupin.regions import repository as regions
from fupin.users import service
from fupin.users.models import ApiKey, User
from fupin.users.ratelimit import SlidingWindow
from fupin.users.schemas import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyList,
    ApiKeyOut,
    MeOut,
    RefreshIn,
    TokenOut,
    UserCreate,
    UserList,
    UserOut,
    UserUpdate,
)

router = APIRouter(prefix="/api/v1", tags=["auth"])


def _client_ip(request: Request) -> str:
    return request.client.host if request.client else "?"


def _limit(request: Request, username: str) -> None:
    """429 while the address or the username is throttled. The address is checked first and alone: a throttled
    address answers without looking at (or remembering) the username it sent."""
    limiter: SlidingWindow = request.app.state.login_limiter
    wait = limiter.retry_after(f"ip:{_client_ip(request)}") or limiter.retry_after(f"user:{username.lower()}")
    if wait:
        raise ProblemError(
            429,
            "auth.rate_limited",
            "登录尝试过于频繁, 请稍后再试 (too many login attempts)",
            headers={"Retry-After": str(wait)},
        )


@router.post("/auth/token", response_model=TokenOut, operation_id="auth-token", responses=problems())
async def token(
    request: Request,
    session: DbSession,
    username: Annotated[str, Form(min_length=1, max_length=60)],
    password: Annotated[str, Form(min_length=1, max_length=200)],
) -> TokenOut:
    """OAuth2 password flow: a short-lived access token and a rotating refresh token."""
    _limit(request, username)
    limiter: SlidingWindow = request.app.state.login_limiter
    try:
        return await service.login(session, username, password=password)
    except ProblemError:
        limiter.hit(f"ip:{_client_ip(request)}")
        limiter.hit(f"user:{username.lower()}")
        raise


@router.post("/auth/refresh", response_model=TokenOut, operation_id="auth-refresh", responses=problems())
async def refresh(body: RefreshIn, session: DbSession) -> TokenOut | JSONResponse:
    """Exchange a refresh token for a new pair. Presenting a used token again revokes its whole session."""
    tokens = await service.refresh(session, body.refresh_token)
    if tokens is None:
        err = service.INVALID_REFRESH
        return problem_response(err.status, err.code, err.detail)
    return tokens


@router.post("/auth/logout", status_code=204, operation_id="auth-logout", responses=problems())
async def logout(body: RefreshIn, session: DbSession) -> Response:
    await service.logout(session, body.refresh_token)
    return Response(status_code=204)


@router.get("/me", response_model=MeOut, operation_id="me-get", responses=problems())
async def me(principal: CurrentPrincipal, session: DbSession) -> MeOut:
    region_name = None
    if principal.region_code:
        region = await regions.get_scoped(session, principal.scope, principal.region_code)
        region_name = region.name if region else None
    username = principal.name
    cadre_id = uuid.UUID(principal.cadre_id) if principal.cadre_id else None
    if principal.kind == "user":
        user = await session.get(User, principal.id, execution_options=unscoped("the caller itself"))
        username = user.username if user else principal.name
    return MeOut(
        id=uuid.UUID(principal.public_id),
        kind=principal.kind,
        username=username,
        display_name=principal.name,
        roles=list(principal.roles),
        role_labels=service.role_labels(principal.roles),
        region_code=principal.region_code,
        region_name=region_name,
        department=principal.department,
        pii=principal.pii,
        permissions=sorted(p.value for p in principal.permissions),
        cadre_id=cadre_id,
    )


@router.get("/users", response_model=UserList, operation_id="users-list", tags=["users"], responses=problems(403))
async def list_users(principal: UserManager, session: DbSession) -> UserList:
    users = await service.list_users(session, principal)
    cadres = await service.cadre_public_ids(session, users)
    return UserList(items=[_user_out(u, cadres) for u in users])


@router.post(
    "/users",
    response_model=UserOut,
    status_code=201,
    operation_id="users-create",
    tags=["users"],
    responses=problems(*WRITE),
)
async def create_user(body: UserCreate, principal: UserManager, session: DbSession) -> UserOut:
    user = await service.create_user(session, principal, body)
    return _user_out(user, await service.cadre_public_ids(session, [user]))


@router.patch(
    "/users/{user_id}",
    response_model=UserOut,
    operation_id="users-update",
    tags=["users"],
    responses=problems(403, 404),
)
async def update_user(user_id: uuid.UUID, body: UserUpdate, principal: UserManager, session: DbSession) -> UserOut:
    """Change a login of the caller's area: display name, active, or the cadre it is linked to (a cadre-linked
    login logs only that cadre's visits; it takes effect at its next sign-in)."""
    user = await service.update_user(session, principal, user_id=user_id, data=body)
    return _user_out(user, await service.cadre_public_ids(session, [user]))


def _user_out(user: User, cadres: dict[int, uuid.UUID]) -> UserOut:
    cadre = cadres.get(user.cadre_id) if user.cadre_id is not None else None
    return UserOut.model_validate(record_view(user, id=user.public_id, cadre_id=cadre))


def _key_out(key: ApiKey) -> ApiKeyOut:
    return ApiKeyOut.model_validate(record_view(key, id=key.public_id))


@router.get(
    "/api-keys",
    response_model=ApiKeyList,
    operation_id="api-keys-list",
    tags=["users"],
    responses=problems(403),
)
async def list_api_keys(principal: ApiKeyManager, session: DbSession) -> ApiKeyList:
    return ApiKeyList(items=[_key_out(k) for k in await service.list_api_keys(session, principal)])


@router.post(
    "/api-keys",
    response_model=ApiKeyCreated,
    status_code=201,
    operation_id="api-keys-create",
    tags=["users"],
    responses=problems(*WRITE),
)
async def create_api_key(body: ApiKeyCreate, principal: ApiKeyManager, session: DbSession) -> ApiKeyCreated:
    """Create a key for a machine client. The secret is in this response only."""
    key, secret = await service.create_api_key(session, principal, body)
    return ApiKeyCreated.model_validate(record_view(key, id=key.public_id, key=secret))


@router.delete(
    "/api-keys/{key_id}",
    status_code=204,
    operation_id="api-keys-revoke",
    tags=["users"],
    responses=problems(403, 404),
)
async def revoke_api_key(key_id: uuid.UUID, principal: ApiKeyManager, session: DbSession) -> Response:
    await service.revoke_api_key(session, principal, key_id=key_id)
    return Response(status_code=204)
