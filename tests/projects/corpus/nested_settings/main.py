import uvicorn
from core.settings import settings
from fastapi import FastAPI
from sqlalchemy import create_engine, text

engine = create_engine(settings.database.url, pool_size=settings.database.pool_size)

app = FastAPI(title="nested")


@app.get("/health")
def health() -> dict[str, str]:
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    return {"status": "ok"}


if __name__ == "__main__":
    uvicorn.run("main:app", host="127.0.0.1", port=18123)
