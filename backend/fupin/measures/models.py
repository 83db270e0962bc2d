"""Assistance measures (帮扶措施): what is done for a household or one of its members."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from fupin.authz.scope import AreaScoped
from fupin.core.models import Base, IdMixin, Money, PublicIdMixin, TimestampMixin
from fupin.projects import models as _projects  # noqa: F401  (the table measures.project_id refers to)


class Measure(AreaScoped, IdMixin, PublicIdMixin, TimestampMixin, Base):
    """A measure belongs to the area of its household: `village_code` is the household's, copied on create."""

    __tablename__ = "measures"
    __area_column__ = "village_code"
    __follows_household__ = ("household_id", "id")
    __feed_entity__ = "measure"
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"), nullable=False)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    # the responsible cadre (责任干部), optional
    cadre_id: Mapped[int | None] = mapped_column(ForeignKey("cadres.id", ondelete="SET NULL"))
    # the project the measure is delivered through (a renovation, a water project ...), optional
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id", ondelete="SET NULL"))
    village_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), nullable=False)
    type: Mapped[str] = mapped_column(String(16), nullable=False)
    content: Mapped[str] = mapped_column(String(1000), nullable=False)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    department: Mapped[str | None] = mapped_column(String(24))
    amount: Mapped[Decimal | None] = mapped_column(Money)
    planned_on: Mapped[date] = mapped_column(Date, nullable=False)
    done_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), nullable=False, default="planned")
    status_reason: Mapped[str | None] = mapped_column(String(500))
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        # the list by area, newest first, and its keyset pages
        Index("ix_measures_village_id", "village_code", "id"),
        Index("ix_measures_household", "household_id"),
        Index("ix_measures_member", "member_id"),
        Index("ix_measures_cadre", "cadre_id"),
        Index("ix_measures_project", "project_id"),
        Index("ix_measures_year_type", "year", "type"),
        UniqueConstraint("source_system", "external_id", name="uq_measures_source_external"),
    )
