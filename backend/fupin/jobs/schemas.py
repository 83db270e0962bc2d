"""Inputs and outputs of jobs."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from fupin.core.schemas import OutModel, RegionCode, StrictModel

JobState = Literal["queued", "running", "succeeded", "failed", "cancelled"]


class Progress(OutModel):
    done: int = Field(description="Units of work done (rows, villages ...), committed")
    total: int | None = Field(description="Units of work in all, once known")
    rate: float | None = Field(None, description="Units per second since the job started")


class JobOwner(OutModel):
    type: str
    id: str | None
    name: str | None


class JobOut(OutModel):
    id: uuid.UUID
    kind: str
    state: JobState
    cancel_requested: bool = Field(description="A cancel was asked for; the worker stops at the next chunk")
    progress: Progress
    owner: JobOwner
    region_code: str | None = Field(description="The job's area (None: the whole system)")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    report: dict[str, Any] | None = None
    error: str | None = None


class JobPage(OutModel):
    items: list[JobOut]
    next_cursor: str | None = Field(None, description="Pass as ?cursor= for the next page")


class JobsQuery(BaseModel):
    limit: Annotated[int, Field(ge=1, le=200)] = 50
    cursor: Annotated[str, Field(max_length=500)] | None = None
    state: JobState | None = None
    kind: Annotated[str, Field(max_length=40)] | None = None


class StatsRebuildIn(StrictModel):
    region_code: RegionCode | None = Field(None, description="A part of the caller's area (default: all of it)")
    chunk_villages: Annotated[int, Field(ge=1, le=1000)] = Field(50, description="Villages per chunk")
