"""env.py of an app whose own package is not installed in the interpreter."""

from alembic import context
from nonexistent_app_module import settings

context.configure(url=settings.DATABASE_URL)
