# expect: DD102,DD115
"""What autogenerate writes for a rename: the data in `name` is lost."""
import sqlalchemy as sa
from alembic import op

revision = "c115u"
down_revision = "c115base"


def upgrade():
    op.execute("SET lock_timeout = '5s'")
    op.add_column("profiles", sa.Column("full_name", sa.String(length=100), nullable=True))
    op.drop_column("profiles", "name")


def downgrade():
    op.add_column("profiles", sa.Column("name", sa.String(length=100), nullable=True))
    op.drop_column("profiles", "full_name")
