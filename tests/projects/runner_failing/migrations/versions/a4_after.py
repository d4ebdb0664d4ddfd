"""never reached"""

from alembic import op

revision = "a4"
down_revision = "a3"


def upgrade():
    op.execute("CREATE TABLE fourth_table (id int)")


def downgrade():
    op.execute("DROP TABLE fourth_table")
