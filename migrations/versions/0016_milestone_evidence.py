"""Milestones keep their evidence (the files of the project that show a milestone was reached).

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    # nullable: the milestones recorded before carry no files (read as none)
    op.add_column("project_milestones", sa.Column("evidence_ids", JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("project_milestones") as batch:
        batch.drop_column("evidence_ids")
