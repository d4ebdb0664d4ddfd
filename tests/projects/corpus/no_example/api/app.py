from fastapi import FastAPI
from sqlalchemy import create_engine, text

from api.config import settings

engine = create_engine(settings.database_url.replace("postgresql://", "postgresql+psycopg://", 1))

app = FastAPI(title="strict")


@app.get("/health")
def health() -> dict[str, str]:
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    return {"status": "ok"}
