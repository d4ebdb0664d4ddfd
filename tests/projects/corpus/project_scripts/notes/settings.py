from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    NOTES_DATABASE_URL: str
    NOTES_DEBUG: bool = False


settings = Settings()
