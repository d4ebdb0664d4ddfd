from alembic import context
from app.settings import DATABASE_URL

context.configure(url=DATABASE_URL)
