"""change feed hardened

Each change-feed entry carries the entity's `external_id` / `source_system` (taken from its household) and says
whether it is a tombstone (the entity left the entry's region: moved to another village, 注销, a member removed).
Entries stored before keep `tombstone` NULL: their digest in the audit chain covers the columns they had then
(`fupin.audit.feed.entry_digest_fields`). The chain head `feed_pruned` remembers the highest feed entry removed by
`fupin changes prune` (0: none); a client position below it is answered with 410 `changes.expired`.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 00:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HEADS = sa.table("chain_heads", sa.column("name", sa.String), sa.column("last_seq"), sa.column("last_hash"))


def upgrade() -> None:
    with op.batch_alter_table("change_feed", schema=None) as batch_op:
        batch_op.add_column(sa.Column("external_id", sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column("source_system", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("tombstone", sa.Boolean(), nullable=True))
    op.bulk_insert(HEADS, [{"name": "feed_pruned", "last_seq": 0, "last_hash": "0" * 64}])


def downgrade() -> None:
    # Entries written since the upgrade were digested over these columns: the older `fupin audit verify` reports
    # them as altered once the columns are gone.
    op.execute(HEADS.delete().where(HEADS.c.name == "feed_pruned"))
    with op.batch_alter_table("change_feed", schema=None) as batch_op:
        batch_op.drop_column("tombstone")
        batch_op.drop_column("source_system")
        batch_op.drop_column("external_id")
