"""devdb: local PostgreSQL + pgvector + Alembic environments for Python backends."""

__version__ = "0.1.0"
