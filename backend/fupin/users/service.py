"""Users, sessions (rotating refresh tokens with reuse detection) and API keys."""

from __future__ import annotations

import secrets
import uuid
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from fupin.audit import chain as audit
from fupin.authz.policy import check_grant, check_role_links
from fupin.authz.principal import Principal
from fupin.authz.roles import ROLE_LABELS, Permission, Role, key_permissions, permissions_for
from fupin.authz.scope import unscoped, within
from fupin.cadres.models import Cadre
from fupin.config import get_settings
from fupin.core.context import Actor
from fupin.core.errors import ProblemError, field_error, not_found
from fupin.core.models import utcnow
from fupin.core.security import (
    create_access_token,
    dummy_verify,
    hash_password,
    new_api_key,
    new_refresh_token,
    sha256_hex,
    verify_password,
)
from fupin.regions import repository as regions
from fupin.users.models import ApiKey, RefreshToken, User
from fupin.users.schemas import ApiKeyCreate, TokenOut, UserCreate, UserUpdate

INVALID_LOGIN = ProblemError(401, "auth.invalid_credentials", "用户名或密码错误 (wrong username or password)")
INVALID_REFRESH = ProblemError(401, "auth.invalid_refresh_token", "会话已失效, 请重新登录 (session expired or revoked)")


def _claims(user: User, cadre: uuid.UUID | None) -> dict[str, object]:
    return {
        "cadre": str(cadre) if cadre is not None else None,
        "typ": "access",
        "uid": user.id,
        "name": user.display_name,
        "roles": list(user.roles),
        "region": user.region_code,
        "dept": user.department,
        "pii": user.pii,
    }


async def _issue(session: AsyncSession, user: User, *, family: str) -> TokenOut:
    cadre = (await cadre_public_ids(session, [user])).get(user.cadre_id) if user.cadre_id is not None else None
    access, expires_in = create_access_token(str(user.public_id), _claims(user, cadre))
    refresh = new_refresh_token()
    now = utcnow()
    session.add(
        RefreshToken(
            user_id=user.id,
            token_hash=sha256_hex(refresh),
            family=family,
            issued_at=now,
            expires_at=now + timedelta(days=get_settings().refresh_token_days),
        )
    )
    await session.flush()
    return TokenOut(access_token=access, expires_in=expires_in, refresh_token=refresh)


def _actor(user: User) -> Actor:
    return Actor("user", str(user.public_id), user.display_name)


async def login(session: AsyncSession, username: str, *, password: str) -> TokenOut:
    user = (
        await session.execute(select(User).where(User.username == username).execution_options(**unscoped("login")))
    ).scalar_one_or_none()
    if user is None:
        dummy_verify(password)
        raise INVALID_LOGIN
    if not verify_password(password, user.password_hash) or not user.active:
        raise INVALID_LOGIN
    tokens = await _issue(session, user, family=secrets.token_hex(16))
    await audit.record(
        session,
        actor=_actor(user),
        action="auth.login",
        entity_type="user",
        entity_id=str(user.public_id),
        region_code=None,
        changes={},
        feed=False,
    )
    return tokens


async def refresh(session: AsyncSession, token: str) -> TokenOut | None:
    """New tokens, or None when a rotated token was replayed: the caller answers 401 and still commits
    the revocation of the whole session family (raising would roll it back)."""
    row = (
        await session.execute(
            select(RefreshToken).where(RefreshToken.token_hash == sha256_hex(token)).with_for_update()
        )
    ).scalar_one_or_none()
    now = utcnow()
    if row is None:
        raise INVALID_REFRESH
    user = await session.get(User, row.user_id, execution_options=unscoped("the session's own user"))
    if user is None or not user.active:
        raise INVALID_REFRESH
    if row.used_at is not None or row.revoked_at is not None:
        if row.used_at is not None and row.revoked_at is None:
            # A rotated token came back: someone holds a copy. Revoke the whole family.
            await session.execute(
                update(RefreshToken)
                .where(RefreshToken.family == row.family, RefreshToken.revoked_at.is_(None))
                .values(revoked_at=now)
            )
            await audit.record(
                session,
                actor=_actor(user),
                action="auth.refresh_reuse_detected",
                entity_type="user",
                entity_id=str(user.public_id),
                region_code=None,
                changes={"family": [None, row.family]},
                feed=False,
            )
            return None
        raise INVALID_REFRESH
    if row.expires_at <= now:
        raise INVALID_REFRESH
    row.used_at = now
    return await _issue(session, user, family=row.family)


async def logout(session: AsyncSession, token: str) -> None:
    row = (
        await session.execute(select(RefreshToken).where(RefreshToken.token_hash == sha256_hex(token)))
    ).scalar_one_or_none()
    if row is None:
        return
    now = utcnow()
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.family == row.family, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    user = await session.get(User, row.user_id, execution_options=unscoped("the session's own user"))
    if user is not None:
        await audit.record(
            session,
            actor=_actor(user),
            action="auth.logout",
            entity_type="user",
            entity_id=str(user.public_id),
            region_code=None,
            changes={},
            feed=False,
        )


def role_labels(roles: list[str] | tuple[str, ...]) -> list[str]:
    out = []
    for r in roles:
        try:
            out.append(ROLE_LABELS[Role(r)][0])
        except ValueError:
            out.append(r)
    return out


async def _check_grant(
    session: AsyncSession, principal: Principal, *, roles: list[Role], region_code: str | None, pii: bool
) -> None:
    check_grant(principal, roles=roles, region_code=region_code, pii=pii)
    if region_code is not None and await regions.get_scoped(session, principal.scope, region_code) is None:
        raise field_error("/region_code", "region.unknown", "区划不存在或不在您的管辖范围内")


async def cadre_public_ids(session: AsyncSession, users: list[User]) -> dict[int, uuid.UUID]:
    """The public ids of the cadres the users are linked to (users.cadre_id)."""
    ids = {u.cadre_id for u in users if u.cadre_id is not None}
    if not ids:
        return {}
    stmt = select(Cadre.id, Cadre.public_id).where(Cadre.id.in_(ids))
    rows = await session.execute(stmt.execution_options(**unscoped("the cadres linked to logins shown")))
    return {pk: public_id for pk, public_id in rows.all()}


async def _linked_cadre(
    session: AsyncSession, principal: Principal, cadre_id: uuid.UUID, *, login_region: str | None
) -> int:
    """A cadre of the caller's area serving inside the login's own region (the login must see its own cadre), for
    a login to be linked to (else 422 at /cadre_id)."""
    stmt = principal.scope.select(Cadre.id, Cadre.region_code, area_of=Cadre).where(Cadre.public_id == cadre_id)
    found = (await session.execute(stmt)).one_or_none()
    if found is None:
        raise field_error("/cadre_id", "cadre.unknown", "干部不存在或不在您的管辖范围内")
    if not within(found.region_code, login_region):
        raise field_error(
            "/cadre_id", "user.cadre_outside_region", "干部的服务区划须在该账号的辖区之内 (the login could not see it)"
        )
    return int(found.id)


async def create_user(session: AsyncSession, principal: Principal, data: UserCreate) -> User:
    await _check_grant(session, principal, roles=data.roles, region_code=data.region_code, pii=data.pii)
    check_role_links([r.value for r in data.roles], department=data.department, cadre_id=data.cadre_id)
    cadre_pk = (
        await _linked_cadre(session, principal, data.cadre_id, login_region=data.region_code)
        if data.cadre_id is not None
        else None
    )
    if (
        await session.execute(
            select(User.id).where(User.username == data.username).execution_options(**unscoped("usernames are global"))
        )
    ).first():
        raise field_error("/username", "user.username_taken", "用户名已存在", status=409)
    user = User(
        username=data.username,
        password_hash=hash_password(data.password),
        display_name=data.display_name,
        roles=[r.value for r in data.roles],
        region_code=data.region_code,
        department=data.department,
        pii=data.pii,
        cadre_id=cadre_pk,
    )
    session.add(user)
    await session.flush()
    await audit.record(
        session,
        actor=principal.as_actor(),
        action="user.created",
        entity_type="user",
        entity_id=str(user.public_id),
        region_code=user.region_code,
        changes={
            "username": [None, user.username],
            "roles": [None, user.roles],
            "region_code": [None, user.region_code],
            "pii": [None, user.pii],
            **({"cadre_id": [None, str(data.cadre_id)]} if data.cadre_id is not None else {}),
        },
        feed=False,
    )
    return user


async def update_user(session: AsyncSession, principal: Principal, *, user_id: uuid.UUID, data: UserUpdate) -> User:
    """Change a login of the caller's area: display name, active, the cadre it is linked to (null: none)."""
    stmt = principal.scope.select(User).where(User.public_id == user_id).with_for_update()
    user = (await session.execute(stmt)).scalar_one_or_none()
    if user is None:
        raise not_found("user")
    sent = data.sent(problem="required")
    if "cadre_id" in sent:
        check_role_links(list(user.roles), department=user.department, cadre_id=sent["cadre_id"])
        sent["cadre_id"] = (
            await _linked_cadre(session, principal, sent["cadre_id"], login_region=user.region_code)
            if sent["cadre_id"]
            else None
        )
    changes = {k: [getattr(user, k), v] for k, v in sent.items() if getattr(user, k) != v}
    for name, value in sent.items():
        setattr(user, name, value)
    if changes:
        await session.flush()
        await audit.record(
            session,
            actor=principal.as_actor(),
            action="user.updated",
            entity_type="user",
            entity_id=str(user.public_id),
            region_code=user.region_code,
            changes=changes,
            feed=False,
        )
    return user


async def list_users(session: AsyncSession, principal: Principal) -> list[User]:
    stmt = principal.scope.select(User).order_by(User.username)
    return list((await session.execute(stmt)).scalars().all())


async def create_api_key(session: AsyncSession, principal: Principal, data: ApiKeyCreate) -> tuple[ApiKey, str]:
    await _check_grant(session, principal, roles=data.roles, region_code=data.region_code, pii=data.pii)
    check_role_links([r.value for r in data.roles], department=data.department, cadre_id=None, api_key=True)
    secret = new_api_key()
    key = ApiKey(
        name=data.name,
        key_hash=sha256_hex(secret),
        prefix=secret[:10],
        roles=[r.value for r in data.roles],
        scopes=[s.value for s in data.scopes],
        region_code=data.region_code,
        department=data.department,
        pii=data.pii,
        expires_at=data.expires_at,
        created_by_id=principal.id if principal.kind == "user" else None,
    )
    session.add(key)
    await session.flush()
    await audit.record(
        session,
        actor=principal.as_actor(),
        action="api_key.created",
        entity_type="api_key",
        entity_id=str(key.public_id),
        region_code=key.region_code,
        changes={
            "name": [None, key.name],
            "roles": [None, key.roles],
            "scopes": [None, key.scopes],
            "pii": [None, key.pii],
        },
        feed=False,
    )
    return key, secret


async def list_api_keys(session: AsyncSession, principal: Principal) -> list[ApiKey]:
    stmt = principal.scope.select(ApiKey).order_by(ApiKey.id)
    return list((await session.execute(stmt)).scalars().all())


async def revoke_api_key(session: AsyncSession, principal: Principal, *, key_id: uuid.UUID) -> None:
    stmt = principal.scope.select(ApiKey).where(ApiKey.public_id == key_id)
    key = (await session.execute(stmt)).scalar_one_or_none()
    if key is None:
        raise not_found("api key")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        await audit.record(
            session,
            actor=principal.as_actor(),
            action="api_key.revoked",
            entity_type="api_key",
            entity_id=str(key.public_id),
            region_code=key.region_code,
            changes={"revoked_at": [None, key.revoked_at]},
            feed=False,
        )


async def current_permissions(session: AsyncSession, *, kind: str, public_id: str) -> frozenset[Permission]:
    """What a user or API key may do now, for work done on its behalf later (webhook deliveries): nothing once
    the user is deactivated or gone, or the key revoked, expired or gone."""
    try:
        pid = uuid.UUID(public_id)
    except ValueError:
        return frozenset()
    reason = unscoped("a background task checks the owner it works for")
    if kind == "user":
        user = (
            await session.execute(select(User).where(User.public_id == pid).execution_options(**reason))
        ).scalar_one_or_none()
        return permissions_for(list(user.roles)) if user is not None and user.active else frozenset()
    if kind == "api_key":
        key = (
            await session.execute(select(ApiKey).where(ApiKey.public_id == pid).execution_options(**reason))
        ).scalar_one_or_none()
        if key is None or key.revoked_at is not None or (key.expires_at is not None and key.expires_at <= utcnow()):
            return frozenset()
        return key_permissions(list(key.roles), list(key.scopes))
    return frozenset()
