"""Settings read from the environment (prefix FUPIN_)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

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


@lru_cache
def get_settings() -> Settings:
    return Settings()
