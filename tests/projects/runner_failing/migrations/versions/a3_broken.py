"""touches a table that does not exist"""

from alembic import op

revision = "a3"
down_revision = "a2"


def upgrade():
    print("a3: about to fail")
    op.execute("ALTER TABLE no_such_table ADD COLUMN x int")


def downgrade():
    pass
