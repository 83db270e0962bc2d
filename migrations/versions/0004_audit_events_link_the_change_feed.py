"""audit events link the change feed

Each audit event records the entity version it produced and the change-feed entries it wrote (first seq, count,
digest), all hashed into the chain. Events already stored keep feed_count NULL: they were hashed without these
columns and `fupin audit verify` checks them (and the feed entries before the first linked one) as before.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("feed_seq", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("feed_count", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("feed_digest", sa.String(length=64), nullable=True))


def downgrade() -> None:
    # Events written since the upgrade were hashed over these columns: the older `fupin audit verify` reports them
    # as altered once the columns are gone.
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_column("feed_digest")
        batch_op.drop_column("feed_count")
        batch_op.drop_column("feed_seq")
        batch_op.drop_column("version")
