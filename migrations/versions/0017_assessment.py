"""The assessment (考核): indicator sets per year, periods, scores per township and village, and the records a
frozen period keeps behind each shortfall.

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "assessment_indicator_sets",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("indicators", JSON, nullable=False),
        sa.Column("updated_by", sa.String(length=120), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_assessment_indicator_sets")),
    )
    op.create_table(
        "assessment_periods",
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("indicators", JSON, nullable=True),
        sa.Column("as_of", sa.Date(), nullable=True),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("computed_by", sa.String(length=120), nullable=True),
        sa.Column("frozen_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("frozen_by", sa.String(length=120), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_periods")),
        sa.UniqueConstraint("code", name=op.f("uq_assessment_periods_code")),
    )
    op.create_table(
        "assessment_fact_records",
        sa.Column("period_id", sa.Integer(), nullable=False),
        sa.Column("metric", sa.String(length=32), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("record_key", sa.String(length=40), nullable=False),
        sa.Column("numerator", sa.Integer(), nullable=False),
        sa.Column("denominator", sa.Integer(), nullable=False),
        sa.Column("flags", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(
            ["period_id"],
            ["assessment_periods.id"],
            name=op.f("fk_assessment_fact_records_period_id_assessment_periods"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_fact_records")),
    )
    with op.batch_alter_table("assessment_fact_records", schema=None) as batch_op:
        batch_op.create_index(
            "ix_assessment_fact_records_lookup", ["period_id", "metric", "region_code", "record_key"], unique=False
        )

    op.create_table(
        "assessment_scores",
        sa.Column("period_id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("total", sa.Numeric(precision=7, scale=2), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("ranked", sa.Integer(), nullable=False),
        sa.Column("bottom_three", sa.Boolean(), nullable=False),
        sa.Column("dimensions", JSON, nullable=False),
        sa.Column("items", JSON, nullable=False),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(
            ["period_id"],
            ["assessment_periods.id"],
            name=op.f("fk_assessment_scores_period_id_assessment_periods"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_scores")),
        sa.UniqueConstraint("period_id", "region_code", name="uq_assessment_scores_period_region"),
    )
    with op.batch_alter_table("assessment_scores", schema=None) as batch_op:
        batch_op.create_index("ix_assessment_scores_period_level_rank", ["period_id", "level", "rank"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("assessment_scores", schema=None) as batch_op:
        batch_op.drop_index("ix_assessment_scores_period_level_rank")

    op.drop_table("assessment_scores")
    with op.batch_alter_table("assessment_fact_records", schema=None) as batch_op:
        batch_op.drop_index("ix_assessment_fact_records_lookup")

    op.drop_table("assessment_fact_records")
    op.drop_table("assessment_periods")
    op.drop_table("assessment_indicator_sets")
