"""household summary per village

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 15:18:48.020016
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "household_stats",
        sa.Column("village_code", sa.String(length=12), nullable=False),
        sa.Column("dimension", sa.String(length=12), nullable=False),
        sa.Column("value", sa.String(length=24), nullable=False),
        sa.Column("households", sa.Integer(), nullable=False),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("village_code", "dimension", "value", name=op.f("pk_household_stats")),
    )
    # fill it from the register that already exists
    for dimension, column, where in (
        ("status", "status", ""),
        ("attribute", "attribute", ""),
        ("main_cause", "main_cause", ""),
        (
            "exit_year",
            "CAST(exit_year AS VARCHAR(24))",
            "WHERE exit_year IS NOT NULL AND status IN ('exited_with_policy', 'exited_no_policy')",
        ),
    ):
        op.execute(
            "INSERT INTO household_stats (village_code, dimension, value, households, people) "
            f"SELECT village_code, '{dimension}', {column}, COUNT(*), SUM(member_count) FROM households {where} "
            f"GROUP BY village_code, {column}"
        )


def downgrade() -> None:
    op.drop_table("household_stats")
