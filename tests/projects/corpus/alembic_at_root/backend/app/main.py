from fastapi import FastAPI
from sqlalchemy import create_engine, text

from app.settings import settings

engine = create_engine(settings.DATABASE_URL)

app = FastAPI(title="wiki")


@app.get("/health")
def health() -> dict[str, str]:
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    return {"status": "ok"}
