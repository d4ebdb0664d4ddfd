# expect: DD105
import subprocess

from alembic import op

revision = "c105p"
down_revision = None


def upgrade():
    subprocess.run(["pg_dump", "--table=plans", "-f", "/tmp/plans.sql"], check=True)
    op.execute("DELETE FROM plans WHERE code = 'legacy'")


def downgrade():
    raise NotImplementedError("irreversible: restore /tmp/plans.sql by hand")
