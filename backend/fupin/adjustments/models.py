"""Adjustment windows (年度调整期) and the pending changes that wait for one."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from fupin.authz.scope import AreaScoped
from fupin.core.models import Base, IdMixin, JSONType, UTCDateTime, utcnow

PENDING_STATES = ("pending", "applied", "cancelled", "failed")
KINDS = ("update", "transition")


class AdjustmentWindow(IdMixin, Base):
    """A window of one adjustment year for an area (the area of the office that configured it; None: the whole
    system). Calendar data, not area data: every user of the area, or of a part of it, reads the windows that
    cover it (`repository.windows_visible`)."""

    __tablename__ = "adjustment_windows"

    public_id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True, default=uuid.uuid4, nullable=False)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    region_code: Mapped[str | None] = mapped_column(String(12), nullable=True, index=True)
    opens_on: Mapped[date] = mapped_column(Date, nullable=False)
    closes_on: Mapped[date] = mapped_column(Date, nullable=False)
    note: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_by_name: Mapped[str | None] = mapped_column(String(120), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow, nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}

    def is_open_on(self, day: date) -> bool:
        return self.opens_on <= day <= self.closes_on


class PendingChange(AreaScoped, IdMixin, Base):
    """A locked change requested outside an open window: `changes` is what was asked (the locked fields of a
    PATCH, or the status transition), `base` the values it was asked against (applying fails when they moved)."""

    __tablename__ = "pending_changes"
    __area_column__ = "region_code"
    __table_args__ = (Index("ix_pending_changes_household_state", "household_id", "state"),)

    public_id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True, default=uuid.uuid4, nullable=False)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), nullable=False)
    region_code: Mapped[str] = mapped_column(String(12), nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(12), nullable=False)
    changes: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    base: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    state: Mapped[str] = mapped_column(String(12), nullable=False, default="pending")
    reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    requested_by_type: Mapped[str] = mapped_column(String(12), nullable=False)
    requested_by_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    requested_by_name: Mapped[str | None] = mapped_column(String(120), nullable=True)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    decided_by_name: Mapped[str | None] = mapped_column(String(120), nullable=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}
