"""Inputs and outputs of evidence files."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

from fupin.core.schemas import OutModel, StrictModel
from fupin.evidence.owners import OWNER_TYPE_PATTERN

OwnerType = Annotated[
    str,
    Field(pattern=OWNER_TYPE_PATTERN, description="The kind of record the file belongs to: visit (later measure ...)"),
]


class EvidenceForm(StrictModel):
    """The text fields of an upload (multipart, beside the field `file`)."""

    owner_type: OwnerType
    owner_id: uuid.UUID = Field(description="The id of the record the file belongs to")


class EvidenceUpload(BaseModel):
    """multipart/form-data of evidence-upload (documented for the contract)."""

    file: bytes = Field(json_schema_extra={"format": "binary"}, description="JPEG, PNG or PDF (judged by content)")
    owner_type: OwnerType
    owner_id: uuid.UUID


class EvidenceOut(OutModel):
    id: uuid.UUID
    owner_type: str
    owner_id: uuid.UUID
    filename: str = Field(description="The uploaded file's name (cleaned)")
    content_type: str = Field(description="Judged by content: image/jpeg, image/png or application/pdf")
    size: int = Field(description="Bytes")
    sha256: str = Field(description="SHA-256 of the content, hex")
    created_at: datetime
    created_by: str | None
    download_url: str


class EvidencePage(OutModel):
    items: list[EvidenceOut]
    next_cursor: str | None = Field(None, description="Pass as ?cursor= for the next page")


class EvidenceQuery(BaseModel):
    owner_type: OwnerType
    owner_id: uuid.UUID
    limit: Annotated[int, Field(ge=1, le=200)] = 50
    cursor: Annotated[str, Field(max_length=500)] | None = None
