"""first table"""

from alembic import op

revision = "a1"
down_revision = None


def upgrade():
    op.execute("CREATE TABLE first_table (id int PRIMARY KEY)")


def downgrade():
    op.execute("DROP TABLE first_table")
