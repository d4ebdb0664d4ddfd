"""create action_points

Revision ID: 0005
Revises: 0004
Create Date: 2026-04-05 09:00:00

An action point is placed in a document at `position` (its order among the document's
action points) and may be assigned to a user. Deleting the document deletes its action
points; deleting the assignee only unassigns them (SET NULL).

Downgrade drops all action points and their placement; nothing else depends on them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "action_points",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("document_id", sa.BigInteger(), nullable=False),
        sa.Column("assignee_id", sa.BigInteger(), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.Text(), server_default=sa.text("'open'"), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint(
            "status IN ('open', 'done', 'cancelled')", name=op.f("ck_action_points_status")
        ),
        sa.CheckConstraint("position >= 0", name=op.f("ck_action_points_position_non_negative")),
        sa.ForeignKeyConstraint(
            ["assignee_id"],
            ["users.id"],
            name=op.f("fk_action_points_assignee_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name=op.f("fk_action_points_document_id_documents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_action_points")),
    )
    op.create_index(
        "ix_action_points_document_id_position", "action_points", ["document_id", "position"]
    )
    op.create_index(
        "ix_action_points_assignee_id_status", "action_points", ["assignee_id", "status"]
    )


def downgrade() -> None:
    op.drop_index("ix_action_points_assignee_id_status", table_name="action_points")
    op.drop_index("ix_action_points_document_id_position", table_name="action_points")
    op.drop_table("action_points")
