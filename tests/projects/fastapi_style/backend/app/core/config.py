"""Settings read once at import, as real apps do (no defaults for secrets)."""

import os

SECRET_KEY = os.environ["SECRET_KEY"]
POSTGRES_SERVER = os.environ["POSTGRES_SERVER"]  # host or host:port, no separate port key
POSTGRES_USER = os.environ["POSTGRES_USER"]
POSTGRES_PASSWORD = os.environ["POSTGRES_PASSWORD"]
POSTGRES_DB = os.environ["POSTGRES_DB"]
SQLALCHEMY_DATABASE_URI = (
    f"postgresql+psycopg://{POSTGRES_USER}:{POSTGRES_PASSWORD}@{POSTGRES_SERVER}/{POSTGRES_DB}"
)
