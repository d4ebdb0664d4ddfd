from fastapi import FastAPI
from sqlalchemy import create_engine, text

from server.config import settings

engine = create_engine(settings.DATABASE_URL)

app = FastAPI(title="srv")


@app.get("/health")
def health() -> dict[str, str]:
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    return {"status": "ok"}
