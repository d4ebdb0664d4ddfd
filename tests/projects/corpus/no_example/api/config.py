from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    # unknown keys in .env are an error here
    model_config = SettingsConfigDict(env_file=".env", extra="forbid")

    database_url: str
    log_level: str = "info"


settings = Settings()
