from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env")
    database_url: str = "postgresql+asyncpg://notes:notes@localhost/notes"
    embedding_dimensions: int = 768


settings = Settings()
