# expect: DD110
from alembic import op

revision = "c113s"
down_revision = None


def upgrade():
    op.execute("SET lock_timeout = '5s'")
    with op.get_context().autocommit_block():
        op.create_index(
            "ix_permissions_group_id",
            "permissions",
            ["group_id"],
            postgresql_concurrently=True,
        )
    op.create_foreign_key(
        "fk_permissions_group_id_groups",
        "permissions",
        "groups",
        ["group_id"],
        ["id"],
        postgresql_not_valid=True,
    )


def downgrade():
    op.drop_constraint("fk_permissions_group_id_groups", "permissions", type_="foreignkey")
    op.drop_index("ix_permissions_group_id", table_name="permissions")
