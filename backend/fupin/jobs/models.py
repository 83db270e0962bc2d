"""The jobs table: a job's request, its owner and area, its state, its lease and its progress marker."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from fupin.authz.scope import AreaScoped
from fupin.core.models import Base, IdMixin, JSONType, UTCDateTime, utcnow

STATES = ("queued", "running", "succeeded", "failed", "cancelled")
FINISHED = ("succeeded", "failed", "cancelled")


class Job(AreaScoped, IdMixin, Base):
    """One piece of long work. `marker` is where the next chunk starts (committed with each chunk, together with
    `done`), so a job taken up again after its worker died resumes there and never repeats a committed chunk.
    A worker holds a job while `lease_until` is in the future; every chunk extends it."""

    __tablename__ = "jobs"
    __area_column__ = "region_code"
    __table_args__ = (Index("ix_jobs_state_lease", "state", "lease_until"),)

    public_id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True, default=uuid.uuid4, nullable=False)
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    params: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    owner_type: Mapped[str] = mapped_column(String(12), nullable=False)
    owner_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    owner_name: Mapped[str | None] = mapped_column(String(120), nullable=True)
    # the job's area: its owner's region or a part of it (None: the whole system)
    region_code: Mapped[str | None] = mapped_column(String(12), nullable=True, index=True)
    state: Mapped[str] = mapped_column(String(12), nullable=False, default="queued")
    cancel_requested: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    done: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    total: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    chunks: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    marker: Mapped[Any | None] = mapped_column(JSONType, nullable=True)
    report: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    worker_id: Mapped[str | None] = mapped_column(String(80), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow, nullable=False)
