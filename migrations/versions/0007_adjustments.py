"""adjustment windows and pending changes

The annual adjustment window (年度调整, fupin.adjustments): windows per year and area, and the locked household
changes that wait for one.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 23:57:33.001005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "adjustment_windows",
        sa.Column("public_id", sa.Uuid(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=True),
        sa.Column("opens_on", sa.Date(), nullable=False),
        sa.Column("closes_on", sa.Date(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.Column("created_by_name", sa.String(length=120), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_adjustment_windows")),
        sa.UniqueConstraint("public_id", name=op.f("uq_adjustment_windows_public_id")),
    )
    with op.batch_alter_table("adjustment_windows", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_adjustment_windows_region_code"), ["region_code"], unique=False)

    op.create_table(
        "pending_changes",
        sa.Column("public_id", sa.Uuid(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("changes", JSON, nullable=False),
        sa.Column("base", JSON, nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("requested_by_type", sa.String(length=12), nullable=False),
        sa.Column("requested_by_id", sa.String(length=64), nullable=True),
        sa.Column("requested_by_name", sa.String(length=120), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_name", sa.String(length=120), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(
            ["household_id"], ["households.id"], name=op.f("fk_pending_changes_household_id_households")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pending_changes")),
        sa.UniqueConstraint("public_id", name=op.f("uq_pending_changes_public_id")),
    )
    with op.batch_alter_table("pending_changes", schema=None) as batch_op:
        batch_op.create_index("ix_pending_changes_household_state", ["household_id", "state"], unique=False)
        batch_op.create_index(batch_op.f("ix_pending_changes_region_code"), ["region_code"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("pending_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pending_changes_region_code"))
        batch_op.drop_index("ix_pending_changes_household_state")

    op.drop_table("pending_changes")
    with op.batch_alter_table("adjustment_windows", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_adjustment_windows_region_code"))

    op.drop_table("adjustment_windows")
