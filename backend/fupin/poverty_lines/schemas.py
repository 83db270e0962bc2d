from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import Field

from fupin.core.schemas import MoneyOut, OutModel, StrictModel


class PovertyLineOut(OutModel):
    year: int
    scope: str
    amount: MoneyOut
    note: str | None
    version: int


class PovertyLineIn(StrictModel):
    amount: Annotated[Decimal, Field(gt=0, le=1_000_000, decimal_places=2)]
    note: Annotated[str, Field(max_length=200)] | None = None


class PovertyLineList(OutModel):
    items: list[PovertyLineOut]
