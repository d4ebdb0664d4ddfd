import uvicorn
from db import engine
from fastapi import FastAPI
from sqlalchemy import text

app = FastAPI(title="environ")


@app.get("/health")
def health() -> dict[str, str]:
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    return {"status": "ok"}


if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=18112)
