import uvicorn
from fastapi import FastAPI
from sqlmodel import Session, create_engine, text

from settings import settings

engine = create_engine(settings.database_url)
app = FastAPI(title="heroes")


@app.get("/health")
def health() -> dict[str, str]:
    with Session(engine) as session:
        session.exec(text("SELECT 1"))
    return {"status": "ok"}


if __name__ == "__main__":
    uvicorn.run("main:app", host="127.0.0.1", port=18109)
