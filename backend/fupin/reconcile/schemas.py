"""Request and response models of reconciliation."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from pydantic import Field, model_validator

from fupin.core.schemas import OutModel, RegionCode, StrictModel, error_at

MAX_ITEMS = 10_000  # per JSON request; a whole county streams as NDJSON
Hash = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$", description="Content hash: 64 lowercase hex digits")]
Entity = Literal["households"]


class ReconcileItem(StrictModel):
    """One record as the partner holds it: our `id`, or its `external_id` (with `source_system` when the
    partner's ids are not unique across systems), and its `version` and/or content `hash`
    (docs/integration/content-hash.md). With neither, only presence is compared."""

    id: uuid.UUID | None = None
    external_id: Annotated[str, Field(min_length=1, max_length=80)] | None = None
    source_system: Annotated[str, Field(min_length=1, max_length=40)] | None = None
    version: Annotated[int, Field(ge=1, le=2**31 - 1)] | None = None
    hash: Hash | None = None

    @model_validator(mode="after")
    def _identified(self) -> ReconcileItem:
        if self.id is None and self.external_id is None:
            raise error_at("", "reconcile.unidentified", "每条记录须有 id 或 external_id (id or external_id required)")
        if self.source_system is not None and self.external_id is None:
            raise error_at(
                "source_system", "reconcile.source_without_external_id", "source_system 须与 external_id 同用"
            )
        return self


class ReconcileIn(StrictModel):
    entity: Entity
    region_code: RegionCode
    items: Annotated[list[ReconcileItem], Field(max_length=MAX_ITEMS)]


class ReconcileStream(StrictModel):
    """The query parameters of an NDJSON body (one `ReconcileItem` per line)."""

    entity: Entity
    region_code: RegionCode


class TheirItemOut(OutModel):
    id: uuid.UUID | None
    external_id: str | None
    source_system: str | None
    version: int | None
    hash: str | None


class OurItemOut(OutModel):
    id: uuid.UUID
    external_id: str | None
    source_system: str | None
    version: int
    hash: str


class DifferingOut(OurItemOut):
    their_version: int | None
    their_hash: str | None


class ReconcileOut(OutModel):
    missing_here: list[TheirItemOut] = Field(description="Sent, but not in our register for that region")
    missing_there: list[OurItemOut] = Field(description="Ours in that region (within the caller's area), not sent")
    differing: list[DifferingOut] = Field(description="In both, with another version or content hash: ours given")
    checked: int = Field(description="Items received")
