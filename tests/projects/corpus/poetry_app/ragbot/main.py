import uvicorn
from fastapi import FastAPI
from sqlalchemy import create_engine, text

from ragbot.config import settings

engine = create_engine(settings.postgres_url)

app = FastAPI(title="ragbot")


@app.get("/health")
def health() -> dict[str, str]:
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    return {"status": "ok"}


def serve() -> None:
    uvicorn.run("ragbot.main:app", host="127.0.0.1", port=18110)


if __name__ == "__main__":
    serve()
