"""measures name their responsible cadre

`measures.cadre_id`: the cadre responsible for a measure (责任干部), optional; a cadre's measures are found by it.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 04:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("measures", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cadre_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_measures_cadre_id_cadres"), "cadres", ["cadre_id"], ["id"], ondelete="SET NULL"
        )
        batch_op.create_index("ix_measures_cadre", ["cadre_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("measures", schema=None) as batch_op:
        batch_op.drop_index("ix_measures_cadre")
        batch_op.drop_constraint(batch_op.f("fk_measures_cadre_id_cadres"), type_="foreignkey")
        batch_op.drop_column("cadre_id")
