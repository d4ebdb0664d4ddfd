"""revision b1"""

revision = "b1"
down_revision = "b0"


def upgrade():
    pass


def downgrade():
    pass
