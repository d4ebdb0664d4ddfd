from fastapi import FastAPI
from sqlalchemy import create_engine, text

from svc.settings import settings

engine = create_engine(settings.PG_URL)

app = FastAPI(title="tuple")


@app.get("/health")
def health() -> dict[str, str]:
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    return {"status": "ok"}
