import sqlalchemy as sa

metadata = sa.MetaData()

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("email", sa.String(200), nullable=False),
    sa.Column("name", sa.Text, nullable=True),
    sa.UniqueConstraint("email", name="uq_users_email"),
)

items = sa.Table(
    "items",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "user_id", sa.Integer, sa.ForeignKey("users.id", name="fk_items_user"), nullable=False
    ),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column(
        "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=True
    ),
    sa.Index("ix_items_name", "name"),
)
