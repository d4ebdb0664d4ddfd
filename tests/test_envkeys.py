"""Which env key is which DB role, and the values rendered into them (pure logic)."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

import pytest

from devdb.errors import DevdbError
from devdb.project.envkeys import DbParams, KeyMap, classify_key, detect_key_map, render_db_values

PARAMS = DbParams(
    host="127.0.0.1",
    port=54321,
    user="postgres",
    password="9f2c4e1a7b",
    database="app",
    test_database="app_test",
)


@pytest.mark.parametrize(
    ("key", "role"),
    [
        # URLs of the main database
        ("DB_URL", "url"),
        ("DATABASE_URL", "url"),
        ("POSTGRES_URL", "url"),
        ("POSTGRESQL_URL", "url"),
        ("PG_URL", "url"),
        ("PG_DSN", "url"),
        ("POSTGRES_DSN", "url"),
        ("DATABASE_URI", "url"),
        ("SQLALCHEMY_DATABASE_URI", "url"),
        ("SQLALCHEMY_DATABASE_URL", "url"),
        ("ASYNC_DATABASE_URL", "url"),
        ("DATABASE_URL_ASYNC", "url"),
        ("SYNC_DATABASE_URL", "url"),
        ("APP_DB_DSN", "url"),
        ("POSTGRES_URL_NON_POOLING", "url"),
        ("DATABASE_CONNECTION_STRING", "url"),
        ("database_url", "url"),
        # URLs of the test database
        ("TEST_DATABASE_URL", "test_url"),
        ("DATABASE_URL_TEST", "test_url"),
        ("DB_URL_TEST", "test_url"),
        ("TEST_DB_URL", "test_url"),
        ("DATABASE_TEST_URL", "test_url"),
        ("TESTING_DATABASE_URL", "test_url"),
        ("PYTEST_DATABASE_URL", "test_url"),
        ("TEST_SQLALCHEMY_DATABASE_URI", "test_url"),
        # parts
        ("DB_USER", "user"),
        ("DB_USERNAME", "user"),
        ("DATABASE_USER", "user"),
        ("POSTGRES_USER", "user"),
        ("PGUSER", "user"),
        ("PG_USER", "user"),
        ("DBUSER", "user"),
        ("DB_PASSWORD", "password"),
        ("DB_PASS", "password"),
        ("DB_PWD", "password"),
        ("DATABASE_PASSWORD", "password"),
        ("POSTGRES_PASSWORD", "password"),
        ("PGPASSWORD", "password"),
        ("DB_NAME", "database"),
        ("DB_DATABASE", "database"),
        ("DATABASE_NAME", "database"),
        ("POSTGRES_DB", "database"),
        ("POSTGRES_DBNAME", "database"),
        ("PGDATABASE", "database"),
        ("DBNAME", "database"),
        ("DB_HOST", "host"),
        ("DB_HOSTNAME", "host"),
        ("DATABASE_HOST", "host"),
        ("POSTGRES_HOST", "host"),
        ("POSTGRES_SERVER", "host"),
        ("PGHOST", "host"),
        ("DB_PORT", "port"),
        ("DATABASE_PORT", "port"),
        ("POSTGRES_PORT", "port"),
        ("PGPORT", "port"),
        ("TEST_DB_NAME", "test_database"),
        ("DB_NAME_TEST", "test_database"),
        ("POSTGRES_TEST_DB", "test_database"),
        ("TEST_DATABASE_USER", "test_user"),
        ("TEST_DB_HOST", "test_host"),
        # not database keys
        ("REDIS_URL", None),
        ("MONGODB_URL", None),
        ("MONGO_DB_URL", None),
        ("CELERY_BROKER_URL", None),
        ("SENTRY_DSN", None),
        ("MYSQL_PASSWORD", None),
        ("KEYCLOAK_DB_PASSWORD", None),
        ("PGADMIN_DEFAULT_PASSWORD", None),
        ("PGDATA", None),
        ("POSTGRES_HOST_AUTH_METHOD", None),
        ("POSTGRES_INITDB_ARGS", None),
        ("DB_POOL_SIZE", None),
        ("DB_ECHO", None),
        ("DB_CONNECTION", None),
        ("DB_DRIVER", None),
        ("DATABASE_URL_PROD", None),
        ("PRODUCTION_DATABASE_URL", None),
        ("SHADOW_DATABASE_URL", None),
        ("SMTP_PASSWORD", None),
        ("SMTP_HOST", None),
        ("FIRST_SUPERUSER_PASSWORD", None),
        ("SECRET_KEY", None),
        ("MAIN_DB", None),
        ("DATABASE", None),
        ("URL", None),
    ],
)
def test_classify_key(key: str, role: str | None) -> None:
    assert classify_key(key) == role


def _map(keys: list[str], **overrides: str | list[str]) -> KeyMap:
    return detect_key_map(keys, overrides or None)


def test_full_stack_fastapi_template_parts() -> None:
    keys = [
        "DOMAIN", "FRONTEND_HOST", "ENVIRONMENT", "PROJECT_NAME", "SECRET_KEY",
        "FIRST_SUPERUSER", "FIRST_SUPERUSER_PASSWORD", "SMTP_HOST", "SMTP_USER",
        "SMTP_PASSWORD", "POSTGRES_SERVER", "POSTGRES_PORT", "POSTGRES_DB", "POSTGRES_USER",
        "POSTGRES_PASSWORD", "SENTRY_DSN", "DOCKER_IMAGE_BACKEND",
    ]  # fmt: skip
    key_map = _map(keys)
    assert key_map.url == [] and key_map.test_url == []
    assert (key_map.host, key_map.port) == ("POSTGRES_SERVER", "POSTGRES_PORT")
    assert (key_map.user, key_map.password, key_map.database) == (
        "POSTGRES_USER",
        "POSTGRES_PASSWORD",
        "POSTGRES_DB",
    )
    values = render_db_values(key_map, PARAMS, {})
    assert values == {
        "POSTGRES_USER": "postgres",
        "POSTGRES_PASSWORD": "9f2c4e1a7b",
        "POSTGRES_DB": "app",
        "POSTGRES_SERVER": "127.0.0.1",
        "POSTGRES_PORT": "54321",
    }


def test_host_without_port_key_gets_host_and_port() -> None:
    key_map = _map(["POSTGRES_SERVER", "POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB"])
    values = render_db_values(key_map, PARAMS, {"POSTGRES_SERVER": "db"})
    assert values["POSTGRES_SERVER"] == "127.0.0.1:54321"


def test_several_keys_of_one_role_all_filled() -> None:
    key_map = _map(["POSTGRES_USER", "DB_USER", "PGUSER", "DB_PASSWORD", "POSTGRES_PASSWORD"])
    assert key_map.user == "DB_USER"
    assert key_map.keys_for("user") == ["DB_USER", "POSTGRES_USER", "PGUSER"]
    values = render_db_values(key_map, PARAMS, {})
    assert {values[k] for k in ("POSTGRES_USER", "DB_USER", "PGUSER")} == {"postgres"}
    assert values["DB_PASSWORD"] == values["POSTGRES_PASSWORD"] == PARAMS.password


@pytest.mark.parametrize(
    ("key", "template", "expected"),
    [
        ("DATABASE_URL", "postgresql+asyncpg://app:app@db:5432/app",
         "postgresql+asyncpg://postgres:9f2c4e1a7b@127.0.0.1:54321/app"),
        ("DB_URL", "postgresql+psycopg://user:pass@localhost/app",
         "postgresql+psycopg://postgres:9f2c4e1a7b@127.0.0.1:54321/app"),
        ("SQLALCHEMY_DATABASE_URI", "postgresql+psycopg2://u:p@postgres:5432/x",
         "postgresql+psycopg2://postgres:9f2c4e1a7b@127.0.0.1:54321/app"),
        ("DATABASE_URL", "postgres://u:p@db/app",
         "postgres://postgres:9f2c4e1a7b@127.0.0.1:54321/app"),
        ("DATABASE_URL", "postgresql://u:p@db/app?sslmode=disable&application_name=api",
         "postgresql://postgres:9f2c4e1a7b@127.0.0.1:54321/app?sslmode=disable&application_name=api"),
        ("DATABASE_URL", "postgresql://db/app?host=/var/run/postgresql&sslmode=prefer",
         "postgresql://postgres:9f2c4e1a7b@127.0.0.1:54321/app?sslmode=prefer"),
        ("DATABASE_URL", "postgresql://u:p@db/app?options=-c%20search_path%3Dapp",
         "postgresql://postgres:9f2c4e1a7b@127.0.0.1:54321/app?options=-c%20search_path%3Dapp"),
        ("DATABASE_URL", "", "postgresql://postgres:9f2c4e1a7b@127.0.0.1:54321/app"),
        ("DATABASE_URL", "changeme", "postgresql://postgres:9f2c4e1a7b@127.0.0.1:54321/app"),
        ("DATABASE_URL", "sqlite:///./app.db",
         "postgresql://postgres:9f2c4e1a7b@127.0.0.1:54321/app"),
        ("DATABASE_URL",
         "postgresql+asyncpg://${POSTGRES_USER}:${POSTGRES_PASSWORD}@${DB_HOST}:${DB_PORT}/app",
         "postgresql+asyncpg://postgres:9f2c4e1a7b@127.0.0.1:54321/app"),
    ],
)  # fmt: skip
def test_url_keeps_scheme_driver_and_query(key: str, template: str, expected: str) -> None:
    key_map = _map([key])
    assert render_db_values(key_map, PARAMS, {key: template})[key] == expected


def test_test_url_gets_its_own_database_and_main_scheme() -> None:
    keys = ["DATABASE_URL", "TEST_DATABASE_URL"]
    key_map = _map(keys)
    values = render_db_values(
        key_map,
        PARAMS,
        {"DATABASE_URL": "postgresql+asyncpg://a:b@db/app", "TEST_DATABASE_URL": ""},
    )
    main, test = urlsplit(values["DATABASE_URL"]), urlsplit(values["TEST_DATABASE_URL"])
    assert main.path == "/app" and test.path == "/app_test"
    assert test.scheme == "postgresql+asyncpg"
    assert (test.hostname, test.port) == ("127.0.0.1", 54321)


def test_test_url_keeps_its_own_driver() -> None:
    key_map = _map(["DB_URL", "DB_URL_TEST"])
    values = render_db_values(
        key_map,
        PARAMS,
        {"DB_URL": "postgresql+asyncpg://x@db/a", "DB_URL_TEST": "postgresql+psycopg://x@db/t"},
    )
    assert values["DB_URL_TEST"].startswith("postgresql+psycopg://")
    assert values["DB_URL_TEST"].endswith("/app_test")


def test_test_parts_get_test_database() -> None:
    key_map = _map(["DB_NAME", "TEST_DB_NAME", "DB_HOST", "DB_PORT"])
    values = render_db_values(key_map, PARAMS, {})
    assert values["DB_NAME"] == "app" and values["TEST_DB_NAME"] == "app_test"


def test_same_test_and_main_database_refused() -> None:
    key_map = _map(["DATABASE_URL", "TEST_DATABASE_URL"])
    same = DbParams("127.0.0.1", 5432, "u", "p", "app", "app")
    with pytest.raises(DevdbError):
        render_db_values(key_map, same, {})
    # without a test key the test database name does not matter
    render_db_values(_map(["DATABASE_URL"]), same, {})


def test_all_db_keys_agree() -> None:
    keys = [
        "DATABASE_URL", "SQLALCHEMY_DATABASE_URI", "DB_HOST", "DB_PORT", "DB_USER",
        "DB_PASSWORD", "DB_NAME",
    ]  # fmt: skip
    values = render_db_values(_map(keys), PARAMS, {"DATABASE_URL": "postgresql+asyncpg://"})
    for key in ("DATABASE_URL", "SQLALCHEMY_DATABASE_URI"):
        url = urlsplit(values[key])
        assert url.hostname == values["DB_HOST"]
        assert str(url.port) == values["DB_PORT"]
        assert url.username == values["DB_USER"]
        assert url.password == values["DB_PASSWORD"]
        assert url.path == "/" + values["DB_NAME"]


@pytest.mark.parametrize("password", ["p@ss:w/rd#?%", "with space", "ünï"])
def test_password_is_url_quoted(password: str) -> None:
    params = DbParams("127.0.0.1", 5432, "me@corp", password, "my db", "my db test")
    url = render_db_values(_map(["DATABASE_URL"]), params, {})["DATABASE_URL"]
    parts = urlsplit(url)
    assert unquote(parts.password or "") == password
    assert unquote(parts.username or "") == "me@corp"
    assert parts.hostname == "127.0.0.1" and parts.port == 5432
    assert unquote(parts.path) == "/my db"


def test_url_parses_with_sqlalchemy() -> None:
    from sqlalchemy.engine import make_url

    params = DbParams("127.0.0.1", 5432, "postgres", "a/b@c", "app", "app_test")
    values = render_db_values(
        _map(["DATABASE_URL"]), params, {"DATABASE_URL": "postgresql+psycopg://x"}
    )
    url = make_url(values["DATABASE_URL"])
    assert (url.drivername, url.password, url.host, url.port, url.database) == (
        "postgresql+psycopg",
        "a/b@c",
        "127.0.0.1",
        5432,
        "app",
    )


def test_password_not_in_repr() -> None:
    assert PARAMS.password not in repr(PARAMS)


def test_overrides_set_roles() -> None:
    key_map = _map(
        ["APP_DB_DSN", "PGUSER", "DB_USER", "DATABASE_URL"],
        url="APP_DB_DSN",
        user="PGUSER",
    )
    assert key_map.url == ["APP_DB_DSN"]
    assert key_map.user == "PGUSER" and key_map.keys_for("user") == ["PGUSER"]


def test_override_key_not_in_keys_is_used() -> None:
    key_map = _map(["SECRET_KEY"], url=["MY_CONN", "MY_CONN_ASYNC"], test_url="MY_TEST_CONN")
    assert key_map.url == ["MY_CONN", "MY_CONN_ASYNC"]
    assert key_map.test_url == ["MY_TEST_CONN"]


def test_override_moves_a_key_between_roles() -> None:
    key_map = _map(["DATABASE_URL", "TEST_DATABASE_URL"], url="TEST_DATABASE_URL", test_url=[])
    assert key_map.url == ["TEST_DATABASE_URL"] and key_map.test_url == []


def test_override_ignore_and_empty() -> None:
    key_map = _map(["DATABASE_URL", "POSTGRES_URL", "DB_HOST"], ignore=["POSTGRES_URL"], host="")
    assert key_map.url == ["DATABASE_URL"] and key_map.host is None


def test_unknown_override_role() -> None:
    with pytest.raises(DevdbError, match="unknown role"):
        _map(["DATABASE_URL"], uri="X")


def test_all_keys_and_role_of() -> None:
    key_map = _map(["DATABASE_URL", "TEST_DATABASE_URL", "DB_USER", "POSTGRES_USER"])
    assert key_map.all_keys() == ["DATABASE_URL", "TEST_DATABASE_URL", "DB_USER", "POSTGRES_USER"]
    assert key_map.role_of("POSTGRES_USER") == "user"
    assert key_map.role_of("SECRET_KEY") is None
    assert key_map.has_test
