"""Indexes the failure views need on tables other modules own (declared here, beside the views that use them)."""

from __future__ import annotations

from sqlalchemy import Index, Table, text

from fupin.measures.models import Measure

OPEN_MEASURES = "status IN ('planned', 'in_progress')"
MEASURES: Table = Measure.__table__  # type: ignore[assignment]

# measures-overdue: the open measures by planned date (the longest overdue first), walked in order, scope filtered
OPEN_MEASURES_BY_PLANNED = Index(
    "ix_measures_open_planned",
    MEASURES.c.planned_on,
    MEASURES.c.id,
    postgresql_where=text(OPEN_MEASURES),
    sqlite_where=text(OPEN_MEASURES),
)
