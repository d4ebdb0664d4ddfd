# expect: DD004
"""Rows read from the database cannot be known offline: the rest of upgrade() is unchecked."""
import sqlalchemy as sa
from alembic import op

revision = "c004r"
down_revision = None


def upgrade():
    plans = op.get_bind().execute(sa.text("SELECT id FROM plans ORDER BY id")).fetchall()
    default_plan = plans[0].id
    op.add_column(
        "accounts", sa.Column("plan_id", sa.Integer(), server_default=str(default_plan))
    )


def downgrade():
    op.drop_column("accounts", "plan_id")
