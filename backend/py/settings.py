"""Configuration from the environment, falling back to a `.env` file beside this module.

Real environment variables win over `.env`; `.env` is read each time load() is called and
never written back into os.environ.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from dotenv import dotenv_values

ENV_FILE = Path(__file__).resolve().parent / ".env"


class SettingsError(RuntimeError):
    """A required setting is missing or malformed."""


@dataclass(frozen=True)
class Settings:
    db_url: str
    app_port: int = 8000
    embedding_dim: int = 384
    log_level: str = "info"
    secret_key: str = "dev-secret-change-me"

    @property
    def libpq_url(self) -> str:
        """DB_URL without the SQLAlchemy driver suffix, for psycopg.connect()."""
        parts = urlsplit(self.db_url)
        return urlunsplit(parts._replace(scheme=parts.scheme.split("+", 1)[0]))


def _int(values: Mapping[str, str | None], key: str, default: int) -> int:
    raw = values.get(key)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise SettingsError(f"{key} must be an integer, got {raw!r}") from None


def load(environ: Mapping[str, str] | None = None, env_file: Path = ENV_FILE) -> Settings:
    """Read settings; raises SettingsError naming what to do when DB_URL is missing."""
    values: dict[str, str | None] = dict(dotenv_values(env_file)) if env_file.is_file() else {}
    values.update(os.environ if environ is None else environ)
    db_url = values.get("DB_URL") or ""
    if not db_url.strip():
        raise SettingsError(
            f"DB_URL is not set: export it or put it in {env_file} "
            "(copy env.example, or let `devdb up` write it)"
        )
    return Settings(
        db_url=db_url.strip(),
        app_port=_int(values, "APP_PORT", 8000),
        embedding_dim=_int(values, "EMBEDDING_DIM", 384),
        log_level=(values.get("LOG_LEVEL") or "info").strip().lower(),
        secret_key=values.get("SECRET_KEY") or "dev-secret-change-me",
    )
