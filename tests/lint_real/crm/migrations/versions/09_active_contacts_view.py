# label: safe -- a view takes no lock on the table data
"""active contacts view

Revision ID: crm09
Revises: crm08
"""

from alembic import op

revision = "crm09"
down_revision = "crm08"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "CREATE VIEW active_contacts AS SELECT id, email FROM contacts WHERE email IS NOT NULL"
    )


def downgrade() -> None:
    op.execute("DROP VIEW active_contacts")
