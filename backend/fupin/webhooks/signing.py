"""Secrets and signatures of webhook deliveries.

- A secret is `whsec_` + 32 random bytes (`secrets`), shown to its owner once (at create and at rotation) and
  stored encrypted (Fernet, with a key derived from `settings.secret_key` by HKDF): the database alone cannot
  sign. Changing `secret_key` makes the stored secrets unreadable: rotate them then.
- `X-Fupin-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, f"{t}.{body}")>`, with a second `v1=` made
  with the previous secret for 24 hours after a rotation. docs/integration/webhooks.md tells receivers how to check.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

SECRET_PREFIX = "whsec_"
SIGNATURE_HEADER = "X-Fupin-Signature"
TOLERANCE_SECONDS = 300


class SecretUnreadable(Exception):
    """A stored secret does not decrypt with this installation's key (secret_key changed)."""


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def _fernet(secret_key: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"fupin webhook secrets").derive(
        secret_key.encode()
    )
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt_secret(secret: str, *, secret_key: str) -> str:
    return _fernet(secret_key).encrypt(secret.encode()).decode()


def decrypt_secret(token: str, *, secret_key: str) -> str:
    try:
        return _fernet(secret_key).decrypt(token.encode()).decode()
    except InvalidToken:
        raise SecretUnreadable("the webhook secret does not decrypt with this installation's secret_key")


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """hex HMAC-SHA256 of `f"{timestamp}.{body}"` with the secret."""
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(signing_secrets: Sequence[str], timestamp: int, body: bytes) -> str:
    """The header value: `t=...` and one `v1=` per secret (the current one first)."""
    return ",".join([f"t={timestamp}", *(f"v1={sign(s, timestamp, body)}" for s in signing_secrets)])
