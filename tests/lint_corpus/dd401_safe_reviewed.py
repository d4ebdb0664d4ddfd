# expect: none
"""add invoice note

Revision ID: c401s
"""
import sqlalchemy as sa
from alembic import op

revision = "c401s"
down_revision = None


def upgrade():
    op.execute("SET lock_timeout = '5s'")
    op.add_column("invoices", sa.Column("note", sa.Text(), nullable=True))


def downgrade():
    op.drop_column("invoices", "note")
