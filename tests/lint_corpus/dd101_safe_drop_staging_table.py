# expect: none
"""A staging table created and dropped inside the same migration is not destructive."""
import sqlalchemy as sa
from alembic import op

revision = "c101s"
down_revision = None


def upgrade():
    op.create_table(
        "tmp_plan_import",
        sa.Column("code", sa.Text(), primary_key=True),
        sa.Column("label", sa.Text(), nullable=False),
    )
    op.execute("INSERT INTO tmp_plan_import (code, label) VALUES ('free', 'Free'), ('pro', 'Pro')")
    op.execute(
        "INSERT INTO plans (code, label) SELECT code, label FROM tmp_plan_import "
        "ON CONFLICT (code) DO NOTHING"
    )
    op.drop_table("tmp_plan_import")


def downgrade():
    op.execute("DELETE FROM plans WHERE code IN ('free', 'pro')")
