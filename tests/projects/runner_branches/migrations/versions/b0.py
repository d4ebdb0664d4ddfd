"""revision b0"""

revision = "b0"
down_revision = None


def upgrade():
    pass


def downgrade():
    pass
