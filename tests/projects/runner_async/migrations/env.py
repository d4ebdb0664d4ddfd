"""Async env.py in the style of `alembic init -t async`, plus the usual app habits."""

import asyncio
import os
from logging.config import fileConfig

from alembic import context
from app.models import metadata
from app.settings import DATABASE_URL
from sqlalchemy import pool
from sqlalchemy.ext.asyncio import create_async_engine

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name)

print("env.py loaded: this goes to stdout, not to devdb's protocol")
target_metadata = metadata
PER_MIGRATION = os.environ.get("RUNNER_TXN_PER_MIGRATION") == "1"
INCLUDE_SCHEMAS = os.environ.get("RUNNER_INCLUDE_SCHEMAS") == "1"


def run_migrations_offline() -> None:
    context.configure(
        url=DATABASE_URL,
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def do_run_migrations(connection):
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        transaction_per_migration=PER_MIGRATION,
        include_schemas=INCLUDE_SCHEMAS,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_async_migrations() -> None:
    engine = create_async_engine(DATABASE_URL, poolclass=pool.NullPool)
    async with engine.connect() as connection:
        await connection.run_sync(do_run_migrations)
    await engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    asyncio.run(run_async_migrations())
