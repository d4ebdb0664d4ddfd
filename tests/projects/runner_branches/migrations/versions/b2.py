"""revision b2"""

revision = "b2"
down_revision = "b0"


def upgrade():
    pass


def downgrade():
    pass
