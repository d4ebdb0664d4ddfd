# label: safe -- a function and a trigger: brief catalog locks only
"""touch trigger

Revision ID: kb18
Revises: kb17
"""

from alembic import op

revision = "kb18"
down_revision = "kb17"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE OR REPLACE FUNCTION touch_documents() RETURNS trigger AS $$
        BEGIN
            NEW.metadata := NEW.metadata || jsonb_build_object('touched', now());
            RETURN NEW;
        END;
        $$ LANGUAGE plpgsql
        """
    )
    op.execute(
        "CREATE TRIGGER trg_touch_documents BEFORE UPDATE ON documents "
        "FOR EACH ROW EXECUTE FUNCTION touch_documents()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER trg_touch_documents ON documents")
    op.execute("DROP FUNCTION touch_documents()")
