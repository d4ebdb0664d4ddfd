"""Settings read once at import, like most apps do."""

import os

DATABASE_URL = os.environ["APP_DB_URL"]
