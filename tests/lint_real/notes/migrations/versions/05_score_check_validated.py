# label: unsafe -- CHECK validated in place under ACCESS EXCLUSIVE
"""score check validated

Revision ID: note05
Revises: note04
"""

from alembic import op

revision = "note05"
down_revision = "note04"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_check_constraint("ck_notes_score_positive", "notes", "score >= 0")


def downgrade() -> None:
    op.drop_constraint("ck_notes_score_positive", "notes", type_="check")
