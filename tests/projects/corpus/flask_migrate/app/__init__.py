from config import Config
from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import text

db = SQLAlchemy()


def create_app(config_class: type = Config) -> Flask:
    app = Flask(__name__)
    app.config.from_object(config_class)
    db.init_app(app)

    @app.get("/health")
    def health() -> dict[str, str]:
        db.session.execute(text("SELECT 1"))
        return {"status": "ok"}

    return app
