"""second table"""

from alembic import op

revision = "a2"
down_revision = "a1"


def upgrade():
    op.execute("CREATE TABLE second_table (id int PRIMARY KEY)")


def downgrade():
    op.execute("DROP TABLE second_table")
