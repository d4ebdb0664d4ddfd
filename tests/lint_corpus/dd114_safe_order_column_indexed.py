# expect: DD110
import sqlalchemy as sa
from alembic import op

revision = "c114s"
down_revision = None


def upgrade():
    op.execute("SET lock_timeout = '5s'")
    op.add_column("documents", sa.Column("position", sa.Integer(), nullable=True))
    with op.get_context().autocommit_block():
        op.create_index(
            "ix_documents_position", "documents", ["position"], postgresql_concurrently=True
        )


def downgrade():
    op.drop_index("ix_documents_position", table_name="documents")
    op.drop_column("documents", "position")
