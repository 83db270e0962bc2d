"""FastAPI dependencies that turn a bearer credential into a Principal."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy import select

from fupin.authz.principal import Principal
from fupin.authz.roles import Permission, permissions_for
from fupin.core.db import DbSession
from fupin.core.errors import ProblemError
from fupin.core.models import utcnow
from fupin.core.security import InvalidToken, api_key_well_formed, decode_access_token, sha256_hex
from fupin.users.models import ApiKey

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)

UNAUTHORIZED = ProblemError(
    401, "unauthorized", "Missing, invalid or expired credentials.", headers={"WWW-Authenticate": "Bearer"}
)


def principal_from_claims(claims: dict[str, object]) -> Principal:
    raw_roles = claims.get("roles")
    roles = tuple(str(r) for r in raw_roles) if isinstance(raw_roles, list) else ()
    return Principal(
        kind="user",
        id=int(str(claims["uid"])),
        public_id=str(claims["sub"]),
        name=str(claims.get("name") or ""),
        roles=roles,
        permissions=permissions_for(list(roles)),
        region_code=(str(claims["region"]) if claims.get("region") else None),
        department=(str(claims["dept"]) if claims.get("dept") else None),
        pii=bool(claims.get("pii")),
    )


async def _principal_from_api_key(session: DbSession, key: str) -> Principal:
    if not api_key_well_formed(key):
        raise UNAUTHORIZED
    row = (await session.execute(select(ApiKey).where(ApiKey.key_hash == sha256_hex(key)))).scalar_one_or_none()
    now = utcnow()
    if row is None or row.revoked_at is not None or (row.expires_at is not None and row.expires_at <= now):
        raise UNAUTHORIZED
    granted = permissions_for(row.roles)
    if row.scopes:
        granted = frozenset(p for p in granted if p.value in row.scopes)
    return Principal(
        kind="api_key",
        id=row.id,
        public_id=str(row.public_id),
        name=f"key:{row.name}",
        roles=tuple(row.roles),
        permissions=granted,
        region_code=row.region_code,
        department=row.department,
        pii=row.pii,
    )


async def current_principal(
    request: Request, session: DbSession, token: Annotated[str | None, Depends(oauth2_scheme)]
) -> Principal:
    if not token:
        raise UNAUTHORIZED
    if token.startswith("fp_"):
        principal = await _principal_from_api_key(session, token)
    else:
        try:
            claims = decode_access_token(token)
        except InvalidToken:
            raise UNAUTHORIZED
        if claims.get("typ") != "access" or "uid" not in claims:
            raise UNAUTHORIZED
        principal = principal_from_claims(claims)
    request.state.principal = principal
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require(permission: Permission):  # type: ignore[no-untyped-def]
    async def _dep(principal: CurrentPrincipal) -> Principal:
        principal.require(permission)
        return principal

    return Depends(_dep)
