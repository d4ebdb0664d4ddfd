from fastapi import FastAPI
from sqlalchemy import create_engine, text

from app.config import settings

engine = create_engine(settings.APP_DATABASE_URL)

app = FastAPI(title="futureapi")


@app.get("/health")
def health() -> dict[str, str]:
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    return {"status": "ok"}
