"""cadres, assignments, visits, residency days and evidence files

Cadres (帮扶干部) with their assignments to households and villages, visits (走访), residency days (驻村),
the evidence files attached to records (fupin.evidence), and the cadre a login is linked to (users.cadre_id).

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-02 03:16:35.204323
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cadres",
        sa.Column("public_id", sa.Uuid(), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("id_number", sa.String(length=18), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("work_unit", sa.String(length=100), nullable=False),
        sa.Column("post", sa.String(length=100), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cadres")),
        sa.UniqueConstraint("id_number", name=op.f("uq_cadres_id_number")),
        sa.UniqueConstraint("public_id", name=op.f("uq_cadres_public_id")),
    )
    with op.batch_alter_table("cadres", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cadres_region_code"), ["region_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_cadres_work_unit"), ["work_unit"], unique=False)

    op.create_table(
        "evidence",
        sa.Column("public_id", sa.Uuid(), nullable=False),
        sa.Column("owner_type", sa.String(length=20), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=True),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=40), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("storage_key", sa.String(length=80), nullable=False),
        sa.Column("created_by_name", sa.String(length=120), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence")),
        sa.UniqueConstraint("public_id", name=op.f("uq_evidence_public_id")),
    )
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.create_index("ix_evidence_owner", ["owner_type", "owner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_evidence_region_code"), ["region_code"], unique=False)

    op.create_table(
        "residency_days",
        sa.Column("public_id", sa.Uuid(), nullable=False),
        sa.Column("cadre_id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("recorded_by_name", sa.String(length=120), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(["cadre_id"], ["cadres.id"], name=op.f("fk_residency_days_cadre_id_cadres")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_residency_days")),
        sa.UniqueConstraint("cadre_id", "day", name="uq_residency_days_cadre_day"),
        sa.UniqueConstraint("public_id", name=op.f("uq_residency_days_public_id")),
    )
    with op.batch_alter_table("residency_days", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_residency_days_region_code"), ["region_code"], unique=False)

    op.create_table(
        "cadre_assignments",
        sa.Column("public_id", sa.Uuid(), nullable=False),
        sa.Column("cadre_id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=True),
        sa.Column("village_code", sa.String(length=12), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("created_by_name", sa.String(length=120), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(["cadre_id"], ["cadres.id"], name=op.f("fk_cadre_assignments_cadre_id_cadres")),
        sa.ForeignKeyConstraint(
            ["household_id"], ["households.id"], name=op.f("fk_cadre_assignments_household_id_households")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cadre_assignments")),
        sa.UniqueConstraint("public_id", name=op.f("uq_cadre_assignments_public_id")),
    )
    with op.batch_alter_table("cadre_assignments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cadre_assignments_cadre_id"), ["cadre_id"], unique=False)
        batch_op.create_index("ix_cadre_assignments_household_ends", ["household_id", "ends_on"], unique=False)
        batch_op.create_index("ix_cadre_assignments_village_kind", ["village_code", "kind"], unique=False)

    op.create_table(
        "visits",
        sa.Column("public_id", sa.Uuid(), nullable=False),
        sa.Column("cadre_id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("village_code", sa.String(length=12), nullable=False),
        sa.Column("visited_on", sa.Date(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("location", sa.String(length=200), nullable=True),
        sa.Column("created_by_name", sa.String(length=120), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(["cadre_id"], ["cadres.id"], name=op.f("fk_visits_cadre_id_cadres")),
        sa.ForeignKeyConstraint(["household_id"], ["households.id"], name=op.f("fk_visits_household_id_households")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visits")),
        sa.UniqueConstraint("public_id", name=op.f("uq_visits_public_id")),
    )
    with op.batch_alter_table("visits", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_visits_cadre_id"), ["cadre_id"], unique=False)
        batch_op.create_index("ix_visits_household_visited", ["household_id", "visited_on"], unique=False)
        batch_op.create_index("ix_visits_village_visited", ["village_code", "visited_on"], unique=False)

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cadre_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_users_cadre_id_cadres"), "cadres", ["cadre_id"], ["id"], ondelete="SET NULL"
        )


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_users_cadre_id_cadres"), type_="foreignkey")
        batch_op.drop_column("cadre_id")

    with op.batch_alter_table("visits", schema=None) as batch_op:
        batch_op.drop_index("ix_visits_village_visited")
        batch_op.drop_index("ix_visits_household_visited")
        batch_op.drop_index(batch_op.f("ix_visits_cadre_id"))

    op.drop_table("visits")
    with op.batch_alter_table("cadre_assignments", schema=None) as batch_op:
        batch_op.drop_index("ix_cadre_assignments_village_kind")
        batch_op.drop_index("ix_cadre_assignments_household_ends")
        batch_op.drop_index(batch_op.f("ix_cadre_assignments_cadre_id"))

    op.drop_table("cadre_assignments")
    with op.batch_alter_table("residency_days", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_residency_days_region_code"))

    op.drop_table("residency_days")
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evidence_region_code"))
        batch_op.drop_index("ix_evidence_owner")

    op.drop_table("evidence")
    with op.batch_alter_table("cadres", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cadres_work_unit"))
        batch_op.drop_index(batch_op.f("ix_cadres_region_code"))

    op.drop_table("cadres")
