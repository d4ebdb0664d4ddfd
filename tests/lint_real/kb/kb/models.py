from pgvector.sqlalchemy import Vector
from sqlmodel import Column, Field, SQLModel

from kb.config import embedding_dim


class Document(SQLModel, table=True):
    __tablename__ = "documents"
    id: int | None = Field(default=None, primary_key=True)
    title: str
    embedding: list[float] = Field(sa_column=Column(Vector(embedding_dim())))
