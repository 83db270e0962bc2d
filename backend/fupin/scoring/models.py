"""Tables of the assessment (考核).

An indicator set (指标体系) is data, one per year. A period (考核期) is computed from the other domains' facts
into one score row per township and village (`assessment_scores`, the figures and explanation of every indicator
in `items`), replaced on every computation until the period is frozen; freezing also keeps the records behind
each shortfall (`assessment_fact_records`), so a published ranking and its drill-down never change afterwards."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from fupin.authz.scope import AreaScoped
from fupin.core.models import Base, IdMixin, JSONType, UTCDateTime, utcnow

PERIOD_STATES = ("open", "computed", "frozen")
LEVELS = {"township": 4, "village": 5}


class IndicatorSet(Base):
    """The indicators of a year's assessment: code, dimension, metric, weight and scoring rule each."""

    __tablename__ = "assessment_indicator_sets"
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    indicators: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, nullable=False)
    updated_by: Mapped[str | None] = mapped_column(String(120))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow, nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    __mapper_args__ = {"version_id_col": version}


class Period(IdMixin, Base):
    """A 考核期: a year (2026), a half (2026H1) or a quarter (2026Q3)."""

    __tablename__ = "assessment_periods"
    code: Mapped[str] = mapped_column(String(8), unique=True, nullable=False)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    starts_on: Mapped[date] = mapped_column(Date, nullable=False)
    ends_on: Mapped[date] = mapped_column(Date, nullable=False)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    state: Mapped[str] = mapped_column(String(10), nullable=False, default="open")
    # the indicators of the last computation (a copy: editing the year's set later changes no computed period)
    indicators: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONType)
    # the day the facts were read up to: the period's end, or the day of computation if that was earlier
    as_of: Mapped[date | None] = mapped_column(Date)
    computed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    computed_by: Mapped[str | None] = mapped_column(String(120))
    frozen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    frozen_by: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    __mapper_args__ = {"version_id_col": version}


class Score(AreaScoped, IdMixin, Base):
    """A township's or village's score in a period, with its rank among the units of its level."""

    __tablename__ = "assessment_scores"
    __area_column__ = "region_code"
    period_id: Mapped[int] = mapped_column(ForeignKey("assessment_periods.id", ondelete="CASCADE"), nullable=False)
    region_code: Mapped[str] = mapped_column(String(12), nullable=False)
    level: Mapped[str] = mapped_column(String(10), nullable=False)
    total: Mapped[Decimal] = mapped_column(Numeric(7, 2), nullable=False)
    rank: Mapped[int] = mapped_column(Integer, nullable=False)
    ranked: Mapped[int] = mapped_column(Integer, nullable=False)  # how many units of the level were ranked
    bottom_three: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    dimensions: Mapped[dict[str, str]] = mapped_column(JSONType, nullable=False)
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, nullable=False)
    __table_args__ = (
        UniqueConstraint("period_id", "region_code", name="uq_assessment_scores_period_region"),
        Index("ix_assessment_scores_period_level_rank", "period_id", "level", "rank"),
    )


class FactRecord(AreaScoped, IdMixin, Base):
    """A record behind a shortfall of a frozen period: a household not visited, a finding overdue ... in the region
    it counted for (the finest: a village, or a township for a township's own finding)."""

    __tablename__ = "assessment_fact_records"
    __area_column__ = "region_code"
    period_id: Mapped[int] = mapped_column(ForeignKey("assessment_periods.id", ondelete="CASCADE"), nullable=False)
    metric: Mapped[str] = mapped_column(String(32), nullable=False)
    region_code: Mapped[str] = mapped_column(String(12), nullable=False)
    record_key: Mapped[str] = mapped_column(String(40), nullable=False)
    numerator: Mapped[int] = mapped_column(Integer, nullable=False)
    denominator: Mapped[int] = mapped_column(Integer, nullable=False)
    flags: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    __table_args__ = (Index("ix_assessment_fact_records_lookup", "period_id", "metric", "region_code", "record_key"),)
