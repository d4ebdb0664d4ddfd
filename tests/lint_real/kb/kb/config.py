import os
from functools import lru_cache


class Settings:
    database_url = os.environ.get("DATABASE_URL", "postgresql+asyncpg://kb@localhost/kb")
    embedding_model = os.environ.get("OPENAI_EMBEDDING_MODEL", "text-embedding-3-small")


@lru_cache
def get_settings() -> Settings:
    return Settings()


def embedding_dim() -> int:
    return 1536 if "small" in get_settings().embedding_model else 3072
