import uvicorn
from fastapi import FastAPI
from sqlalchemy import create_engine, text

from myapp.settings import settings

engine = create_engine(str(settings.db_url))

app = FastAPI(title="prefixed")


@app.get("/health")
def health() -> dict[str, str]:
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    return {"status": "ok"}


if __name__ == "__main__":
    uvicorn.run("myapp.web:app", host="127.0.0.1", port=18122)
