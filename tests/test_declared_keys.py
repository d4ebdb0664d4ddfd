"""Env keys an app declares: settings classes (ast), compose app service, env look-ups."""

from __future__ import annotations

from pathlib import Path

import pytest

from devdb.project.compose import compose_keys
from devdb.project.declared_keys import find_declared_keys

from e2e_util import write_tree

FULL_STACK_CONFIG = """
import secrets
import warnings
from typing import Annotated, Any, Literal

from pydantic import AnyUrl, BeforeValidator, EmailStr, HttpUrl, PostgresDsn, computed_field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        # Use top level .env file (one level above ./backend/)
        env_file="../.env",
        env_ignore_empty=True,
        extra="ignore",
    )
    API_V1_STR: str = "/api/v1"
    SECRET_KEY: str = secrets.token_urlsafe(32)
    ACCESS_TOKEN_EXPIRE_MINUTES: int = 60 * 24 * 8
    FRONTEND_HOST: str = "http://localhost:5173"
    ENVIRONMENT: Literal["local", "staging", "production"] = "local"

    BACKEND_CORS_ORIGINS: Annotated[list[AnyUrl] | str, BeforeValidator(parse_cors)] = []

    PROJECT_NAME: str
    SENTRY_DSN: HttpUrl | None = None
    POSTGRES_SERVER: str
    POSTGRES_PORT: int = 5432
    POSTGRES_USER: str
    POSTGRES_PASSWORD: str = ""
    POSTGRES_DB: str = ""

    @computed_field  # type: ignore[prop-decorator]
    @property
    def SQLALCHEMY_DATABASE_URI(self) -> PostgresDsn:
        return PostgresDsn.build(scheme="postgresql+psycopg", username=self.POSTGRES_USER)

    FIRST_SUPERUSER: EmailStr
    FIRST_SUPERUSER_PASSWORD: str


settings = Settings()  # type: ignore
"""

FULL_STACK_COMPOSE = """
services:
  db:
    image: postgres:17
    restart: always
    env_file:
      - .env
    environment:
      - PGDATA=/var/lib/postgresql/data/pgdata
      - POSTGRES_PASSWORD=${POSTGRES_PASSWORD?Variable not set}
      - POSTGRES_USER=${POSTGRES_USER?Variable not set}
      - POSTGRES_DB=${POSTGRES_DB?Variable not set}
  adminer:
    image: adminer
    depends_on:
      - db
    environment:
      - ADMINER_DESIGN=pepa-linha-dark
  backend:
    image: '${DOCKER_IMAGE_BACKEND?Variable not set}:${TAG-latest}'
    depends_on:
      db:
        condition: service_healthy
        restart: true
    env_file:
      - .env
    environment:
      - DOMAIN=${DOMAIN}
      - SECRET_KEY=${SECRET_KEY?Variable not set}
      - POSTGRES_SERVER=db
      - POSTGRES_PORT=${POSTGRES_PORT}
      - POSTGRES_DB=${POSTGRES_DB}
      - POSTGRES_USER=${POSTGRES_USER?Variable not set}
      - POSTGRES_PASSWORD=${POSTGRES_PASSWORD?Variable not set}
      - SENTRY_DSN=${SENTRY_DSN}
    build:
      context: ./backend
  frontend:
    image: '${DOCKER_IMAGE_FRONTEND?Variable not set}:${TAG-latest}'
    build:
      context: ./frontend
      args:
        - VITE_API_URL=https://api.${DOMAIN?Variable not set}
"""


def test_full_stack_fastapi_template(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            "docker-compose.yml": FULL_STACK_COMPOSE,
            "backend/app/core/config.py": FULL_STACK_CONFIG,
            "backend/app/main.py": "from app.core.config import settings\n",
        },
    )
    found = find_declared_keys(root / "backend" / "app", root)
    assert found
    for key in ("POSTGRES_SERVER", "POSTGRES_PORT", "POSTGRES_USER", "POSTGRES_PASSWORD",
                "POSTGRES_DB", "SECRET_KEY", "PROJECT_NAME", "FIRST_SUPERUSER_PASSWORD",
                "DOMAIN"):  # fmt: skip
        assert key in found.keys, key
    assert "SQLALCHEMY_DATABASE_URI" not in found.keys  # a computed property, not a setting
    assert "PGDATA" not in found.keys  # the db service's, not the app's
    assert not found.forbids_extra  # extra="ignore"
    assert "Settings in backend/app/core/config.py" in found.source
    assert "compose service 'backend' in docker-compose.yml" in found.source
    assert found.keys.index("API_V1_STR") < found.keys.index("DOMAIN")  # settings first


@pytest.mark.parametrize(
    ("config", "keys", "forbids"),
    [
        (
            """
            from pydantic_settings import BaseSettings, SettingsConfigDict

            class Settings(BaseSettings):
                model_config = SettingsConfigDict(env_file=".env", extra="forbid")
                database_url: str
                secret_key: str
            """,
            ["DATABASE_URL", "SECRET_KEY"],
            True,
        ),
        (
            # pydantic-settings forbids extras by default
            """
            import pydantic_settings

            class Settings(pydantic_settings.BaseSettings):
                model_config = pydantic_settings.SettingsConfigDict(env_file=".env")
                db_url: str
            """,
            ["DB_URL"],
            True,
        ),
        (
            # no env file read by the class: extra keys there cannot hurt it
            """
            from pydantic_settings import BaseSettings

            class Settings(BaseSettings):
                db_url: str
            """,
            ["DB_URL"],
            False,
        ),
        (
            """
            from pydantic_settings import BaseSettings, SettingsConfigDict

            class Settings(BaseSettings):
                model_config = SettingsConfigDict(env_prefix="APP_", extra="ignore")
                database_url: str
                debug: bool = False
            """,
            ["APP_DATABASE_URL", "APP_DEBUG"],
            False,
        ),
        (
            # aliases are env names as they are: no prefix
            """
            from pydantic import AliasChoices, Field
            from pydantic_settings import BaseSettings, SettingsConfigDict

            class Settings(BaseSettings):
                model_config = {"env_prefix": "APP_", "env_file": ".env", "extra": "allow"}
                db: str = Field(alias="DATABASE_URL")
                test_db: str = Field(validation_alias=AliasChoices("TEST_DATABASE_URL", "TEST_DB_URL"))
                name: str = Field("x", description="not an alias")
            """,
            ["DATABASE_URL", "TEST_DATABASE_URL", "TEST_DB_URL", "APP_NAME"],
            False,
        ),
        (
            # pydantic v1: inner Config, Field(env=...), Extra.forbid
            """
            from pydantic import BaseSettings, Extra, Field

            class Settings(BaseSettings):
                pg_dsn: str = Field(..., env="PG_DSN")
                redis_url: str = Field("redis://", env=["REDIS_URL", "CACHE_URL"])
                workers: int = 1

                class Config:
                    env_prefix = "SVC_"
                    env_file = ".env"
                    extra = Extra.forbid
            """,
            ["PG_DSN", "REDIS_URL", "CACHE_URL", "SVC_WORKERS"],
            True,
        ),
        (
            # class keyword config, Annotated aliases, ClassVar and private fields skipped
            """
            from typing import Annotated, ClassVar
            from pydantic import Field, PrivateAttr
            from pydantic_settings import BaseSettings

            class Settings(BaseSettings, env_prefix="X_", extra="ignore"):
                url: Annotated[str, Field(alias="DATABASE_URL")]
                pool: int = 5
                VERSION: ClassVar[str] = "1"
                _cache: dict = PrivateAttr(default_factory=dict)
            """,
            ["DATABASE_URL", "X_POOL"],
            False,
        ),
        (
            """
            from pydantic_settings import BaseSettings, SettingsConfigDict

            class Settings(BaseSettings):
                model_config = SettingsConfigDict(case_sensitive=True, extra="ignore")
                Database_Url: str
            """,
            ["Database_Url"],
            False,
        ),
        (
            # nested model with env_nested_delimiter
            """
            from pydantic import BaseModel
            from pydantic_settings import BaseSettings, SettingsConfigDict

            class DbSettings(BaseModel):
                host: str = "localhost"
                port: int = 5432
                password: str

            class Settings(BaseSettings):
                model_config = SettingsConfigDict(env_nested_delimiter="__", extra="ignore")
                db: DbSettings
                api_key: str
            """,
            ["DB__HOST", "DB__PORT", "DB__PASSWORD", "API_KEY"],
            False,
        ),
        (
            # settings inheritance: base config and fields flow down
            """
            from pydantic_settings import BaseSettings, SettingsConfigDict

            class Base(BaseSettings):
                model_config = SettingsConfigDict(env_prefix="SVC_", extra="ignore")
                debug: bool = False

            class Settings(Base):
                database_url: str
            """,
            ["SVC_DEBUG", "SVC_DATABASE_URL"],
            False,
        ),
    ],
    ids=[
        "forbid", "default-forbid", "no-env-file", "prefix", "aliases", "pydantic-v1",
        "class-kwargs", "case-sensitive", "nested", "inheritance",
    ],
)  # fmt: skip
def test_settings_classes(tmp_path: Path, config: str, keys: list[str], forbids: bool) -> None:
    root = write_tree(tmp_path, {"app/config.py": config, "app/main.py": "print('hi')\n"})
    found = find_declared_keys(root / "app", root)
    assert found.keys == keys
    assert found.forbids_extra is forbids
    assert found.source == "Settings in app/config.py"


def test_settings_base_in_another_module(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            "app/core/base.py": """
                from pydantic_settings import BaseSettings, SettingsConfigDict

                class ServiceSettings(BaseSettings):
                    model_config = SettingsConfigDict(env_prefix="SVC_", extra="ignore")
                    log_level: str = "info"
            """,
            "app/config.py": """
                from app.core.base import ServiceSettings

                class Settings(ServiceSettings):
                    database_url: str
            """,
        },
    )
    found = find_declared_keys(root / "app", root)
    assert found.keys == ["SVC_LOG_LEVEL", "SVC_DATABASE_URL"]
    assert found.source == "Settings in app/config.py"


def test_app_settings_preferred_over_other_services(tmp_path: Path) -> None:
    settings = """
        from pydantic_settings import BaseSettings

        class {name}(BaseSettings):
            {field}: str
    """
    root = write_tree(
        tmp_path,
        {
            "services/api/config.py": settings.format(name="ApiSettings", field="database_url"),
            "services/api/main.py": "",
            "services/billing/config.py": settings.format(name="BillingSettings", field="db_url"),
            "shared/settings.py": settings.format(name="SharedSettings", field="pg_dsn"),
            "services/worker/main.py": "",
        },
    )
    found = find_declared_keys(root / "services" / "api", root)
    assert found.keys == ["DATABASE_URL"]
    assert found.source == "ApiSettings in services/api/config.py"
    # an app dir without a settings class: every settings class in the project counts
    found = find_declared_keys(root / "services" / "worker", root)
    assert sorted(found.keys) == ["DATABASE_URL", "DB_URL", "PG_DSN"]


def test_forbidding_settings_exclude_compose_and_lookups(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            "app/config.py": """
                from pydantic_settings import BaseSettings, SettingsConfigDict

                class Settings(BaseSettings):
                    model_config = SettingsConfigDict(env_file=".env")
                    database_url: str
            """,
            "app/other.py": "import os\nX = os.environ['POSTGRES_PASSWORD']\n",
            "compose.yaml": """
                services:
                  api:
                    build: .
                    environment:
                      DB_USER: app
            """,
        },
    )
    found = find_declared_keys(root / "app", root)
    assert found.keys == ["DATABASE_URL"] and found.forbids_extra


@pytest.mark.parametrize(
    ("compose", "keys", "service"),
    [
        (
            # mapping environment, ${VAR:-default} and $VAR interpolations, $$ literal
            """
            services:
              postgres:
                image: pgvector/pgvector:pg17
                environment:
                  POSTGRES_PASSWORD: secret
              api:
                build: .
                depends_on: [postgres]
                environment:
                  DATABASE_URL: postgresql+asyncpg://${DB_USER:-app}:${DB_PASSWORD}@postgres:5432/$DB_NAME
                  PRICE: "$$5"
                  DEBUG:
            """,
            ["DATABASE_URL", "DB_USER", "DB_PASSWORD", "DB_NAME", "PRICE", "DEBUG"],
            "api",
        ),
        (
            # no build: the service that depends on the db is the app
            """
            services:
              db:
                image: postgres:16-alpine
              worker:
                image: ghcr.io/acme/app:latest
                depends_on:
                  db:
                    condition: service_healthy
                environment:
                  - DB_URL=postgresql+psycopg://u:p@db/app
                  - OPENAI_API_KEY
            """,
            ["DB_URL", "OPENAI_API_KEY"],
            "worker",
        ),
        (
            # the frontend also has build:, but the backend depends on the db
            """
            services:
              frontend:
                build: ./frontend
                environment: [VITE_API_URL=http://localhost:8000]
              backend:
                build: ./backend
                depends_on: [database]
                environment: [SQLALCHEMY_DATABASE_URI=postgresql://u:p@database/app]
              database:
                image: docker.io/library/postgres:16
            """,
            ["SQLALCHEMY_DATABASE_URI"],
            "backend",
        ),
        (
            # YAML anchors and merge keys
            """
            x-env: &env
              DATABASE_URL: postgresql://u:p@db/app
              REDIS_URL: redis://redis
            services:
              db:
                image: postgis/postgis:16-3.4
              app:
                build: .
                environment:
                  <<: *env
                  TEST_DATABASE_URL: postgresql://u:p@db/app_test
            """,
            ["DATABASE_URL", "REDIS_URL", "TEST_DATABASE_URL"],
            "app",
        ),
    ],
    ids=["mapping", "depends-on", "frontend-too", "anchors"],
)
def test_compose_app_service(tmp_path: Path, compose: str, keys: list[str], service: str) -> None:
    root = write_tree(tmp_path, {"docker-compose.yml": compose})
    found_keys, source, notes = compose_keys(root, root)
    assert found_keys == keys
    assert source == f"compose service '{service}' in docker-compose.yml"
    assert notes == []


def test_compose_env_files_and_override(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            "compose.yaml": """
                services:
                  db:
                    image: postgres:17
                  app:
                    build: .
                    env_file:
                      - path: ./config/app.env
                        required: false
                      - ./missing.env
                    environment:
                      A: "1"
            """,
            "compose.override.yaml": """
                services:
                  app:
                    environment:
                      B: "2"
            """,
            "config/app.env": "# app settings\nPOSTGRES_HOST=db\nexport POSTGRES_PORT=5432\n",
        },
    )
    keys, source, _ = compose_keys(root, root)
    assert keys == ["A", "B", "POSTGRES_HOST", "POSTGRES_PORT"]
    assert source == "compose service 'app' in compose.yaml"


def test_compose_found_from_app_dir_upwards(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            "docker-compose.yml": "services:\n  app:\n    build: .\n    environment: [ROOT_KEY=1]\n",
            "services/api/docker-compose.yml": (
                "services:\n  api:\n    build: .\n    environment: [API_KEY_X=1]\n"
            ),
            "services/api/src/main.py": "",
        },
    )
    assert compose_keys(root / "services" / "api" / "src", root)[0] == ["API_KEY_X"]
    assert compose_keys(root / "other", root)[0] == ["ROOT_KEY"]


def test_environ_lookups(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            "main.py": """
                import os
                from os import environ, getenv
                from starlette.config import Config

                config = Config(".env")
                DATABASE_URL = os.environ["DATABASE_URL"]
                TEST_URL = os.getenv("TEST_DATABASE_URL", "")
                DEBUG = environ.get("DEBUG", "0")
                PORT = getenv("PORT")
                SECRET = config("SECRET_KEY", cast=str)
                os.environ.setdefault("TZ", "UTC")
                lower = os.getenv("not_an_env_name")
                dynamic = os.getenv(f"{DEBUG}_X")
            """,
        },
    )
    found = find_declared_keys(root, root)
    assert found.keys == ["DATABASE_URL", "TEST_DATABASE_URL", "DEBUG", "PORT", "SECRET_KEY", "TZ"]
    assert found.source == "env look-ups in 1 file"


def test_nothing_found(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {"main.py": "print('hello')\n", "README.md": "# hi\n"})
    found = find_declared_keys(root, root)
    assert not found and found.keys == [] and found.source == ""


def test_broken_files_are_notes_not_errors(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            "app/config.py": "class Settings(BaseSettings):\n    x: int = (\n",
            "docker-compose.yml": "services: [unclosed\n",
            "app/ok.py": "import os\nURL = os.environ['DB_URL']\n",
        },
    )
    found = find_declared_keys(root / "app", root)
    assert found.keys == ["DB_URL"]
    assert "cannot parse app/config.py" in found.notes
    assert "cannot parse docker-compose.yml" in found.notes


def test_virtualenvs_are_skipped(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            ".venv/lib/site.py": "import os\nos.environ['VENV_ONLY']\n",
            "node_modules/x/a.py": "import os\nos.environ['NODE_ONLY']\n",
            "app.py": "import os\nos.environ['APP_KEY']\n",
        },
    )
    assert find_declared_keys(root, root).keys == ["APP_KEY"]


def test_compose_reset_and_override_tags(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            "compose.yaml": """
                services:
                  db:
                    image: postgres:17
                  app:
                    build: .
                    environment:
                      OLD: "1"
            """,
            "compose.override.yaml": """
                services:
                  app:
                    ports: !reset []
                    environment: !override
                      DATABASE_URL: postgresql://u:p@db/app
            """,
        },
    )
    keys, _, notes = compose_keys(root, root)
    assert notes == [] and "DATABASE_URL" in keys


def test_no_example_end_to_end(tmp_path: Path) -> None:
    """Full-stack template without an env example: keys from settings + compose, all filled."""
    from dotenv import dotenv_values

    from devdb.project.envfile import plan_env_file
    from devdb.project.envkeys import DbParams, detect_key_map, render_db_values

    root = write_tree(
        tmp_path,
        {
            "docker-compose.yml": FULL_STACK_COMPOSE,
            "backend/app/core/config.py": FULL_STACK_CONFIG,
            "backend/app/main.py": "",
        },
    )
    declared = find_declared_keys(root / "backend" / "app", root)
    key_map = detect_key_map(declared.keys)
    params = DbParams("127.0.0.1", 55001, "postgres", "0a1b2c", "app", "app_test")
    values = render_db_values(key_map, params, {})
    plan = plan_env_file(root / ".env", None, values, declared_keys=declared.keys)
    written = dotenv_values(stream=__import__("io").StringIO(plan.text))
    assert written == {
        "POSTGRES_SERVER": "127.0.0.1",
        "POSTGRES_PORT": "55001",
        "POSTGRES_USER": "postgres",
        "POSTGRES_PASSWORD": "0a1b2c",
        "POSTGRES_DB": "app",
    }
