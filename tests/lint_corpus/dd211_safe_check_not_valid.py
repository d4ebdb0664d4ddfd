# expect: none
from alembic import op

revision = "c211s"
down_revision = None


def upgrade():
    op.execute("SET lock_timeout = '5s'")
    op.create_check_constraint(
        "ck_items_price_positive", "items", "price >= 0", postgresql_not_valid=True
    )
    op.execute("ALTER TABLE items VALIDATE CONSTRAINT ck_items_price_positive")


def downgrade():
    op.drop_constraint("ck_items_price_positive", "items", type_="check")
