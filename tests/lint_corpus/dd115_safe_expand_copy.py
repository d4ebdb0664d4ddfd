# expect: none
"""Expand step of a rename: add the new column, copy in batches, keep the old one."""
import sqlalchemy as sa
from alembic import op

revision = "c115s"
down_revision = "c115base"

COPY = sa.text(
    "UPDATE profiles SET full_name = name "
    "WHERE id IN (SELECT id FROM profiles WHERE full_name IS NULL AND name IS NOT NULL "
    "LIMIT 5000)"
)


def upgrade():
    op.execute("SET lock_timeout = '5s'")
    op.add_column("profiles", sa.Column("full_name", sa.String(length=100), nullable=True))
    conn = op.get_bind()
    while True:
        n = conn.execute(COPY).rowcount
        print(f"profiles.full_name: copied {n} rows")
        if not n:
            break


def downgrade():
    op.drop_column("profiles", "full_name")
