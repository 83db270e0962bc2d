"""Tables of cadres, assignments, visits and residency days."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from fupin.authz.scope import AreaScoped
from fupin.core.models import Base, IdMixin, UTCDateTime, utcnow

KINDS = ("paired", "first_secretary", "work_team")
VILLAGE_KINDS = ("first_secretary", "work_team")  # assigned to a village, keep residency days
RESIDENCY_KINDS = ("present", "leave", "duty")
COUNTED_RESIDENCY = ("present", "duty")  # official duty counts as present


class Cadre(AreaScoped, IdMixin, Base):
    """A cadre of a work unit (帮扶单位), in the area it serves (`region_code`, within its creator's scope)."""

    __tablename__ = "cadres"
    __area_column__ = "region_code"

    public_id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True, default=uuid.uuid4, nullable=False)
    region_code: Mapped[str] = mapped_column(String(12), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(50), nullable=False)
    id_number: Mapped[str] = mapped_column(String(18), unique=True, nullable=False)
    phone: Mapped[str | None] = mapped_column(String(20), nullable=True)
    work_unit: Mapped[str] = mapped_column(String(100), nullable=False, index=True)
    post: Mapped[str | None] = mapped_column(String(100), nullable=True)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow, nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}


class Assignment(AreaScoped, IdMixin, Base):
    """A cadre's assignment: a paired cadre to a household (`household_id`, its village in `village_code`), a first
    secretary or work-team member to a village. Ended ones are kept (`ends_on`): the history of who helped whom."""

    __tablename__ = "cadre_assignments"
    __area_column__ = "village_code"
    __follows_household__ = ("household_id", "id")
    __feed_entity__ = "assignment"
    __table_args__ = (
        Index("ix_cadre_assignments_household_ends", "household_id", "ends_on"),
        Index("ix_cadre_assignments_village_kind", "village_code", "kind"),
    )

    public_id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True, default=uuid.uuid4, nullable=False)
    cadre_id: Mapped[int] = mapped_column(ForeignKey("cadres.id"), nullable=False, index=True)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"), nullable=True)
    village_code: Mapped[str] = mapped_column(String(12), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    starts_on: Mapped[date] = mapped_column(Date, nullable=False)
    ends_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_by_name: Mapped[str | None] = mapped_column(String(120), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}


class Visit(AreaScoped, IdMixin, Base):
    """A visit (走访) of a cadre to a household, in the household's village."""

    __tablename__ = "visits"
    __area_column__ = "village_code"
    __follows_household__ = ("household_id", "id")
    __feed_entity__ = "visit"
    __table_args__ = (
        Index("ix_visits_household_visited", "household_id", "visited_on"),
        Index("ix_visits_village_visited", "village_code", "visited_on"),
    )

    public_id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True, default=uuid.uuid4, nullable=False)
    cadre_id: Mapped[int] = mapped_column(ForeignKey("cadres.id"), nullable=False, index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), nullable=False)
    village_code: Mapped[str] = mapped_column(String(12), nullable=False)
    visited_on: Mapped[date] = mapped_column(Date, nullable=False)
    content: Mapped[str] = mapped_column(Text, nullable=False)
    location: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_by_name: Mapped[str | None] = mapped_column(String(120), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}


class ResidencyDay(AreaScoped, IdMixin, Base):
    """One day of a first secretary or work-team member (驻村): present, on approved leave, or on official duty.
    One record per cadre and day; in the cadre's area."""

    __tablename__ = "residency_days"
    __area_column__ = "region_code"
    __table_args__ = (UniqueConstraint("cadre_id", "day", name="uq_residency_days_cadre_day"),)

    public_id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True, default=uuid.uuid4, nullable=False)
    cadre_id: Mapped[int] = mapped_column(ForeignKey("cadres.id"), nullable=False)
    region_code: Mapped[str] = mapped_column(String(12), nullable=False, index=True)
    day: Mapped[date] = mapped_column(Date, nullable=False)
    kind: Mapped[str] = mapped_column(String(10), nullable=False)
    recorded_by_name: Mapped[str | None] = mapped_column(String(120), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow, nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}
