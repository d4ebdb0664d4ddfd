import asyncio

from alembic import context
from kb.config import get_settings
from kb.models import SQLModel
from sqlalchemy.ext.asyncio import create_async_engine

target_metadata = SQLModel.metadata


def do_run_migrations(connection):
    context.configure(connection=connection, target_metadata=target_metadata, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


async def main() -> None:
    engine = create_async_engine(
        get_settings().database_url,
        connect_args={"server_settings": {"lock_timeout": "5s", "application_name": "alembic"}},
    )
    async with engine.connect() as connection:
        await connection.run_sync(do_run_migrations)
    await engine.dispose()


asyncio.run(main())
