"""Settings read from the environment (prefix FUPIN_)."""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path

from pydantic import model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FUPIN_", env_file=".env", extra="ignore")

    database_url: str = f"sqlite+aiosqlite:///{PROJECT_ROOT / 'var' / 'fupin.db'}"
    secret_key: str = "dev-only-change-me-in-production-0123456789abcdef"
    jwt_issuer: str = "fupin"
    jwt_audience: str = "fupin-api"
    access_token_minutes: int = 15
    refresh_token_days: int = 7
    demo: bool = False
    docs_enabled: bool = True
    max_body_bytes: int = 1_000_000
    page_limit_max: int = 200
    login_attempts_per_minute: int = 10
    idempotency_hours: int = 24
    spa_dist: Path = PROJECT_ROOT / "frontend" / "dist"
    db_pool_size: int = 10
    # Audit chain checkpoints (fupin.audit.anchor): signed with this key (default: derived from secret_key), which
    # must not live in the database; appended to this file after commits, every `audit_checkpoint_events` events
    # or, when there are new events, every `audit_checkpoint_seconds` (0 turns a rule off; both 0: only the
    # `fupin audit checkpoint` command writes them).
    # The file belongs to one database: by default it sits beside a SQLite file, or is named after the PostgreSQL
    # server and database under var/.
    audit_anchor_key: str | None = None
    audit_anchor_file: Path | None = None
    audit_checkpoint_events: int = 1000
    audit_checkpoint_seconds: float = 300.0
    # Jobs (fupin.jobs): the app runs one in-process worker unless `job_worker` is off (`fupin worker` runs more as
    # their own processes); a worker polls every `job_poll_seconds` when idle and holds a job for
    # `job_lease_seconds` past its last chunk: a job whose worker died is taken up again once that has passed;
    # `job_chunk_pause_seconds` between chunks leaves the database to requests (throttles background work).
    job_worker: bool = True
    job_poll_seconds: float = 1.0
    job_lease_seconds: float = 60.0
    job_chunk_pause_seconds: float = 0.0
    # Files the system keeps (uploaded imports, import error reports, export files of jobs): under `files_dir`,
    # by default beside a SQLite file or under var/ named after the PostgreSQL database, like the anchor file.
    files_dir: Path | None = None
    # Imports: the largest accepted upload; exports: the most rows one direct download streams (more: a job).
    import_max_bytes: int = 50 * 1024 * 1024
    export_direct_limit: int = 100_000
    # Change feed (fupin.audit.feed_retention): `fupin changes prune` removes entries older than this; a client
    # position older than what was removed is answered 410 `changes.expired` (resync from an export).
    changes_retention_days: int = 400
    # Webhooks (fupin.webhooks): the in-process worker (and `fupin worker`) also runs the webhook dispatcher, which
    # looks for new change-feed entries and due deliveries every `webhook_poll_seconds`; a receiver gets
    # `webhook_timeout_seconds` to answer; failed deliveries are retried with backoff for `webhook_retry_hours`,
    # then given up; finished deliveries are kept `webhook_log_days`. Subscriptions may not point at private,
    # loopback or link-local addresses unless `webhook_allow_private` (a receiver inside the same network).
    webhook_poll_seconds: float = 5.0
    webhook_timeout_seconds: float = 10.0
    webhook_retry_hours: float = 72.0
    webhook_log_days: int = 30
    webhook_allow_private: bool = False
    # The date the adjustment calendar (年度调整, fupin.adjustments.clock) takes as today: None is the real date;
    # a fixed date is for tests and demonstrations.
    adjustment_today: date | None = None
    # The CJK TrueType font (.ttf, or the first face of a .ttc) embedded in the PDF of a public notice (公告公示);
    # unset: Debian's fonts-wqy-zenhei. Without the file a notice's PDF is 503 `notice.font_missing` (HTML works).
    notice_font: Path | None = None
    # Export jobs write at least this many rows per chunk (then finish the household), each chunk in one read
    # snapshot. Unset: 5,000,000 on PostgreSQL (a whole city in one chunk, one snapshot: the file is one point in
    # time) and 20,000 on SQLite (a chunk holds SQLite's write lock; the file is consistent per chunk, and with the
    # feed after its position, which is the first chunk's, still complete). XLSX is always written in one chunk.
    export_job_chunk_rows: int | None = None
    # Evidence files (fupin.evidence: photos and documents of visits, measures ...): uploads up to
    # `evidence_max_bytes`, kept under `evidence_dir` (unset: the `evidence` folder of files_dir). S3-compatible
    # object storage is planned as a later setting beside it.
    evidence_max_bytes: int = 20 * 1024 * 1024
    evidence_dir: Path | None = None

    @model_validator(mode="after")
    def _anchor_file_of_the_database(self) -> Settings:
        if self.audit_anchor_file is None:
            url = make_url(self.database_url)
            if url.get_backend_name() == "sqlite" and url.database:
                self.audit_anchor_file = Path(url.database).with_suffix(".audit-anchors.jsonl")
            else:
                name = f"{url.host or 'local'}-{url.port or 'default'}-{url.database or 'db'}"
                self.audit_anchor_file = PROJECT_ROOT / "var" / f"audit-anchors-{name}.jsonl"
        if self.files_dir is None:
            url = make_url(self.database_url)
            if url.get_backend_name() == "sqlite" and url.database:
                self.files_dir = Path(url.database).with_suffix(".files")
            else:
                name = f"{url.host or 'local'}-{url.port or 'default'}-{url.database or 'db'}"
                self.files_dir = PROJECT_ROOT / "var" / f"files-{name}"
        return self

    @property
    def files_root(self) -> Path:
        assert self.files_dir is not None  # filled by the validator
        return self.files_dir

    @property
    def evidence_root(self) -> Path:
        return self.evidence_dir if self.evidence_dir is not None else self.files_root / "evidence"

    @property
    def anchor_file(self) -> Path:
        assert self.audit_anchor_file is not None  # filled by the validator
        return self.audit_anchor_file

    def uses_builtin_secret(self) -> bool:
        return self.secret_key == type(self).model_fields["secret_key"].default


@lru_cache
def get_settings() -> Settings:
    return Settings()
