# expect: none
import logging

import sqlalchemy as sa
from alembic import op

revision = "c112s"
down_revision = None

log = logging.getLogger("alembic.runtime.migration")


def upgrade():
    conn = op.get_bind()
    for start in range(0, 1_000_000, 10_000):
        conn.execute(
            sa.text(
                "UPDATE events SET kind = lower(kind) WHERE id >= :lo AND id < :hi"
            ),
            {"lo": start, "hi": start + 10_000},
        )
        log.info("events.kind lower-cased up to id %s", start + 10_000)


def downgrade():
    pass  # lower-casing is not reversible and not needed to undo
