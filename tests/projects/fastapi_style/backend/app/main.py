from app.core.config import SQLALCHEMY_DATABASE_URI

print("app would serve", SQLALCHEMY_DATABASE_URI.split("@")[1])
