import os

from dotenv import load_dotenv

load_dotenv()

# Heroku hands out postgres://, which SQLAlchemy 2 no longer accepts
DATABASE_URL = os.environ["DATABASE_URL"].replace("postgres://", "postgresql+psycopg://", 1)
