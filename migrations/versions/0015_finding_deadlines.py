"""finding deadlines, warnings, escalations and pauses

The daily job `findings.deadlines` keeps each open finding's overdue days (paused days excluded), its warning
(yellow/red) and the region it was escalated to; `finding_escalations` keeps the history, `finding_pauses` the
pauses of the deadline.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 18:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("findings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("overdue_days", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("warning", sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column("yellow_count", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("escalated_to", sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column("paused", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.create_foreign_key(
            batch_op.f("fk_findings_escalated_to_regions"), "regions", ["escalated_to"], ["code"]
        )
    op.create_table(
        "finding_pauses",
        sa.Column("public_id", sa.Uuid(), nullable=False),
        sa.Column("finding_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("waits_on", sa.String(length=100), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("started_by", sa.String(length=120), nullable=False),
        sa.Column("ended_by", sa.String(length=120), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(
            ["finding_id"], ["findings.id"], name=op.f("fk_finding_pauses_finding_id_findings"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finding_pauses")),
        sa.UniqueConstraint("public_id", name=op.f("uq_finding_pauses_public_id")),
    )
    with op.batch_alter_table("finding_pauses", schema=None) as batch_op:
        batch_op.create_index("ix_finding_pauses_finding", ["finding_id", "starts_on"], unique=False)
    op.create_table(
        "finding_escalations",
        sa.Column("finding_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=8), nullable=False),
        sa.Column("from_region", sa.String(length=12), nullable=False),
        sa.Column("to_region", sa.String(length=12), nullable=True),
        sa.Column("on_day", sa.Date(), nullable=False),
        sa.Column("overdue_days", sa.Integer(), nullable=False),
        sa.Column("by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(
            ["finding_id"],
            ["findings.id"],
            name=op.f("fk_finding_escalations_finding_id_findings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["from_region"], ["regions.code"], name=op.f("fk_finding_escalations_from_region_regions")
        ),
        sa.ForeignKeyConstraint(["to_region"], ["regions.code"], name=op.f("fk_finding_escalations_to_region_regions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finding_escalations")),
        sa.UniqueConstraint("finding_id", "level", "on_day", name="uq_finding_escalations_day"),
    )
    with op.batch_alter_table("finding_escalations", schema=None) as batch_op:
        batch_op.create_index("ix_finding_escalations_finding", ["finding_id", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("finding_escalations", schema=None) as batch_op:
        batch_op.drop_index("ix_finding_escalations_finding")
    op.drop_table("finding_escalations")
    with op.batch_alter_table("finding_pauses", schema=None) as batch_op:
        batch_op.drop_index("ix_finding_pauses_finding")
    op.drop_table("finding_pauses")
    with op.batch_alter_table("findings", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_findings_escalated_to_regions"), type_="foreignkey")
        batch_op.drop_column("paused")
        batch_op.drop_column("escalated_to")
        batch_op.drop_column("yellow_count")
        batch_op.drop_column("warning")
        batch_op.drop_column("overdue_days")
