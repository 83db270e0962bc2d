"""Inputs and outputs of line departments and their fields."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field, model_validator

from fupin.core.schemas import OutModel, StrictModel, error_at
from fupin.measures.schemas import MeasureType
from fupin.projects.schemas import Category


class DepartmentOut(OutModel):
    code: str
    name: str
    measure_types: list[str] = Field(description="measure_type codes the department records")
    disabled_member_types: list[str] = Field(
        description="measure_type codes it records only for a member with a disability (残联 → 健康)"
    )
    project_categories: list[str] = Field(description="project_category codes of the projects the department edits")
    version: int
    updated_at: datetime


class DepartmentList(OutModel):
    items: list[DepartmentOut]


class DepartmentUpdate(StrictModel):
    """The department's name and field; what is not sent stays."""

    name: Annotated[str, Field(min_length=2, max_length=60)] | None = None
    measure_types: Annotated[list[MeasureType], Field(max_length=14)] | None = None
    disabled_member_types: Annotated[list[MeasureType], Field(max_length=14)] | None = None
    project_categories: Annotated[list[Category], Field(max_length=20)] | None = None

    @model_validator(mode="after")
    def _distinct(self) -> DepartmentUpdate:
        for name in ("measure_types", "disabled_member_types", "project_categories"):
            values = getattr(self, name)
            if values is not None and len(set(values)) != len(values):
                raise error_at(name, "department.duplicate_type", "措施类型或项目类别不能重复")
        if all(
            getattr(self, name) is None
            for name in ("name", "measure_types", "disabled_member_types", "project_categories")
        ):
            raise error_at(
                "measure_types",
                "required",
                "须至少提供 name、measure_types、disabled_member_types 或 project_categories 之一",
            )
        return self
