# expect: DD105
import requests
import sqlalchemy as sa
from alembic import op

revision = "c105u"
down_revision = None

plans_table = sa.table("plans", sa.column("code", sa.Text()), sa.column("label", sa.Text()))


def upgrade():
    plans = requests.get("https://billing.example.com/api/plans", timeout=10).json()
    op.bulk_insert(plans_table, [{"code": p["code"], "label": p["label"]} for p in plans])


def downgrade():
    op.execute("DELETE FROM plans")
