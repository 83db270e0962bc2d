"""Tables of the project library (扶贫项目库).

A project belongs to one county (its code is unique per year and county) and covers one or many regions of that
county. Its area (`area_code`, what scopes read and write it) is the smallest region holding all of its regions:
a project of two villages of one township is the township's, seen by the township, its county and the city.

Every child table hangs off the project and is read through it. Money is NUMERIC(14, 2) end to end; quantities
of targets NUMERIC(14, 3) (196.6 公里, 30 MW)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from fupin.authz.scope import AreaScoped
from fupin.core.models import Base, IdMixin, JSONType, Money, PublicIdMixin, TimestampMixin, UTCDateTime, utcnow

Quantity = Numeric(14, 3)

STAGES = ("declared", "reviewed", "approved", "in_library", "implementing", "accepted", "completed", "removed")


class Project(AreaScoped, IdMixin, PublicIdMixin, TimestampMixin, Base):
    __tablename__ = "projects"
    __area_column__ = "area_code"
    __feed_entity__ = "project"

    code: Mapped[str] = mapped_column(String(40), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    category: Mapped[str] = mapped_column(String(24), nullable=False)  # code table project_category
    level: Mapped[str] = mapped_column(String(16), nullable=False)  # project_level
    nature: Mapped[str] = mapped_column(String(16), nullable=False)  # construction_nature
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    county_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), nullable=False)
    # the smallest region holding every region of the project (the project's area)
    area_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), nullable=False)
    responsible_unit: Mapped[str] = mapped_column(String(100), nullable=False)
    responsible_person: Mapped[str | None] = mapped_column(String(50))
    planned_start_on: Mapped[date] = mapped_column(Date, nullable=False)
    due_on: Mapped[date] = mapped_column(Date, nullable=False)
    benefit_mechanism: Mapped[str | None] = mapped_column(Text)  # 带贫减贫机制
    stage: Mapped[str] = mapped_column(String(16), nullable=False, default="declared")
    stage_reason: Mapped[str | None] = mapped_column(String(500))
    entered_library_on: Mapped[date | None] = mapped_column(Date)  # the day of 入库
    completed_on: Mapped[date | None] = mapped_column(Date)  # the day of 完成
    removed_on: Mapped[date | None] = mapped_column(Date)  # the day of 出库
    # derived (projects.health): kept on the row so lists filter and count by it; recomputed after every write of
    # the project's targets and milestones and daily as dates pass
    health: Mapped[str] = mapped_column(String(12), nullable=False, default="on_track")
    progress: Mapped[Decimal | None] = mapped_column(Numeric(6, 4))
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        UniqueConstraint("year", "county_code", "code", name="uq_projects_year_county_code"),
        UniqueConstraint("source_system", "external_id", name="uq_projects_source_external"),
        Index("ix_projects_area_id", "area_code", "id"),
        Index("ix_projects_county_year", "county_code", "year"),
        Index("ix_projects_category_stage", "category", "stage"),
        Index("ix_projects_area_health", "area_code", "health"),
    )


class ProjectRegion(Base):
    """A region the project covers (one or many, all in the project's county)."""

    __tablename__ = "project_regions"
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), primary_key=True)
    __table_args__ = (Index("ix_project_regions_region", "region_code"),)


class ProjectStep(IdMixin, Base):
    """One move of the project through the library stages: who, when, why, evidence. Never changed."""

    __tablename__ = "project_steps"
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), nullable=False)
    from_stage: Mapped[str | None] = mapped_column(String(16))  # None: the declaration (申报) itself
    to_stage: Mapped[str] = mapped_column(String(16), nullable=False)
    reason: Mapped[str | None] = mapped_column(String(500))
    evidence_ids: Mapped[list[str]] = mapped_column(JSONType, nullable=False, default=list)
    actor_type: Mapped[str] = mapped_column(String(16), nullable=False)
    actor_id: Mapped[str] = mapped_column(String(64), nullable=False)
    actor_name: Mapped[str] = mapped_column(String(120), nullable=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    __table_args__ = (Index("ix_project_steps_project", "project_id", "id"),)


class ProjectTarget(IdMixin, Base):
    """A performance target or output (绩效目标 / 产出指标). `actual` is the latest update's value (or, with
    `derived_from` set, counted from the linked measures of that type that are done); updates are kept in
    `project_target_updates`, never overwritten."""

    __tablename__ = "project_targets"
    public_id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True, default=uuid.uuid4, nullable=False)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    metric: Mapped[str] = mapped_column(String(100), nullable=False)
    unit: Mapped[str] = mapped_column(String(16), nullable=False)  # code table target_unit
    baseline: Mapped[Decimal] = mapped_column(Quantity, nullable=False, default=Decimal(0))
    target: Mapped[Decimal] = mapped_column(Quantity, nullable=False)
    actual: Mapped[Decimal] = mapped_column(Quantity, nullable=False, default=Decimal(0))
    # a measure type (housing, water): the actual is the number of linked households whose measure is done
    derived_from: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (Index("ix_project_targets_project", "project_id", "position"),)


class ProjectTargetUpdate(IdMixin, Base):
    """One reported actual of a target (实际完成): who, when, evidence. Never changed."""

    __tablename__ = "project_target_updates"
    target_id: Mapped[int] = mapped_column(ForeignKey("project_targets.id", ondelete="CASCADE"), nullable=False)
    actual: Mapped[Decimal] = mapped_column(Quantity, nullable=False)
    previous: Mapped[Decimal] = mapped_column(Quantity, nullable=False)
    as_of: Mapped[date] = mapped_column(Date, nullable=False)
    note: Mapped[str | None] = mapped_column(String(500))
    evidence_ids: Mapped[list[str]] = mapped_column(JSONType, nullable=False, default=list)
    actor_type: Mapped[str] = mapped_column(String(16), nullable=False)
    actor_id: Mapped[str] = mapped_column(String(64), nullable=False)
    actor_name: Mapped[str] = mapped_column(String(120), nullable=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    __table_args__ = (Index("ix_project_target_updates_target", "target_id", "id"),)


class ProjectMilestone(IdMixin, Base):
    __tablename__ = "project_milestones"
    public_id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True, default=uuid.uuid4, nullable=False)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    due_on: Mapped[date] = mapped_column(Date, nullable=False)
    done_on: Mapped[date | None] = mapped_column(Date)
    # files attached to the project that show the milestone reached (None on milestones recorded before 0016)
    evidence_ids: Mapped[list[str] | None] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (Index("ix_project_milestones_project", "project_id", "position"),)


class FundAllocation(IdMixin, Base):
    """Funds allocated to a project from one source (资金下达), with the allocating document."""

    __tablename__ = "fund_allocations"
    public_id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True, default=uuid.uuid4, nullable=False)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), nullable=False)
    source: Mapped[str] = mapped_column(String(24), nullable=False)  # code table fund_source
    amount: Mapped[Decimal] = mapped_column(Money, nullable=False)
    document_no: Mapped[str] = mapped_column(String(80), nullable=False)
    allocated_on: Mapped[date] = mapped_column(Date, nullable=False)
    # the day the allocation was made public (公告公示, due within 15 working days)
    published_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    actor_name: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    __table_args__ = (
        Index("ix_fund_allocations_project_source", "project_id", "source"),
        Index("ix_fund_allocations_allocated_on", "allocated_on"),
    )


class FundDisbursement(IdMixin, Base):
    """A payment against a voucher (报账), in stages. Never edited or deleted: a correction is a new entry with the
    opposite (negative) amount referencing the one it corrects (`corrects_id`)."""

    __tablename__ = "fund_disbursements"
    public_id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True, default=uuid.uuid4, nullable=False)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), nullable=False)
    source: Mapped[str] = mapped_column(String(24), nullable=False)
    amount: Mapped[Decimal] = mapped_column(Money, nullable=False)  # negative for a correction
    paid_on: Mapped[date] = mapped_column(Date, nullable=False)
    payee: Mapped[str] = mapped_column(String(120), nullable=False)
    # a payment to a poor household (直补到户), when the payee is one
    payee_household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id", ondelete="SET NULL"))
    purpose: Mapped[str] = mapped_column(String(300), nullable=False)
    voucher_no: Mapped[str] = mapped_column(String(80), nullable=False)
    stage: Mapped[str | None] = mapped_column(String(40))  # 预付款, 进度款, 尾款 ...
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("fund_disbursements.id"))
    evidence_ids: Mapped[list[str]] = mapped_column(JSONType, nullable=False, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    actor_name: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    __table_args__ = (
        Index("ix_fund_disbursements_project_source", "project_id", "source"),
        Index("ix_fund_disbursements_voucher", "voucher_no"),
        Index("ix_fund_disbursements_payee_household", "payee_household_id"),
        Index("ix_fund_disbursements_corrects", "corrects_id"),
    )


class ProjectBeneficiary(Base):
    """A household benefiting from the project (受益户); its measures link with `measures.project_id`."""

    __tablename__ = "project_beneficiaries"
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    __table_args__ = (Index("ix_project_beneficiaries_household", "household_id"),)


class ProjectNotice(IdMixin, Base):
    """A public notice (公告公示) of a project: at entry to the library, at completion, or of a fund allocation.
    `figures` keeps what the notice said when it was generated, so the document is reproducible."""

    __tablename__ = "project_notices"
    public_id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True, default=uuid.uuid4, nullable=False)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)  # code table notice_kind
    allocation_id: Mapped[int | None] = mapped_column(ForeignKey("fund_allocations.id", ondelete="CASCADE"))
    figures: Mapped[dict[str, object]] = mapped_column(JSONType, nullable=False, default=dict)
    location: Mapped[str | None] = mapped_column(String(200))  # where it is displayed (公示地点)
    display_from: Mapped[date | None] = mapped_column(Date)
    display_to: Mapped[date | None] = mapped_column(Date)
    published_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    actor_name: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (Index("ix_project_notices_project", "project_id", "kind"),)
