# expect: none
"""A data fix written with SQLAlchemy Core: rendered with literal values, bounded."""
import sqlalchemy as sa
from alembic import op

revision = "cmix3"
down_revision = None

accounts = sa.table("accounts", sa.column("plan", sa.Text()), sa.column("region", sa.Text()))


def upgrade():
    op.execute(
        accounts.update().where(accounts.c.plan.is_(None)).values(plan="free")
    )
    op.execute(accounts.update().where(accounts.c.region == "eu-west").values(region="eu-1"))


def downgrade():
    op.execute(accounts.update().where(accounts.c.region == "eu-1").values(region="eu-west"))
