# expect: DD211
from alembic import op

revision = "c211u"
down_revision = None


def upgrade():
    op.execute("SET lock_timeout = '5s'")
    op.create_check_constraint("ck_items_price_positive", "items", "price >= 0")


def downgrade():
    op.drop_constraint("ck_items_price_positive", "items", type_="check")
