from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from fupin.core.models import Base, IdMixin, Money, TimestampMixin


class PovertyLine(IdMixin, TimestampMixin, Base):
    """Reference data, the same for every area (not area-scoped)."""

    __tablename__ = "poverty_lines"
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    scope: Mapped[str] = mapped_column(String(12), nullable=False)
    amount: Mapped[Decimal] = mapped_column(Money, nullable=False)
    note: Mapped[str | None] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (UniqueConstraint("year", "scope", name="uq_poverty_lines_year_scope"),)
