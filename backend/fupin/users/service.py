"""Users, sessions (rotating refresh tokens with reuse detection) and API keys."""

from __future__ import annotations

import secrets
import uuid
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from fupin.authz.principal import Principal
from fupin.authz.roles import ROLE_LABELS, Permission, Role, permissions_for
from fupin.authz.scope import region_level
from fupin.config import get_settings
from fupin.core import audit
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
from fupin.users.schemas import ApiKeyCreate, TokenOut, UserCreate

INVALID_LOGIN = ProblemError(401, "auth.invalid_credentials", "用户名或密码错误 (wrong username or password)")
INVALID_REFRESH = ProblemError(401, "auth.invalid_refresh_token", "会话已失效, 请重新登录 (session expired or revoked)")


def _claims(user: User) -> dict[str, object]:
    return {
        "typ": "access",
        "uid": user.id,
        "name": user.display_name,
        "roles": list(user.roles),
        "region": user.region_code,
        "dept": user.department,
        "pii": user.pii,
    }


async def _issue(session: AsyncSession, user: User, family: str) -> TokenOut:
    access, expires_in = create_access_token(str(user.public_id), _claims(user))
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


def _actor(user: User) -> audit.Actor:
    return audit.Actor("user", str(user.public_id), user.display_name)


async def login(session: AsyncSession, username: str, password: str) -> TokenOut:
    user = (await session.execute(select(User).where(User.username == username))).scalar_one_or_none()
    if user is None:
        dummy_verify(password)
        raise INVALID_LOGIN
    if not verify_password(password, user.password_hash) or not user.active:
        raise INVALID_LOGIN
    tokens = await _issue(session, user, secrets.token_hex(16))
    await audit.record(session, _actor(user), "auth.login", "user", str(user.public_id), None, {}, feed=False)
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
    user = await session.get(User, row.user_id)
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
                _actor(user),
                "auth.refresh_reuse_detected",
                "user",
                str(user.public_id),
                None,
                {"family": [None, row.family]},
                feed=False,
            )
            return None
        raise INVALID_REFRESH
    if row.expires_at <= now:
        raise INVALID_REFRESH
    row.used_at = now
    return await _issue(session, user, row.family)


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
    user = await session.get(User, row.user_id)
    if user is not None:
        await audit.record(session, _actor(user), "auth.logout", "user", str(user.public_id), None, {}, feed=False)


def role_labels(roles: list[str] | tuple[str, ...]) -> list[str]:
    out = []
    for r in roles:
        try:
            out.append(ROLE_LABELS[Role(r)][0])
        except ValueError:
            out.append(r)
    return out


# Area roles are tied to their level of the region tree; only these may have no region (the whole system).
ROLE_LEVELS: dict[str, int] = {"city_office": 2, "county_office": 3, "township": 4, "village": 5}
UNSCOPED_ROLES = frozenset({"admin", "auditor"})


def _check_role_region(roles: list[Role], region_code: str | None) -> None:
    names = {r.value for r in roles}
    if region_code is None:
        if not names <= UNSCOPED_ROLES:
            raise field_error(
                "/region_code",
                "required",
                "除系统管理员和纪检审计外, 须指定管辖区划 (region_code is required for these roles)",
            )
        return
    level = region_level(region_code)
    for name in sorted(names):
        wanted = ROLE_LEVELS.get(name)
        if wanted is not None and wanted != level:
            raise field_error(
                "/region_code",
                "user.region_level_mismatch",
                f"角色 {name} 须对应第 {wanted} 级区划 (region level {level} given)",
            )


async def _check_grant(
    session: AsyncSession, principal: Principal, roles: list[Role], region_code: str | None, pii: bool
) -> None:
    """Nobody grants more than they hold: roles, area and personal-data access stay within the creator's."""
    _check_role_region(roles, region_code)
    if region_code is not None:
        region = await regions.get_scoped(session, principal, region_code)
        if region is None:
            raise field_error("/region_code", "region.unknown", "区划不存在或不在您的管辖范围内")
    elif principal.region_code is not None:
        raise field_error("/region_code", "required", "须指定管辖区划 (region_code is required)")
    granted = permissions_for([r.value for r in roles])
    if not granted <= principal.permissions:
        raise field_error("/roles", "auth.grant_exceeds_own", "不能授予超出自身权限的角色")
    if pii and not principal.pii:
        raise field_error("/pii", "auth.grant_exceeds_own", "不能授予自身没有的个人信息权限")


async def create_user(session: AsyncSession, principal: Principal, data: UserCreate) -> User:
    principal.require(Permission.USERS_MANAGE)
    await _check_grant(session, principal, data.roles, data.region_code, data.pii)
    if (await session.execute(select(User.id).where(User.username == data.username))).first():
        raise field_error("/username", "user.username_taken", "用户名已存在", status=409)
    user = User(
        username=data.username,
        password_hash=hash_password(data.password),
        display_name=data.display_name,
        roles=[r.value for r in data.roles],
        region_code=data.region_code,
        department=data.department,
        pii=data.pii,
    )
    session.add(user)
    await session.flush()
    await audit.record(
        session,
        principal.as_actor(),
        "user.created",
        "user",
        str(user.public_id),
        user.region_code,
        {
            "username": [None, user.username],
            "roles": [None, user.roles],
            "region_code": [None, user.region_code],
            "pii": [None, user.pii],
        },
        feed=False,
    )
    return user


async def list_users(session: AsyncSession, principal: Principal) -> list[User]:
    principal.require(Permission.USERS_MANAGE)
    stmt = select(User).order_by(User.username)
    if principal.region_code is not None:
        stmt = stmt.where(principal.scope_filter(User.region_code))
    return list((await session.execute(stmt)).scalars().all())


async def create_api_key(session: AsyncSession, principal: Principal, data: ApiKeyCreate) -> tuple[ApiKey, str]:
    principal.require(Permission.API_KEYS_MANAGE)
    await _check_grant(session, principal, data.roles, data.region_code, data.pii)
    if data.expires_at is not None and data.expires_at <= utcnow():
        raise field_error("/expires_at", "date.out_of_range", "过期时间须晚于现在")
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
        principal.as_actor(),
        "api_key.created",
        "api_key",
        str(key.public_id),
        key.region_code,
        {
            "name": [None, key.name],
            "roles": [None, key.roles],
            "scopes": [None, key.scopes],
            "pii": [None, key.pii],
        },
        feed=False,
    )
    return key, secret


async def list_api_keys(session: AsyncSession, principal: Principal) -> list[ApiKey]:
    principal.require(Permission.API_KEYS_MANAGE)
    stmt = select(ApiKey).order_by(ApiKey.id)
    if principal.region_code is not None:
        stmt = stmt.where(principal.scope_filter(ApiKey.region_code))
    return list((await session.execute(stmt)).scalars().all())


async def revoke_api_key(session: AsyncSession, principal: Principal, key_id: uuid.UUID) -> None:
    principal.require(Permission.API_KEYS_MANAGE)
    stmt = select(ApiKey).where(ApiKey.public_id == key_id)
    if principal.region_code is not None:
        stmt = stmt.where(principal.scope_filter(ApiKey.region_code))
    key = (await session.execute(stmt)).scalar_one_or_none()
    if key is None:
        raise not_found("api key")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        await audit.record(
            session,
            principal.as_actor(),
            "api_key.revoked",
            "api_key",
            str(key.public_id),
            key.region_code,
            {"revoked_at": [None, key.revoked_at]},
            feed=False,
        )
