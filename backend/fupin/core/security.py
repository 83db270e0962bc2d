"""Tokens and secrets: the only module that imports python-jose and pwdlib."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from jose import JWTError, jwt
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from fupin.config import get_settings

ALGORITHM = "HS256"
_password_hash = PasswordHash((Argon2Hasher(),))
API_KEY_PREFIX = "fp_"


class InvalidToken(Exception):
    pass


def hash_password(password: str) -> str:
    return _password_hash.hash(password)


def verify_password(password: str, hashed: str) -> bool:
    try:
        return _password_hash.verify(password, hashed)
    except Exception:
        return False


# A fixed hash to verify against when the user does not exist, so timing does not reveal usernames.
_DUMMY_HASH: str | None = None


def dummy_verify(password: str) -> None:
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = hash_password("not-a-real-password")
    verify_password(password, _DUMMY_HASH)


def create_access_token(subject: str, claims: dict[str, Any], minutes: int | None = None) -> tuple[str, int]:
    settings = get_settings()
    lifetime = minutes if minutes is not None else settings.access_token_minutes
    now = datetime.now(UTC)
    payload = {
        **claims,
        "sub": subject,
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(minutes=lifetime)).timestamp()),
        "jti": secrets.token_hex(8),
    }
    return jwt.encode(payload, settings.secret_key, algorithm=ALGORITHM), lifetime * 60


_DECODED: dict[str, dict[str, Any]] = {}
_DECODED_MAX = 4096


def decode_access_token(token: str) -> dict[str, Any]:
    """Verified claims of an access token. A verified token is remembered until it expires: the signature
    check is the costliest step of an authenticated request, and a token's claims cannot change."""
    cached = _DECODED.get(token)
    if cached is not None:
        if cached["exp"] > datetime.now(UTC).timestamp():
            return cached
        _DECODED.pop(token, None)
    claims = _verify(token)
    if len(_DECODED) >= _DECODED_MAX:
        _DECODED.clear()
    _DECODED[token] = claims
    return claims


def _verify(token: str) -> dict[str, Any]:
    settings = get_settings()
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            settings.secret_key,
            algorithms=[ALGORITHM],
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            options={"require_exp": True, "require_sub": True},
        )
    except JWTError as exc:
        raise InvalidToken(str(exc)) from exc
    return claims


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def new_refresh_token() -> str:
    return secrets.token_urlsafe(32)


def _api_key_checksum(body: str) -> str:
    return hashlib.sha256(("fupin-key:" + body).encode()).hexdigest()[:6]


def new_api_key() -> str:
    body = secrets.token_urlsafe(30).replace("-", "a").replace("_", "b")
    return f"{API_KEY_PREFIX}{body}{_api_key_checksum(body)}"


def api_key_well_formed(key: str) -> bool:
    if not key.startswith(API_KEY_PREFIX) or len(key) < 20:
        return False
    body, checksum = key[len(API_KEY_PREFIX) : -6], key[-6:]
    return hmac.compare_digest(_api_key_checksum(body), checksum)


def sign(data: bytes) -> str:
    return hmac.new(get_settings().secret_key.encode(), data, hashlib.sha256).hexdigest()[:24]


def verify_signature(data: bytes, signature: str) -> bool:
    return hmac.compare_digest(sign(data), signature)
