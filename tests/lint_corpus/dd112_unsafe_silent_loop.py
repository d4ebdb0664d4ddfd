# expect: DD112
import sqlalchemy as sa
from alembic import op

revision = "c112u"
down_revision = None


def upgrade():
    conn = op.get_bind()
    for start in range(0, 1_000_000, 10_000):
        conn.execute(
            sa.text(
                "UPDATE events SET kind = lower(kind) WHERE id >= :lo AND id < :hi"
            ),
            {"lo": start, "hi": start + 10_000},
        )


def downgrade():
    pass  # lower-casing is not reversible and not needed to undo
