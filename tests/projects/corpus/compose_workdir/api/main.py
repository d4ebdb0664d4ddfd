from db import engine
from fastapi import FastAPI
from sqlalchemy import text

app = FastAPI(title="vectors")


@app.get("/health")
def health() -> dict[str, str]:
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    return {"status": "ok"}
