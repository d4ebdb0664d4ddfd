from config import settings
from fastapi import FastAPI
from sqlalchemy import create_engine, text

engine = create_engine(settings.database_dsn)

app = FastAPI(title="catalog")


@app.get("/health")
def health() -> dict[str, str]:
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    return {"status": "ok"}
