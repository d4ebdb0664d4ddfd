# label: safe -- bounded, logged batch backfill
"""batched backfill

Revision ID: raga14
Revises: raga13
"""

import logging

import sqlalchemy as sa
from alembic import op

revision = "raga14"
down_revision = "raga13"
branch_labels = None
depends_on = None


def upgrade() -> None:
    log = logging.getLogger("alembic.backfill")
    documents = sa.table("documents", sa.column("id", sa.Integer), sa.column("summary", sa.Text))
    bind = op.get_bind()
    while True:
        batch = sa.select(documents.c.id).where(documents.c.summary.is_(None)).limit(1000)
        result = bind.execute(
            documents.update().where(documents.c.id.in_(batch.scalar_subquery())).values(summary="")
        )
        log.info("backfilled %s documents", result.rowcount)
        if not result.rowcount:
            break


def downgrade() -> None:
    pass  # data only: nothing to undo
