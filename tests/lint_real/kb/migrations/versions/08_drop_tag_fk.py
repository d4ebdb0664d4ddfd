# label: safe -- dropping a constraint is catalog-only
"""drop tag fk

Revision ID: kb08
Revises: kb07
"""

from alembic import op

revision = "kb08"
down_revision = "kb07"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_constraint("document_tags_tag_id_fkey", "document_tags", type_="foreignkey")


def downgrade() -> None:
    op.create_foreign_key("document_tags_tag_id_fkey", "document_tags", "tags", ["tag_id"], ["id"])
