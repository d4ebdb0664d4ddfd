"""Flask-Migrate's env.py shape: the app's engine through current_app, so it runs only
inside the app's context (`flask db` pushes it; plain `alembic` fails "outside of
application context")."""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name)
logger = logging.getLogger("alembic.env")


def get_engine():
    return current_app.extensions["sqlalchemy"].engine


target_db = current_app.extensions["sqlalchemy"]


def run_migrations_offline() -> None:
    context.configure(url=str(get_engine().url), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    with get_engine().connect() as connection:
        context.configure(connection=connection, target_metadata=target_db.metadata)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
