# expect: DD106
import uuid
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "c106u"
down_revision = None

api_keys = sa.table(
    "api_keys",
    sa.column("id", sa.Uuid()),
    sa.column("name", sa.Text()),
    sa.column("created_at", sa.DateTime()),
)


def upgrade():
    op.bulk_insert(
        api_keys,
        [{"id": uuid.uuid4(), "name": "internal", "created_at": datetime.utcnow()}],
    )


def downgrade():
    op.execute("DELETE FROM api_keys WHERE name = 'internal'")
