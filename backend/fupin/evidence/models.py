"""The evidence table: one stored file, attached to one owner record (a visit, a measure ...)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Index, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from fupin.authz.scope import AreaScoped
from fupin.core.models import Base, IdMixin, UTCDateTime, utcnow


class Evidence(AreaScoped, IdMixin, Base):
    """A file kept under the evidence directory (`storage_key`, relative to it), scoped like its owner: the
    owner's region when it was attached (`region_code`) and its household (`subject_id`, for the trail)."""

    __tablename__ = "evidence"
    __area_column__ = "region_code"
    __follows_household__ = ("subject_id", "public_id")
    __feed_entity__ = "evidence"
    __table_args__ = (Index("ix_evidence_owner", "owner_type", "owner_id"),)

    public_id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True, default=uuid.uuid4, nullable=False)
    owner_type: Mapped[str] = mapped_column(String(20), nullable=False)
    owner_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    region_code: Mapped[str] = mapped_column(String(12), nullable=False, index=True)
    subject_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    filename: Mapped[str] = mapped_column(String(200), nullable=False)
    content_type: Mapped[str] = mapped_column(String(40), nullable=False)
    size: Mapped[int] = mapped_column(BigInteger, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    storage_key: Mapped[str] = mapped_column(String(80), nullable=False)
    created_by_name: Mapped[str | None] = mapped_column(String(120), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
