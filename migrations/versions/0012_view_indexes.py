"""indexes of the failure views

measures-overdue walks the open measures (planned, in progress) by planned date: a partial index on
(planned_on, id) of those.

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-02 04:55:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = "status IN ('planned', 'in_progress')"


def upgrade() -> None:
    op.create_index(
        "ix_measures_open_planned",
        "measures",
        ["planned_on", "id"],
        unique=False,
        postgresql_where=sa.text(OPEN),
        sqlite_where=sa.text(OPEN),
    )


def downgrade() -> None:
    op.drop_index("ix_measures_open_planned", table_name="measures")
