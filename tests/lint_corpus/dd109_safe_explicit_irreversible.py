# expect: none
from alembic import op

revision = "c109s"
down_revision = None


def upgrade():
    op.execute("DELETE FROM sessions WHERE expires_at < '2024-01-01'")


def downgrade():
    raise NotImplementedError("irreversible: expired sessions are gone; nothing to restore")
