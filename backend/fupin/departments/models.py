"""Line departments (行业部门) and their field: the measure types each one records. The mapping is data an
administrator edits (`PUT /api/v1/departments/{code}`); migration 0009 seeds the work plan's mapping."""

from __future__ import annotations

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from fupin.core.models import Base, JSONType, TimestampMixin


class Department(TimestampMixin, Base):
    __tablename__ = "departments"
    code: Mapped[str] = mapped_column(String(24), primary_key=True)
    name: Mapped[str] = mapped_column(String(60), nullable=False)
    # measure types of the department's field
    measure_types: Mapped[list[str]] = mapped_column(JSONType, nullable=False, default=list)
    # measure types it owns only for a member with a disability (残联 → 健康)
    disabled_member_types: Mapped[list[str]] = mapped_column(JSONType, nullable=False, default=list)
    # project categories the department edits (住建局 危房改造, 水利局 饮水, 交通局 道路 ...)
    project_categories: Mapped[list[str]] = mapped_column(JSONType, nullable=False, default=list)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}
