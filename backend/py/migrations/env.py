"""Alembic environment: URL from settings (DB_URL), metadata from models.

Online mode connects with DB_URL. Offline mode (`alembic upgrade head --sql`) uses DB_URL
when it is set and otherwise renders plain PostgreSQL SQL, so no database is needed.
Each migration runs in its own transaction (transaction_per_migration=True).
"""

from __future__ import annotations

from logging.config import fileConfig
from typing import Any

from alembic import context
from alembic.autogenerate.api import AutogenContext
from alembic.util import CommandError
from pgvector.sqlalchemy import Vector
from sqlalchemy import create_engine, pool

import settings
from models import RAW_SQL_INDEXES, Base

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = Base.metadata


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Autogenerate skips the indexes created with raw SQL (HNSW, trigram GIN)."""
    return not (type_ == "index" and name in RAW_SQL_INDEXES)


def render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | bool:
    """Render pgvector columns as `Vector(n)` with its import (autogenerate forgets it)."""
    if type_ == "type" and isinstance(obj, Vector):
        autogen_context.imports.add("from pgvector.sqlalchemy import Vector")
        return f"Vector({obj.dim})" if obj.dim is not None else "Vector()"
    return False


COMMON: dict[str, Any] = {
    "target_metadata": target_metadata,
    "transaction_per_migration": True,
    "include_object": include_object,
    "render_item": render_item,
    "compare_type": True,
    "compare_server_default": True,
}


def run_migrations_offline() -> None:
    try:
        url: str | None = settings.load().db_url
    except settings.SettingsError:
        url = None
    if url:
        context.configure(url=url, literal_binds=True, **COMMON)
    else:
        context.configure(dialect_name="postgresql", literal_binds=True, **COMMON)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    try:
        url = settings.load().db_url
    except settings.SettingsError as err:
        raise CommandError(str(err)) from None  # the alembic CLI prints it without a traceback
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            context.configure(connection=connection, **COMMON)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
