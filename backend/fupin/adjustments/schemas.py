"""Inputs and outputs of adjustment windows and pending changes."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, Field, model_validator

from fupin.core.schemas import DateIn, OutModel, StrictModel, error_at
from fupin.households.fields import Year

PendingState = Literal["pending", "applied", "cancelled", "failed"]
CLOSES_BEFORE_OPENS = "adjustment_window.closes_before_opens"
CLOSES_BEFORE_OPENS_MESSAGE = "调整期结束日期不能早于开始日期 (closes_on is before opens_on)"
# the reason of a privileged change of a locked field outside the window (households-update, households-transition)
OverrideReason = Annotated[
    str,
    Field(
        min_length=4,
        max_length=500,
        description="Apply a locked change now, outside the adjustment window (needs adjustments:override); audited",
    ),
]


class WindowIn(StrictModel):
    year: Year = Field(description="The adjustment year (年度)")
    opens_on: DateIn
    closes_on: DateIn
    note: Annotated[str, Field(max_length=200)] | None = None

    @model_validator(mode="after")
    def _order(self) -> WindowIn:
        if self.closes_on < self.opens_on:
            raise error_at("closes_on", CLOSES_BEFORE_OPENS, CLOSES_BEFORE_OPENS_MESSAGE)
        return self


class WindowUpdate(StrictModel):
    """Partial update: only the fields sent change."""

    not_null: ClassVar[frozenset[str]] = frozenset({"year", "opens_on", "closes_on"})

    year: Year | None = None
    opens_on: DateIn | None = None
    closes_on: DateIn | None = None
    note: Annotated[str, Field(max_length=200)] | None = None


class WindowOut(OutModel):
    id: uuid.UUID
    year: int
    opens_on: date
    closes_on: date
    note: str | None
    is_open: bool = Field(description="Open today: opens_on <= today <= closes_on")
    region_code: str | None = Field(description="The area the window is for (None: the whole system)")
    created_at: datetime
    updated_at: datetime
    version: int
    apply_job_id: uuid.UUID | None = Field(
        None, description="On create/update of a window that is open now: the adjustments.apply job queued"
    )


class WindowList(OutModel):
    items: list[WindowOut]


class RequestedBy(OutModel):
    type: str
    id: str | None
    name: str | None


class PendingChangeOut(OutModel):
    id: uuid.UUID
    household_id: uuid.UUID
    household_number: str
    kind: Literal["update", "transition"]
    changes: dict[str, Any] = Field(description="update: the locked fields sent; transition: to_status, reason, year")
    base: dict[str, Any] = Field(description="The values the change was asked against; applying fails if they moved")
    state: PendingState
    reason: str | None = Field(description="Why it was cancelled")
    requested_by: RequestedBy
    requested_at: datetime
    decided_at: datetime | None
    decided_by: str | None
    error: str | None = Field(description="Why applying it failed")
    version: int


class PendingChangeAccepted(OutModel):
    """202 of households-update / households-transition: the locked part waits for the adjustment window."""

    pending_change: PendingChangeOut


class PendingChangePage(OutModel):
    items: list[PendingChangeOut]
    next_cursor: str | None = Field(None, description="Pass as ?cursor= for the next page")


class PendingChangesQuery(BaseModel):
    state: PendingState | None = None
    household_id: uuid.UUID | None = None
    limit: Annotated[int, Field(ge=1, le=200)] = 50
    cursor: Annotated[str, Field(max_length=500)] | None = None


class CancelIn(StrictModel):
    reason: Annotated[str, Field(min_length=2, max_length=500)]
