# expect: none
"""The data ships with the migration."""
import sqlalchemy as sa
from alembic import op

revision = "c105s"
down_revision = None

plans_table = sa.table("plans", sa.column("code", sa.Text()), sa.column("label", sa.Text()))
PLANS = [{"code": "free", "label": "Free"}, {"code": "pro", "label": "Pro"}]


def upgrade():
    op.bulk_insert(plans_table, PLANS)


def downgrade():
    op.execute("DELETE FROM plans WHERE code IN ('free', 'pro')")
