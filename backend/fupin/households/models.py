"""Tables of the household register: households, members, incomes, 两不愁三保障 assessments, status history,
household numbering and the per-village summary."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fupin.authz.scope import AreaScoped
from fupin.core.models import Base, IdMixin, JSONType, Money, PublicIdMixin, TimestampMixin


class Household(AreaScoped, IdMixin, PublicIdMixin, TimestampMixin, Base):
    __tablename__ = "households"
    __area_column__ = "village_code"
    household_number: Mapped[str] = mapped_column(String(20), unique=True, nullable=False)
    village_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), nullable=False)
    group_name: Mapped[str | None] = mapped_column(String(40))
    address: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(20))
    bank_account: Mapped[str | None] = mapped_column(String(40))
    first_identified_on: Mapped[date] = mapped_column(Date, nullable=False)
    identified_year: Mapped[int] = mapped_column(Integer, nullable=False)
    identification_standard: Mapped[str] = mapped_column(String(12), nullable=False)
    attribute: Mapped[str] = mapped_column(String(12), nullable=False)
    main_cause: Mapped[str] = mapped_column(String(2), nullable=False)
    secondary_causes: Mapped[list[str]] = mapped_column(JSONType, nullable=False, default=list)
    status: Mapped[str] = mapped_column(String(24), nullable=False, default="not_exited")
    status_reason: Mapped[str | None] = mapped_column(String(500))
    planned_exit_year: Mapped[int | None] = mapped_column(Integer)
    exit_year: Mapped[int | None] = mapped_column(Integer)
    head_member_id: Mapped[int | None] = mapped_column(
        # deferred: a household and its head are inserted in one transaction, in either order
        ForeignKey("members.id", use_alter=True, ondelete="SET NULL", deferrable=True, initially="DEFERRED")
    )
    head_name: Mapped[str | None] = mapped_column(String(50))
    member_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # living conditions
    housing_area: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    housing_safety: Mapped[str | None] = mapped_column(String(1))
    safe_drinking_water: Mapped[bool | None] = mapped_column(Boolean)
    electricity: Mapped[bool | None] = mapped_column(Boolean)
    road_type: Mapped[str | None] = mapped_column(String(12))
    sanitary_toilet: Mapped[bool | None] = mapped_column(Boolean)
    fuel: Mapped[str | None] = mapped_column(String(12))
    # relocation (易地搬迁)
    relocated: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    relocation_year: Mapped[int | None] = mapped_column(Integer)
    relocation_site: Mapped[str | None] = mapped_column(String(100))
    # flags
    military_family: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    only_child: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    two_daughters: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    members: Mapped[list[Member]] = relationship(
        back_populates="household", lazy="raise", foreign_keys="Member.household_id", order_by="Member.id"
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        # list by area in household-number order, and keyset pages over it
        Index("ix_households_village_number", "village_code", "household_number"),
        Index("ix_households_updated", "updated_at", "id"),
        Index("ix_households_status", "status"),
        # resolves the deferred head-member check per inserted member, and ON DELETE SET NULL, without a scan
        Index("ix_households_head_member_id", "head_member_id"),
        UniqueConstraint("source_system", "external_id", name="uq_households_source_external"),
    )


class Member(IdMixin, PublicIdMixin, TimestampMixin, Base):
    __tablename__ = "members"
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"), nullable=False)
    name: Mapped[str] = mapped_column(String(50), nullable=False)
    id_type: Mapped[str] = mapped_column(String(12), nullable=False, default="resident_id")
    id_number: Mapped[str] = mapped_column(String(18), nullable=False)
    gender: Mapped[str] = mapped_column(String(1), nullable=False)
    birth_date: Mapped[date] = mapped_column(Date, nullable=False)
    ethnicity: Mapped[str] = mapped_column(String(2), nullable=False, default="01")
    relation: Mapped[str] = mapped_column(String(2), nullable=False)
    education: Mapped[str | None] = mapped_column(String(12))
    school_status: Mapped[str | None] = mapped_column(String(12))
    health: Mapped[str] = mapped_column(String(12), nullable=False, default="healthy")
    disability_grade: Mapped[int | None] = mapped_column(Integer)
    labour: Mapped[str | None] = mapped_column(String(12))
    work_status: Mapped[str | None] = mapped_column(String(16))
    months_worked: Mapped[int | None] = mapped_column(Integer)
    public_welfare_job: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    medical_insurance: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    serious_illness_insurance: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    pension_insurance: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    dibao: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    tekun: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    added_reason: Mapped[str] = mapped_column(String(16), nullable=False, default="initial")
    added_on: Mapped[date | None] = mapped_column(Date)
    removed_reason: Mapped[str | None] = mapped_column(String(16))
    removed_on: Mapped[date | None] = mapped_column(Date)
    removal_note: Mapped[str | None] = mapped_column(String(500))
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    household: Mapped[Household] = relationship(back_populates="members", lazy="raise", foreign_keys=[household_id])

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        Index("ix_members_household", "household_id"),
        Index("ix_members_name", "name"),
        Index("ix_members_id_number", "id_number"),
        # one person in at most one active household, enforced by the database as well as the service
        Index(
            "uq_members_active_id_number",
            "id_number",
            unique=True,
            postgresql_where=text("active"),
            sqlite_where=text("active = 1"),
        ),
    )


class Income(IdMixin, TimestampMixin, Base):
    """Yearly household income; 人均纯收入 = (total − production costs) / household size."""

    __tablename__ = "incomes"
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"), nullable=False)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    wage_income: Mapped[Decimal] = mapped_column(Money, nullable=False, default=Decimal(0))
    production_income: Mapped[Decimal] = mapped_column(Money, nullable=False, default=Decimal(0))
    property_income: Mapped[Decimal] = mapped_column(Money, nullable=False, default=Decimal(0))
    transfer_income: Mapped[Decimal] = mapped_column(Money, nullable=False, default=Decimal(0))
    transfer_details: Mapped[dict[str, str]] = mapped_column(JSONType, nullable=False, default=dict)
    production_costs: Mapped[Decimal] = mapped_column(Money, nullable=False, default=Decimal(0))
    household_size: Mapped[int] = mapped_column(Integer, nullable=False)
    net_income: Mapped[Decimal] = mapped_column(Money, nullable=False)
    per_capita_net_income: Mapped[Decimal] = mapped_column(Money, nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (UniqueConstraint("household_id", "year", name="uq_incomes_household_year"),)


class Assessment(IdMixin, TimestampMixin, Base):
    """两不愁三保障 (+ safe drinking water) for one household and year, each yes/no with evidence."""

    __tablename__ = "assessments"
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"), nullable=False)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    food_clothing: Mapped[bool] = mapped_column(Boolean, nullable=False)
    compulsory_education: Mapped[bool] = mapped_column(Boolean, nullable=False)
    basic_medical: Mapped[bool] = mapped_column(Boolean, nullable=False)
    safe_housing: Mapped[bool] = mapped_column(Boolean, nullable=False)
    safe_drinking_water: Mapped[bool] = mapped_column(Boolean, nullable=False)
    evidence: Mapped[dict[str, str]] = mapped_column(JSONType, nullable=False, default=dict)
    assessed_on: Mapped[date | None] = mapped_column(Date)
    assessor: Mapped[str | None] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (UniqueConstraint("household_id", "year", name="uq_assessments_household_year"),)


class StatusChange(IdMixin, Base):
    __tablename__ = "household_status_changes"
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(24))
    to_status: Mapped[str] = mapped_column(String(24), nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    year: Mapped[int | None] = mapped_column(Integer)
    evaluation: Mapped[dict[str, object] | None] = mapped_column(JSONType)
    actor_name: Mapped[str | None] = mapped_column(String(100))
    occurred_at: Mapped[datetime] = mapped_column(nullable=False)


class VillageSequence(Base):
    """Next household sequence per village, bumped under a row lock so numbers never collide."""

    __tablename__ = "village_sequences"
    village_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class HouseholdStat(AreaScoped, Base):
    """Households and people per village along one dimension (status, attribute, main cause, exit year of exited
    households): the dashboard reads a few rows per village instead of grouping a million households. Kept
    exact by the service on every write, in the same transaction; `fupin stats rebuild` recomputes it."""

    __tablename__ = "household_stats"
    __area_column__ = "village_code"
    village_code: Mapped[str] = mapped_column(String(12), primary_key=True)
    dimension: Mapped[str] = mapped_column(String(12), primary_key=True)
    value: Mapped[str] = mapped_column(String(24), primary_key=True)
    households: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    people: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
