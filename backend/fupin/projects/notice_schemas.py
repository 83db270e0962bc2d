"""Request and response models of a project's public notices (公告公示) and of the list of notices overdue."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from fupin.core.schemas import Code, DateIn, OutModel, RegionCode, StrictModel, code_schema

NoticeKind = Annotated[str, Code("notice_kind"), code_schema("notice_kind")]
Location = Annotated[str, Field(min_length=1, max_length=200)]
OverdueReason = Literal["allocation_unpublished", "entry_missing", "completion_missing", "display_unrecorded"]


class NoticeIn(StrictModel):
    kind: NoticeKind = Field(
        description="entry 入库公示 (from stage approved on, with a target), completion 竣工公告 (accepted or "
        "completed), allocation 资金分配公告 (of one fund allocation of the project)"
    )
    allocation_id: uuid.UUID | None = Field(None, description="The fund allocation (kind allocation only)")
    location: Location | None = Field(None, description="公示地点, e.g. 村委会公示栏")
    display_from: DateIn | None = Field(None, description="公示期起; sent together with display_to")
    display_to: DateIn | None = Field(None, description="公示期止: at least 10 days, both days counted")
    published_on: DateIn | None = Field(
        None,
        description="The day it was put up (公示日期); not after today. For an allocation notice it is the "
        "allocation's published_on too",
    )


class NoticeUpdate(StrictModel):
    """Partial update (PATCH, If-Match): what the notice says stays as it was generated (`figures`)."""

    location: Location | None = None
    display_from: DateIn | None = None
    display_to: DateIn | None = None
    published_on: DateIn | None = Field(None, description="Once set it may change but not return to null")


class NoticeOut(OutModel):
    id: uuid.UUID
    project_id: uuid.UUID
    kind: str
    allocation_id: uuid.UUID | None
    figures: dict[str, Any] = Field(
        description="What the document shows, as it was when the notice was made: the project, its regions, "
        "targets, funds by source, beneficiaries (and for an allocation notice the allocation); money and "
        "quantities as exact decimal strings"
    )
    location: str | None
    display_from: date | None
    display_to: date | None
    published_on: date | None
    created_at: datetime
    actor_name: str
    version: int


class NoticeList(OutModel):
    items: list[NoticeOut]


class DocumentQuery(BaseModel):
    format: Literal["pdf", "html"] = Field("pdf", description="pdf (a file) or html (a printable page)")


class OverdueQuery(BaseModel):
    region_code: RegionCode | None = Field(None, description="Projects lying within this region")
    kind: NoticeKind | None = Field(None, description="Only notices of this kind")


class OverdueItem(OutModel):
    project_id: uuid.UUID
    project_code: str
    project_name: str
    area_code: str
    kind: str
    allocation_id: uuid.UUID | None
    due_on: date = Field(description="The day the notice (or its display period) was due")
    days_overdue: int = Field(description="Calendar days from due_on to today (0: due today)")
    reason: OverdueReason


class OverdueList(OutModel):
    items: list[OverdueItem]
