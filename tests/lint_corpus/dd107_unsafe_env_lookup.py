# expect: DD107
import os

from alembic import op

revision = "c107u"
down_revision = None


def upgrade():
    default_plan = os.environ.get("DEFAULT_PLAN", "free")
    op.execute(f"UPDATE accounts SET plan = '{default_plan}' WHERE plan IS NULL")


def downgrade():
    pass  # nothing to undo: the column keeps its values
