# expect: DD110,DD113
from alembic import op

revision = "c113u"
down_revision = None


def upgrade():
    op.execute("SET lock_timeout = '5s'")
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
