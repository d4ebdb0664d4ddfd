"""create document_permissions (sharing)

Revision ID: 0003
Revises: 0002
Create Date: 2026-04-03 09:00:00

Query paths: "who can see document D" uses the unique (document_id, user_id) index;
"which documents may user U see" uses (user_id, document_id).

Downgrade drops every share: afterwards only owners see their documents. Take a backup
first on any database whose sharing data matters (runbook: data safety checklist).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "document_permissions",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("document_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("role", sa.Text(), server_default=sa.text("'viewer'"), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint(
            "role IN ('viewer', 'commenter', 'editor')",
            name=op.f("ck_document_permissions_role"),
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name=op.f("fk_document_permissions_document_id_documents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_document_permissions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_permissions")),
        sa.UniqueConstraint(
            "document_id", "user_id", name=op.f("uq_document_permissions_document_id_user_id")
        ),
    )
    op.create_index(
        "ix_document_permissions_user_id_document_id",
        "document_permissions",
        ["user_id", "document_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_document_permissions_user_id_document_id", table_name="document_permissions")
    op.drop_table("document_permissions")
