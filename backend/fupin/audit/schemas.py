"""Response models and query parameters of the audit trail and the change feed."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field

from fupin.core.schemas import OutModel

MAX_SEQ = 2**63 - 1
Seq = Annotated[int, Field(ge=0, le=MAX_SEQ)]


class AuditEventOut(OutModel):
    seq: int
    occurred_at: datetime
    actor_type: str
    actor_id: str | None
    actor_name: str | None
    request_id: str | None
    action: str
    entity_type: str
    entity_id: str | None
    region_code: str | None
    changes: dict[str, Any] = Field(description="field → [before, after]; personal data masked without pii")
    hash: str


class AuditPage(OutModel):
    items: list[AuditEventOut]
    next_after: int | None = Field(None, description="Pass as ?after= to continue")


class ChangeOut(OutModel):
    seq: int
    occurred_at: datetime
    entity_type: str
    entity_id: str
    household_id: str | None = Field(
        description="The household the change belongs to: the household itself, or the household of a member, a "
        "yearly record or a pending change (re-read it with GET /households/{household_id}); null for others"
    )
    external_id: str | None = Field(description="The household's id in its source system (a member's: its household's)")
    source_system: str | None
    action: str = Field(description="created, updated, status_changed, removed, ..., moved_out (a tombstone)")
    region_code: str | None
    version: int | None = Field(description="The household's version after the change")
    tombstone: bool = Field(
        description="The entity is no longer in region_code (moved to another village, 注销, a member removed): "
        "drop it from the copy of that area"
    )


class ChangePage(OutModel):
    items: list[ChangeOut]
    next_after: str = Field(
        description="The position to pass as ?after= next time (opaque; after the last entry returned, or the "
        "position given when there was none)",
        examples=["eyJrIjoiZmVlZCIsInYiOlsxMjNdfQ.Yz4Rk1xK"],
    )


class TrailQuery(BaseModel):
    after: Seq = 0
    limit: Annotated[int, Field(ge=1, le=200)] = 100


class AuditQuery(BaseModel):
    after: Seq = 0
    limit: Annotated[int, Field(ge=1, le=200)] = 50
    entity_type: Annotated[str, Field(max_length=40)] | None = None
    entity_id: Annotated[str, Field(max_length=64)] | None = None
    actor_id: Annotated[str, Field(max_length=64)] | None = None
    action: Annotated[str, Field(max_length=60)] | None = None


class ChangesQuery(BaseModel):
    after: Annotated[str, Field(max_length=200)] = Field(
        "0",
        description="The position returned as next_after (or an export's X-Fupin-Changes-Position); a plain "
        "seq is accepted too, 0 from the start",
    )
    limit: Annotated[int, Field(ge=1, le=1000)] = 100
