import uvicorn
from fastapi import FastAPI
from sqlalchemy import create_engine, text

from api.settings import settings

engine = create_engine(settings.DATABASE_URL)

app = FastAPI(title="interp")


@app.get("/health")
def health() -> dict[str, str]:
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    return {"status": "ok"}


if __name__ == "__main__":
    uvicorn.run("api.main:app", host="127.0.0.1", port=18126)
