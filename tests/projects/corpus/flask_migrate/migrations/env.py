"""Flask-Migrate's env.py shape: the app's engine through current_app. Without `flask db`
(plain Alembic, cwd at the project root) the app is made here."""

import logging
import os
import sys
from logging.config import fileConfig

from alembic import context
from flask import current_app

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name)
logger = logging.getLogger("alembic.env")

try:
    current_app.extensions["sqlalchemy"]
except RuntimeError:  # outside an application context: not run by `flask db`
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from app import create_app

    create_app().app_context().push()


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
