# expect: none
"""Fixed ids; the database fills timestamps (a server default is fine)."""
import uuid

import sqlalchemy as sa
from alembic import op

revision = "c106s"
down_revision = None

api_keys = sa.table("api_keys", sa.column("id", sa.Uuid()), sa.column("name", sa.Text()))
INTERNAL_KEY_ID = uuid.UUID("6f1c1f5e-2b4a-4c55-9a57-3f0d6f3f5a11")


def upgrade():
    op.bulk_insert(api_keys, [{"id": INTERNAL_KEY_ID, "name": "internal"}])


def downgrade():
    op.execute("DELETE FROM api_keys WHERE name = 'internal'")
