# expect: none
"""Merge two heads: nothing to do either way."""

revision = "c109m"
down_revision = ("c109a", "c109b")


def upgrade():
    pass


def downgrade():
    pass
