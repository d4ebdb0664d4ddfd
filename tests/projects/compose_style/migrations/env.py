import os

from alembic import context
from sqlalchemy import create_engine, pool

url = os.environ["DATABASE_URL"]  # no default: the app's own key name, set by devdb


def run() -> None:
    if context.is_offline_mode():
        context.configure(url=url, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()


run()
