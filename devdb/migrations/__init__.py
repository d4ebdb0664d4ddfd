"""Alembic migrations: a child-process runner (runner) and alembic-free warm-path facts (scripts)."""
