# expect: DD202
from alembic import op

revision = "c202b"
down_revision = None


def upgrade():
    op.execute("SET lock_timeout = '5s'")
    op.execute("ALTER TABLE audit_log ADD COLUMN seq bigserial")


def downgrade():
    op.execute("ALTER TABLE audit_log DROP COLUMN seq")
