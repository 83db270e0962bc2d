"""Checkpoints of the audit chain kept outside the database: the head (seq, hash) signed with HMAC-SHA256 under a
key the database never sees, one JSON line per checkpoint appended to a file (and logged to `fupin.audit`).

Someone who can rewrite the database can recompute every hash after an event, or cut the tail off and wind the
chain head back; neither matches a checkpoint written before, and a forged checkpoint needs the key.
`fupin audit checkpoint` writes one; the app writes them after commits (`Anchorer`), cheaply and off the request:
the due-check is arithmetic under a lock, the append runs on one background thread.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from fupin.config import Settings, get_settings

log = logging.getLogger("fupin.audit")

_PURPOSE = "fupin-audit-checkpoint-v1"
_KEY_DERIVATION = b"fupin audit anchor key v1"


def anchor_key(settings: Settings) -> bytes:
    """FUPIN_AUDIT_ANCHOR_KEY, or a key derived from FUPIN_SECRET_KEY (so it changes when that secret does)."""
    if settings.audit_anchor_key:
        return settings.audit_anchor_key.encode()
    return hmac.new(settings.secret_key.encode(), _KEY_DERIVATION, hashlib.sha256).digest()


def key_is_public(settings: Settings) -> bool:
    """The key comes from the built-in development secret, which anyone can read in the source."""
    return not settings.audit_anchor_key and settings.uses_builtin_secret()


def may_sign(settings: Settings) -> bool:
    """Checkpoints signed with a public key prove nothing; only the demo may use one."""
    return settings.demo or not key_is_public(settings)


def signature(key: bytes, seq: int, digest: str, at: str) -> str:
    message = f"{_PURPOSE}\n{seq}\n{digest}\n{at}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class Checkpoint:
    seq: int
    hash: str
    time: str
    signature: str
    line: int = 0  # where it was read from (1-based); 0 for one not read from a file

    def to_line(self) -> str:
        body = {"seq": self.seq, "hash": self.hash, "time": self.time, "signature": self.signature}
        return json.dumps(body, separators=(",", ":"))


def make_checkpoint(key: bytes, seq: int, digest: str, at: datetime | None = None) -> Checkpoint:
    stamp = (at or datetime.now(UTC)).astimezone(UTC).isoformat().replace("+00:00", "Z")
    return Checkpoint(seq, digest, stamp, signature(key, seq, digest, stamp))


def append(path: Path, checkpoint: Checkpoint) -> None:
    """One write(2) of one line with O_APPEND (whole lines even with several processes appending), then fsync."""
    path.parent.mkdir(parents=True, exist_ok=True)
    line = checkpoint.to_line()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(fd, (line + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    log.info("audit checkpoint %s", line)


@dataclass(frozen=True, slots=True)
class AnchorProblem:
    line: int
    reason: str


def read_checkpoints(path: Path, key: bytes) -> tuple[list[Checkpoint], AnchorProblem | None]:
    """Every checkpoint of the file, each signature checked; stops at the first line that is not a valid one."""
    if not path.exists():
        return [], None
    out: list[Checkpoint] = []
    with path.open(encoding="utf-8", errors="replace") as f:
        for number, raw in enumerate(f, start=1):
            if not raw.strip():
                continue
            try:
                body = json.loads(raw)
                cp = Checkpoint(int(body["seq"]), str(body["hash"]), str(body["time"]), str(body["signature"]), number)
            except (ValueError, KeyError, TypeError):
                return out, AnchorProblem(number, "not a checkpoint (unreadable line)")
            if not hmac.compare_digest(cp.signature, signature(key, cp.seq, cp.hash, cp.time)):
                return out, AnchorProblem(
                    number, "bad signature: the line was forged or altered, or signed with another key"
                )
            out.append(cp)
    return out, None


class Anchorer:
    """Writes a checkpoint after a commit once `every` events or (with new events) `seconds` have passed since
    this process's last one. `note_commit` only decides and hands the write to a background thread."""

    def __init__(self, settings: Settings, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.path = settings.anchor_file
        self.every = settings.audit_checkpoint_events
        self.seconds = settings.audit_checkpoint_seconds
        self.key = anchor_key(settings) if may_sign(settings) else None
        self.enabled = self.key is not None and (self.every > 0 or self.seconds > 0)
        if not self.enabled and (self.every > 0 or self.seconds > 0):
            log.warning(
                "audit checkpoints are off: the anchor key would come from the built-in development secret "
                "(set FUPIN_AUDIT_ANCHOR_KEY or FUPIN_SECRET_KEY)"
            )
        self._lock = threading.Lock()
        self._last_seq: int | None = None
        self._last_time = clock()
        self._executor: ThreadPoolExecutor | None = None
        self._pending: list[Future[None]] = []

    def note_commit(self, seq: int, digest: str) -> None:
        if not self.enabled:
            return
        now = self.clock()
        with self._lock:
            if self._last_seq is None:
                self._last_seq = seq - 1  # counting starts with the first commit this process sees
            new = seq - self._last_seq
            if new <= 0:
                return
            due = (self.every > 0 and new >= self.every) or (self.seconds > 0 and now - self._last_time >= self.seconds)
            if not due:
                return
            self._last_seq, self._last_time = seq, now
            if self._executor is None:
                self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="fupin-audit-anchor")
            self._pending = [f for f in self._pending if not f.done()]
            self._pending.append(self._executor.submit(self._write, seq, digest))

    def _write(self, seq: int, digest: str) -> None:
        assert self.key is not None
        try:
            append(self.path, make_checkpoint(self.key, seq, digest))
        except Exception:  # a checkpoint missed is logged, never an error of the write that triggered it
            log.exception("could not write the audit checkpoint of event %s to %s", seq, self.path)

    def flush(self, timeout: float = 10.0) -> None:
        """Wait for the checkpoints handed to the background thread (tests, shutdown)."""
        with self._lock:
            pending, self._pending = self._pending, []
        for f in pending:
            f.result(timeout)

    def close(self) -> None:
        self.flush()
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None


_current: Anchorer | None = None
_current_lock = threading.Lock()


def configure(settings: Settings | Anchorer) -> Anchorer:
    """The anchorer of this process, for these settings (the app factory's); replaces any earlier one."""
    global _current
    anchorer = settings if isinstance(settings, Anchorer) else Anchorer(settings)
    with _current_lock:
        previous, _current = _current, anchorer
    if previous is not None:
        previous.close()
    return anchorer


def current() -> Anchorer:
    """The configured anchorer, or one for the environment's settings (what `fupin serve` runs with)."""
    global _current
    if _current is None:
        with _current_lock:
            if _current is None:
                _current = Anchorer(get_settings())
    return _current


def reset() -> None:
    """Forget the configured anchorer (after its pending checkpoints are written)."""
    global _current
    with _current_lock:
        previous, _current = _current, None
    if previous is not None:
        previous.close()
