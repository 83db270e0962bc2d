"""Dashboard figures: response models."""

from __future__ import annotations

from fupin.core.schemas import OutModel


class Bucket(OutModel):
    code: str
    households: int
    people: int


class YearBucket(OutModel):
    year: int
    households: int
    people: int


class PoorVillage(OutModel):
    code: str
    name: str
    poverty_exit_year: int | None
    households: int
    not_exited: int


class Summary(OutModel):
    region_code: str | None
    households: int
    people: int
    by_status: list[Bucket]
    by_attribute: list[Bucket]
    by_main_cause: list[Bucket]
    exits_by_year: list[YearBucket]
    poor_villages: list[PoorVillage]
