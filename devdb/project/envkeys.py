"""Which env key plays which database role, and the values devdb writes into them.

Key names are recognised by their `_`-separated words, not by a fixed list: a role word
(URL, USER, PASSWORD, NAME, HOST, PORT, …) preceded by a database word (DB, DATABASE,
POSTGRES, PG, SQLALCHEMY, …), so `APP_DB_USER` and `SQLALCHEMY_DATABASE_URI` are found as
well as `DB_USER`. A TEST word makes it the test database's key. Keys of other services
(REDIS_URL, MONGODB_URL, SENTRY_DSN, KEYCLOAK_DB_PASSWORD…) and of production or
shadow databases are left alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, quote, urlsplit

from devdb.errors import DevdbError


@dataclass(frozen=True)
class DbParams:
    host: str
    port: int
    user: str
    password: str = field(repr=False)
    database: str
    test_database: str


# The key to write when neither an example nor the app names any (most common name).
DEFAULT_URL_KEY = "DATABASE_URL"

# Roles a single key can play (KeyMap's str fields), then the list roles.
PART_ROLES = (
    "user",
    "password",
    "database",
    "host",
    "port",
    "test_user",
    "test_password",
    "test_database",
    "test_host",
    "test_port",
)
LIST_ROLES = ("url", "test_url")
ROLES = (*LIST_ROLES, *PART_ROLES)


@dataclass(frozen=True)
class KeyMap:
    """Which env key plays which role; None (or []) = absent."""

    url: list[str]
    test_url: list[str]
    user: str | None
    password: str | None
    database: str | None
    host: str | None
    port: str | None
    test_user: str | None = None
    test_password: str | None = None
    test_database: str | None = None
    test_host: str | None = None
    test_port: str | None = None
    # Further keys of a part role beyond the primary one (POSTGRES_USER beside DB_USER):
    # role -> keys. They are filled with the same value.
    extra: dict[str, list[str]] = field(default_factory=dict)

    def keys_for(self, role: str) -> list[str]:
        """Every key playing `role`, primary first."""
        if role in LIST_ROLES:
            return list(getattr(self, role))
        primary = getattr(self, role)
        return ([primary] if primary else []) + list(self.extra.get(role, []))

    def all_keys(self) -> list[str]:
        return [key for role in ROLES for key in self.keys_for(role)]

    def role_of(self, key: str) -> str | None:
        for role in ROLES:
            if key in self.keys_for(role):
                return role
        return None

    @property
    def has_test(self) -> bool:
        return any(self.keys_for(role) for role in ROLES if role.startswith("test_"))


DB_WORDS = frozenset(
    {"DB", "DATABASE", "POSTGRES", "POSTGRESQL", "PG", "PSQL", "PGSQL", "SQLALCHEMY", "RDS"}
)
TEST_WORDS = frozenset({"TEST", "TESTS", "TESTING", "PYTEST"})
# Keys naming another service's database, or one devdb must never point at.
OTHER_WORDS = frozenset(
    {
        "REDIS", "MONGO", "MONGODB", "MYSQL", "MARIADB", "SQLITE", "MSSQL", "ORACLE",
        "CLICKHOUSE", "ELASTIC", "ELASTICSEARCH", "OPENSEARCH", "INFLUX", "INFLUXDB", "NEO4J",
        "CASSANDRA", "DYNAMO", "DYNAMODB", "COUCHDB", "FIRESTORE", "RABBITMQ", "AMQP",
        "BROKER", "CELERY", "CACHE", "KAFKA", "SENTRY", "MINIO", "S3", "QDRANT", "WEAVIATE",
        "PINECONE", "CHROMA", "MILVUS", "KEYCLOAK", "PGADMIN", "SUPERSET", "AIRFLOW",
        "METABASE", "GRAFANA", "SONAR", "SONARQUBE", "PROD", "PRODUCTION", "STAGING", "STAGE",
        "LIVE", "REMOTE", "SHADOW", "ROOT",
    }
)  # fmt: skip
URL_WORDS = frozenset({"URL", "URI", "DSN"})
PART_WORDS = {
    "USER": "user",
    "USERNAME": "user",
    "LOGIN": "user",
    "PASSWORD": "password",
    "PASS": "password",
    "PASSWD": "password",
    "PWD": "password",
    "NAME": "database",
    "DBNAME": "database",
    "DATABASE": "database",
    "DB": "database",
    "HOST": "host",
    "HOSTNAME": "host",
    "SERVER": "host",
    "ADDR": "host",
    "ADDRESS": "host",
    "PORT": "port",
}
# Glued forms: PGUSER, DBHOST, PGDATABASE …
_GLUED_PREFIXES = ("PG", "DB")

# Preferred primary key per role when several match (lower = preferred).
_PREFERRED_STEMS = ("DB", "DATABASE", "POSTGRES", "PG")


def _words(key: str) -> list[str]:
    words: list[str] = []
    for word in key.upper().replace("-", "_").replace(".", "_").split("_"):
        if not word:
            continue
        rest = word[2:]
        glued = rest in URL_WORDS or (
            rest in PART_WORDS and (word.startswith("PG") or rest not in ("DB", "DATABASE"))
        )
        if word[:2] in _GLUED_PREFIXES and glued:
            words += [word[:2], rest]
        else:
            words.append(word)
    return words


def classify_key(key: str) -> str | None:
    """The role of one env key by its name (see module doc), or None."""
    words = _words(key)
    if len(words) < 2 or any(word in OTHER_WORDS for word in words):
        return None
    test = any(word in TEST_WORDS for word in words)
    core = [word for word in words if word not in TEST_WORDS]
    prefix = "test_" if test else ""
    if len(core) >= 2 and core[-2:] in (["CONNECTION", "STRING"], ["CONN", "STRING"]):
        core = [*core[:-2], "URL"]
    if len(core) >= 2 and core[-2:] == ["CONN", "STR"]:
        core = [*core[:-2], "URL"]
    for index, word in enumerate(core):
        if word in URL_WORDS and any(w in DB_WORDS for w in core[:index]):
            return f"{prefix}url"
    if len(core) < 2:
        return None
    # The role word comes last, after a database word: POSTGRES_DB yes, MAIN_DB no.
    role = PART_WORDS.get(core[-1])
    if role is None or not any(word in DB_WORDS for word in core[:-1]):
        return None
    return f"{prefix}{role}"


def _preference(key: str) -> tuple[int, int, str]:
    words = [w for w in _words(key) if w not in TEST_WORDS]
    stem = words[0] if words else ""
    rank = _PREFERRED_STEMS.index(stem) if stem in _PREFERRED_STEMS else len(_PREFERRED_STEMS)
    return (len(words), rank, key)


def _as_list(value: str | list[str] | None) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value] if value else []
    return [item for item in value if item]


def detect_key_map(
    keys: Iterable[str], overrides: Mapping[str, str | list[str]] | None = None
) -> KeyMap:
    """Recognise the DB keys among `keys`.

    `overrides` (from `[tool.devdb.env_keys]`) set a role's key(s) outright, e.g.
    {"url": "APP_DB_DSN", "user": "PGUSER"}; "" or [] removes the role; "ignore" lists keys
    never to touch. An override key is used even when `keys` lacks it.
    """
    overrides = dict(overrides or {})
    unknown = set(overrides) - {*ROLES, "ignore"}
    if unknown:
        raise DevdbError(
            f"unknown role(s) in env_keys: {', '.join(sorted(unknown))}",
            f"use: {', '.join(ROLES)}, ignore",
        )
    ignored = {key.upper() for key in _as_list(overrides.pop("ignore", None))}
    overridden_keys = {key for value in overrides.values() for key in _as_list(value)}

    found: dict[str, list[str]] = {role: [] for role in ROLES}
    seen: set[str] = set()
    for key in keys:
        if key in seen or key.upper() in ignored or key in overridden_keys:
            continue
        seen.add(key)
        role = classify_key(key)
        if role is not None:
            found[role].append(key)
    for role, value in overrides.items():
        found[role] = _as_list(value)

    parts: dict[str, str | None] = {}
    extra: dict[str, list[str]] = {}
    for role in PART_ROLES:
        candidates = found[role]
        if role not in overrides:
            candidates = sorted(candidates, key=_preference)
        parts[role] = candidates[0] if candidates else None
        if len(candidates) > 1:
            extra[role] = candidates[1:]
    return KeyMap(url=found["url"], test_url=found["test_url"], extra=extra, **parts)


_POSTGRES_SCHEMES = ("postgresql", "postgres", "pgsql")
# Query parameters that would steer the connection elsewhere than devdb's server.
_CONNECTION_PARAMS = frozenset({"host", "hostaddr", "port", "user", "password", "dbname"})


def _scheme_and_query(template: str) -> tuple[str, str] | None:
    """The example URL's scheme (with driver) and its query, if it is a PostgreSQL URL."""
    try:
        parts = urlsplit(template.strip())
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if not scheme or scheme.split("+", 1)[0] not in _POSTGRES_SCHEMES:
        return None
    kept = []
    for piece in parts.query.split("&"):
        if not piece:
            continue
        names = parse_qsl(piece, keep_blank_values=True)
        if names and names[0][0].lower() in _CONNECTION_PARAMS:
            continue
        kept.append(piece)
    return parts.scheme, "&".join(kept)


def has_postgres_scheme(value: str) -> bool:
    return _scheme_and_query(value) is not None


def build_url(scheme: str, params: DbParams, database: str, query: str = "") -> str:
    """A connection URL with every part quoted (the password is hex, but users pick names)."""
    host = f"[{params.host}]" if ":" in params.host else params.host
    url = (
        f"{scheme}://{quote(params.user, safe='')}:{quote(params.password, safe='')}"
        f"@{host}:{params.port}/{quote(database, safe='')}"
    )
    return f"{url}?{query}" if query else url


def render_db_values(
    key_map: KeyMap,
    params: DbParams,
    template_values: Mapping[str, str],
    default_scheme: str = "postgresql",
) -> dict[str, str]:
    """The value of every DB key in `key_map`, all consistent with `params`.

    `template_values` (the example's values) give each URL key its scheme/driver and query
    string; a URL key without a usable example gets `default_scheme` (a test URL key: the
    main URL's scheme). A host key without a port key gets "host:port".
    """
    if key_map.has_test and params.test_database == params.database:
        raise DevdbError(
            f"the test database must differ from the main one ({params.database!r})",
            "set another test database name in the devdb config",
        )
    values: dict[str, str] = {}
    main_scheme: tuple[str, str] | None = None
    for key in key_map.url:
        parsed = _scheme_and_query(template_values.get(key) or "")
        main_scheme = main_scheme or parsed
        scheme, query = parsed or (default_scheme, "")
        values[key] = build_url(scheme, params, params.database, query)
    for key in key_map.test_url:
        parsed = _scheme_and_query(template_values.get(key) or "")
        scheme, query = parsed or ((main_scheme[0], "") if main_scheme else (default_scheme, ""))
        values[key] = build_url(scheme, params, params.test_database, query)

    host_port = f"{params.host}:{params.port}"
    has_port = bool(key_map.keys_for("port"))
    has_test_port = bool(key_map.keys_for("test_port"))
    part_values = {
        "user": params.user,
        "password": params.password,
        "database": params.database,
        "host": params.host if has_port else host_port,
        "port": str(params.port),
        "test_user": params.user,
        "test_password": params.password,
        "test_database": params.test_database,
        "test_host": params.host if (has_test_port or has_port) else host_port,
        "test_port": str(params.port),
    }
    for role in PART_ROLES:
        for key in key_map.keys_for(role):
            values[key] = part_values[role]
    return values


@dataclass(frozen=True)
class ChosenCredentials:
    """The DB values an env file itself names (a tracked file: the project's choice)."""

    user: str | None = None
    password: str | None = field(default=None, repr=False)
    database: str | None = None
    port: int | None = None


def read_credentials(key_map: KeyMap, values: Mapping[str, str]) -> ChosenCredentials:
    """User, password, database and port from the main URL key, the part keys filling gaps."""
    from urllib.parse import unquote

    found: dict[str, str | int | None] = {}
    for key in key_map.url:
        try:
            parts = urlsplit((values.get(key) or "").strip())
            port = parts.port
        except ValueError:
            continue
        if parts.scheme.lower().split("+", 1)[0] not in _POSTGRES_SCHEMES:
            continue
        database = unquote(parts.path.lstrip("/")) or None
        found = {
            "user": unquote(parts.username) if parts.username else None,
            "password": unquote(parts.password) if parts.password else None,
            "database": database,
            "port": port,
        }
        break
    for role in ("user", "password", "database"):
        key = getattr(key_map, role)
        if not found.get(role) and key and values.get(key):
            found[role] = values[key]
    if not found.get("port"):
        port_text = values.get(key_map.port or "") or ""
        host = values.get(key_map.host or "") or ""
        if not port_text and host.count(":") == 1:
            port_text = host.rpartition(":")[2]
        if port_text.isdigit() and 0 < int(port_text) < 65536:
            found["port"] = int(port_text)
    port_value = found.get("port")
    return ChosenCredentials(
        user=str(found["user"]) if found.get("user") else None,
        password=str(found["password"]) if found.get("password") else None,
        database=str(found["database"]) if found.get("database") else None,
        port=port_value if isinstance(port_value, int) else None,
    )


def db_address(
    role: str | None, value: str, file_values: Mapping[str, str], key_map: KeyMap
) -> tuple[str, int] | None:
    """(host, port) a DB value of a file points at, when it says."""
    if role in ("url", "test_url"):
        try:
            parts = urlsplit(value)
            host, port = parts.hostname, parts.port or 5432
        except ValueError:
            return None
        return (host, port) if host else None
    if role in ("host", "port"):
        host = file_values.get(key_map.host or "", "") or "localhost"
        port_text = file_values.get(key_map.port or "", "") or "5432"
        if ":" in host and not key_map.port:
            host, _, port_text = host.rpartition(":")
        try:
            return host, int(port_text)
        except ValueError:
            return None
    return None
