"""Tables of supervision findings (督查问题整改台账).

A finding belongs to its responsible region (`region_code`, what scopes read and write it): the region whose
units must rectify it. Its number is gap-free per year, allocated from a per-year counter row (`finding_counters`)
locked for update. Tasks (整改措施), links to the records the finding is about and the step history hang off the
finding and are read through it."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from fupin.authz.scope import AreaScoped
from fupin.core.models import Base, IdMixin, JSONType, PublicIdMixin, TimestampMixin, UTCDateTime, utcnow

STATES = ("pending", "rectifying", "submitted", "returned", "closed", "transferred")
OPEN_STATES = ("pending", "rectifying", "submitted", "returned")
LINK_TYPES = ("household", "project", "measure", "disbursement")


class Finding(AreaScoped, IdMixin, PublicIdMixin, TimestampMixin, Base):
    __tablename__ = "findings"
    __area_column__ = "region_code"
    __feed_entity__ = "finding"

    year: Mapped[int] = mapped_column(Integer, nullable=False)
    number: Mapped[int] = mapped_column(Integer, nullable=False)  # gap-free per year
    source: Mapped[str] = mapped_column(String(24), nullable=False)  # code table finding_source
    batch: Mapped[str] = mapped_column(String(100), nullable=False)  # the inspection it came from (批次)
    category: Mapped[str] = mapped_column(String(24), nullable=False)  # finding_category
    severity: Mapped[str] = mapped_column(String(16), nullable=False)  # finding_severity
    timeframe: Mapped[str] = mapped_column(String(16), nullable=False)  # finding_timeframe
    description: Mapped[str] = mapped_column(Text, nullable=False)
    # the responsible region (责任区划): the finding's area
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), nullable=False)
    lead_unit: Mapped[str] = mapped_column(String(100), nullable=False)  # 牵头单位
    responsible_unit: Mapped[str] = mapped_column(String(100), nullable=False)  # 责任单位
    responsible_person: Mapped[str | None] = mapped_column(String(50))  # 责任人
    raised_on: Mapped[date] = mapped_column(Date, nullable=False)
    deadline: Mapped[date] = mapped_column(Date, nullable=False)
    state: Mapped[str] = mapped_column(String(16), nullable=False, default="pending")  # finding_state
    state_reason: Mapped[str | None] = mapped_column(String(500))
    rectification: Mapped[str | None] = mapped_column(Text)  # 整改情况
    closed_by: Mapped[str | None] = mapped_column(String(120))
    closed_on: Mapped[date | None] = mapped_column(Date)
    reopened: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)  # 回头看 found it again
    reopened_by_id: Mapped[int | None] = mapped_column(ForeignKey("findings.id"))  # the 回头看 finding
    # deadlines (set by the daily job `findings.deadlines`): days past the deadline, paused days excluded
    overdue_days: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    warning: Mapped[str | None] = mapped_column(String(8))  # None, yellow (黄牌) or red (红牌)
    yellow_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)  # yellow warnings ever given
    escalated_to: Mapped[str | None] = mapped_column(ForeignKey("regions.code"))  # the supervising region now
    paused: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)  # a pause runs today
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        UniqueConstraint("year", "number", name="uq_findings_year_number"),
        UniqueConstraint("source_system", "external_id", name="uq_findings_source_external"),
        Index("ix_findings_region_id", "region_code", "id"),
        Index("ix_findings_state_deadline", "state", "deadline"),
        Index("ix_findings_batch", "batch"),
    )


class FindingCounter(Base):
    """The last number given to a finding of the year, bumped under a row lock so numbers have no gaps."""

    __tablename__ = "finding_counters"
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_value: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class FindingLink(IdMixin, Base):
    """A record the finding is about: a household, a project, a measure or a disbursement (by its public id)."""

    __tablename__ = "finding_links"
    finding_id: Mapped[int] = mapped_column(ForeignKey("findings.id", ondelete="CASCADE"), nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    type: Mapped[str] = mapped_column(String(16), nullable=False)
    target_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    __table_args__ = (
        UniqueConstraint("finding_id", "type", "target_id", name="uq_finding_links_target"),
        Index("ix_finding_links_target", "type", "target_id"),
    )


class FindingTask(IdMixin, Base):
    """A rectification task (整改措施): what, who, by when, done when."""

    __tablename__ = "finding_tasks"
    public_id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True, default=uuid.uuid4, nullable=False)
    finding_id: Mapped[int] = mapped_column(ForeignKey("findings.id", ondelete="CASCADE"), nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    what: Mapped[str] = mapped_column(String(500), nullable=False)
    who: Mapped[str] = mapped_column(String(100), nullable=False)
    due_on: Mapped[date] = mapped_column(Date, nullable=False)
    done_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (Index("ix_finding_tasks_finding", "finding_id", "position"),)


class FindingStep(IdMixin, Base):
    """One move of the finding through its workflow: who, when, why, evidence. Never changed."""

    __tablename__ = "finding_steps"
    finding_id: Mapped[int] = mapped_column(ForeignKey("findings.id", ondelete="CASCADE"), nullable=False)
    from_state: Mapped[str | None] = mapped_column(String(16))  # None: the finding was raised
    to_state: Mapped[str] = mapped_column(String(16), nullable=False)
    reason: Mapped[str | None] = mapped_column(String(500))
    evidence_ids: Mapped[list[str]] = mapped_column(JSONType, nullable=False, default=list)
    actor_type: Mapped[str] = mapped_column(String(16), nullable=False)
    actor_id: Mapped[str] = mapped_column(String(64), nullable=False)
    actor_name: Mapped[str] = mapped_column(String(120), nullable=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    __table_args__ = (Index("ix_finding_steps_finding", "finding_id", "id"),)


class FindingPause(IdMixin, Base):
    """The deadline paused while the finding waits on another body (等待其他部门): its days do not count as
    overdue. Open (`ends_on` null) until ended."""

    __tablename__ = "finding_pauses"
    public_id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True, default=uuid.uuid4, nullable=False)
    finding_id: Mapped[int] = mapped_column(ForeignKey("findings.id", ondelete="CASCADE"), nullable=False)
    reason: Mapped[str] = mapped_column(String(500), nullable=False)
    waits_on: Mapped[str] = mapped_column(String(100), nullable=False)
    starts_on: Mapped[date] = mapped_column(Date, nullable=False)
    ends_on: Mapped[date | None] = mapped_column(Date)
    started_by: Mapped[str] = mapped_column(String(120), nullable=False)
    ended_by: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    __table_args__ = (Index("ix_finding_pauses_finding", "finding_id", "starts_on"),)


class FindingEscalation(IdMixin, Base):
    """A warning (yellow/red) the daily job gave, and the region the finding was escalated to. Never changed."""

    __tablename__ = "finding_escalations"
    finding_id: Mapped[int] = mapped_column(ForeignKey("findings.id", ondelete="CASCADE"), nullable=False)
    level: Mapped[str] = mapped_column(String(8), nullable=False)  # yellow, red
    from_region: Mapped[str] = mapped_column(ForeignKey("regions.code"), nullable=False)
    to_region: Mapped[str | None] = mapped_column(ForeignKey("regions.code"))  # None: no level above
    on_day: Mapped[date] = mapped_column(Date, nullable=False)
    overdue_days: Mapped[int] = mapped_column(Integer, nullable=False)
    by: Mapped[str] = mapped_column(String(64), nullable=False)  # the job's public id
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    __table_args__ = (
        UniqueConstraint("finding_id", "level", "on_day", name="uq_finding_escalations_day"),
        Index("ix_finding_escalations_finding", "finding_id", "id"),
    )
