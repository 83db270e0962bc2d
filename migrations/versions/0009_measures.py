"""measures

Assistance measures (帮扶措施, fupin.measures) on the area of their household, and the line departments' fields
(fupin.departments): which measure types each department records, seeded with the work plan's mapping.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 03:20:00.000000
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")

# code, name, measure types, types owned only for a member with a disability
DEPARTMENTS = [
    ("education", "教育局", ["education"], []),
    ("health", "卫健委", ["health"], []),
    ("medical_insurance", "医保局", ["health"], []),
    ("housing", "住建局", ["housing"], []),
    ("water", "水利局", ["water"], []),
    ("hrss", "人社局", ["employment", "ecological"], []),
    ("civil_affairs", "民政局", ["safety_net"], []),
    ("finance", "金融办", ["microcredit", "insurance"], []),
    ("agriculture", "农业农村局", ["industry", "pv", "asset_income"], []),
    ("disabled", "残联", [], ["health"]),
    ("transport", "交通局", [], []),
    ("poverty_office", "扶贫办", ["relocation", "other"], []),
]


def upgrade() -> None:
    departments = op.create_table(
        "departments",
        sa.Column("code", sa.String(length=24), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("measure_types", JSON, nullable=False),
        sa.Column("disabled_member_types", JSON, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_departments")),
    )
    now = datetime.now(UTC)
    op.bulk_insert(
        departments,
        [
            {
                "code": code,
                "name": name,
                "measure_types": types,
                "disabled_member_types": disabled,
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
            for code, name, types, disabled in DEPARTMENTS
        ],
    )
    op.create_table(
        "measures",
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("village_code", sa.String(length=12), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("content", sa.String(length=1000), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("department", sa.String(length=24), nullable=True),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("planned_on", sa.Date(), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("status_reason", sa.String(length=500), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("public_id", sa.Uuid(), nullable=False),
        sa.Column("source_system", sa.String(length=40), nullable=True),
        sa.Column("external_id", sa.String(length=80), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["household_id"], ["households.id"], name=op.f("fk_measures_household_id_households"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_measures_member_id_members"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(["village_code"], ["regions.code"], name=op.f("fk_measures_village_code_regions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_measures")),
        sa.UniqueConstraint("public_id", name=op.f("uq_measures_public_id")),
        sa.UniqueConstraint("source_system", "external_id", name="uq_measures_source_external"),
    )
    with op.batch_alter_table("measures", schema=None) as batch_op:
        batch_op.create_index("ix_measures_village_id", ["village_code", "id"], unique=False)
        batch_op.create_index("ix_measures_household", ["household_id"], unique=False)
        batch_op.create_index("ix_measures_member", ["member_id"], unique=False)
        batch_op.create_index("ix_measures_year_type", ["year", "type"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("measures", schema=None) as batch_op:
        batch_op.drop_index("ix_measures_year_type")
        batch_op.drop_index("ix_measures_member")
        batch_op.drop_index("ix_measures_household")
        batch_op.drop_index("ix_measures_village_id")
    op.drop_table("measures")
    op.drop_table("departments")
