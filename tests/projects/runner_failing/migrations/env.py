"""Plain sync env.py; the URL comes from DB_URL; RUNNER_TXN_PER_MIGRATION=1 commits per step."""

import os

from alembic import context
from sqlalchemy import create_engine, pool

url = os.environ["DB_URL"]
per_migration = os.environ.get("RUNNER_TXN_PER_MIGRATION") == "1"

if context.is_offline_mode():
    context.configure(url=url, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, transaction_per_migration=per_migration)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()
