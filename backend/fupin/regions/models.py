from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from fupin.authz.scope import AreaScoped
from fupin.core.models import Base


class Region(AreaScoped, Base):
    """行政区划: a node of the city → county → township → village tree, keyed by its 12-digit code."""

    __tablename__ = "regions"
    __area_column__ = "code"
    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(String(60), nullable=False)
    level: Mapped[int] = mapped_column(Integer, nullable=False)
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"), index=True)
    is_poor_village: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    poverty_exit_year: Mapped[int | None] = mapped_column(Integer)
    valid_from: Mapped[date] = mapped_column(Date, nullable=False, default=date(2014, 1, 1))
    valid_to: Mapped[date | None] = mapped_column(Date)
