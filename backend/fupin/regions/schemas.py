from __future__ import annotations

from datetime import date

from fupin.core.schemas import OutModel


class RegionOut(OutModel):
    code: str
    name: str
    level: int
    parent_code: str | None
    is_poor_village: bool
    poverty_exit_year: int | None
    valid_from: date
    valid_to: date | None
    has_children: bool = False


class RegionDetail(RegionOut):
    path: list[RegionOut]


class RegionList(OutModel):
    items: list[RegionOut]
