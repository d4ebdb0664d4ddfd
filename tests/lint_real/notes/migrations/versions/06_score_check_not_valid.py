# label: safe -- CHECK added NOT VALID and validated separately
"""score check not valid

Revision ID: note06
Revises: note05
"""

from alembic import op

revision = "note06"
down_revision = "note05"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_check_constraint(
        "ck_notes_score_small", "notes", "score < 1000000", postgresql_not_valid=True
    )
    op.execute("ALTER TABLE notes VALIDATE CONSTRAINT ck_notes_score_small")


def downgrade() -> None:
    op.drop_constraint("ck_notes_score_small", "notes", type_="check")
