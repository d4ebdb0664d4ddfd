"""Merging and writing the app's env file (pure file logic, tmp_path only)."""

from __future__ import annotations

import stat
import subprocess
from pathlib import Path

import pytest
from dotenv import dotenv_values
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devdb.errors import DevdbError
from devdb.project.envfile import (
    ADDED_MARKER,
    EnvPlan,
    check_example,
    ensure_gitignored,
    example_values,
    plan_env_file,
    quote_value,
    read_env_values,
    write_env_file,
)
from devdb.project.envkeys import DbParams, detect_key_map, render_db_values
from devdb.project.envowned import HISTORY_PER_KEY, EnvOwnership, load_ownership, save_ownership

PASSWORD = "5e0c9d2b41a8f7"
PARAMS = DbParams("127.0.0.1", 55432, "postgres", PASSWORD, "app", "app_test")

FASTAPI_TEMPLATE = """\
# Domain
DOMAIN=localhost
FRONTEND_HOST=http://localhost:5173

# Environment: local, staging, production
ENVIRONMENT=local

PROJECT_NAME="Full Stack FastAPI Project"
STACK_NAME=full-stack-fastapi-project

# Backend
BACKEND_CORS_ORIGINS="http://localhost,http://localhost:5173"
SECRET_KEY=changethis
FIRST_SUPERUSER=admin@example.com
FIRST_SUPERUSER_PASSWORD=changethis

# Postgres
POSTGRES_SERVER=localhost
POSTGRES_PORT=5432
POSTGRES_DB=app
POSTGRES_USER=postgres
POSTGRES_PASSWORD=changethis

SENTRY_DSN=
"""

ASYNC_APP = """\
# where the API keeps its data
export DATABASE_URL=postgresql+asyncpg://app:app@db:5432/app?ssl=disable  # compose host
TEST_DATABASE_URL=
REDIS_URL=redis://redis:6379/0
OPENAI_API_KEY=sk-replace-me
JWT_SECRET='not # a comment'
"""

DJANGO_ISH = """\
DJANGO_SECRET_KEY=dev
DATABASE_ENGINE=django.db.backends.postgresql
DATABASE_HOST=postgres
DATABASE_PORT=5432
DATABASE_NAME=django
DATABASE_USER=django
DATABASE_PASSWORD=django
"""

PSYCOPG_APP = """\
DB_URL=postgresql+psycopg://user:pass@localhost:5432/app
DB_USER=user
DB_PASSWORD=pass
DB_NAME=app
LOG_LEVEL=info
"""


def _example(tmp_path: Path, text: str, name: str = "env.example") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def _db_values(example: Path) -> dict[str, str]:
    values = read_env_values(example, interpolate=False)
    return render_db_values(detect_key_map(values), PARAMS, values)


def _up(tmp_path: Path, example_text: str, **kwargs: object) -> EnvPlan:
    example = _example(tmp_path, example_text)
    plan = plan_env_file(tmp_path / ".env", example, _db_values(example), **kwargs)  # type: ignore[arg-type]
    write_env_file(plan)
    return plan


@pytest.mark.parametrize(
    ("example_text", "expected"),
    [
        (
            FASTAPI_TEMPLATE,
            {
                "POSTGRES_SERVER": "127.0.0.1",
                "POSTGRES_PORT": "55432",
                "POSTGRES_DB": "app",
                "POSTGRES_USER": "postgres",
                "POSTGRES_PASSWORD": PASSWORD,
                "SECRET_KEY": "changethis",
                "PROJECT_NAME": "Full Stack FastAPI Project",
                "SENTRY_DSN": "",
            },
        ),
        (
            ASYNC_APP,
            {
                "DATABASE_URL": f"postgresql+asyncpg://postgres:{PASSWORD}@127.0.0.1:55432/app?ssl=disable",
                "TEST_DATABASE_URL": f"postgresql+asyncpg://postgres:{PASSWORD}@127.0.0.1:55432/app_test",
                "REDIS_URL": "redis://redis:6379/0",
                "OPENAI_API_KEY": "sk-replace-me",
                "JWT_SECRET": "not # a comment",
            },
        ),
        (
            DJANGO_ISH,
            {
                "DATABASE_ENGINE": "django.db.backends.postgresql",
                "DATABASE_HOST": "127.0.0.1",
                "DATABASE_PORT": "55432",
                "DATABASE_NAME": "app",
                "DATABASE_USER": "postgres",
                "DATABASE_PASSWORD": PASSWORD,
            },
        ),
        (
            PSYCOPG_APP,
            {
                "DB_URL": f"postgresql+psycopg://postgres:{PASSWORD}@127.0.0.1:55432/app",
                "DB_USER": "postgres",
                "DB_PASSWORD": PASSWORD,
                "DB_NAME": "app",
                "LOG_LEVEL": "info",
            },
        ),
        (
            "POSTGRES_SERVER=db\nPOSTGRES_USER=u\nPOSTGRES_PASSWORD=p\nPOSTGRES_DB=d\n",
            {"POSTGRES_SERVER": "127.0.0.1:55432", "POSTGRES_DB": "app"},
        ),
        (
            "SQLALCHEMY_DATABASE_URI=postgresql+psycopg2://u:p@postgres/db\n",
            {
                "SQLALCHEMY_DATABASE_URI": (
                    f"postgresql+psycopg2://postgres:{PASSWORD}@127.0.0.1:55432/app"
                )
            },
        ),
    ],
    ids=["fastapi-template", "asyncpg", "django-ish", "psycopg3", "no-port-key", "sqlalchemy-uri"],
)
def test_fresh_env_from_example(
    tmp_path: Path, example_text: str, expected: dict[str, str]
) -> None:
    plan = _up(tmp_path, example_text)
    assert plan.changed and plan.kept_user_values == []
    values = dotenv_values(tmp_path / ".env")
    for key, value in expected.items():
        assert values[key] == value, key
    # same keys in the same order as the example
    assert list(values) == list(dotenv_values(tmp_path / "env.example"))
    # comments kept
    for line in example_text.splitlines():
        if line.startswith("#"):
            assert line in plan.text


def test_lines_and_comments_kept_verbatim(tmp_path: Path) -> None:
    plan = _up(tmp_path, ASYNC_APP)
    lines = plan.text.splitlines()
    assert lines[0] == "# where the API keeps its data"
    assert lines[1] == (
        f"export DATABASE_URL=postgresql+asyncpg://postgres:{PASSWORD}@127.0.0.1:55432/app"
        "?ssl=disable  # compose host"
    )
    assert lines[5] == "JWT_SECRET='not # a comment'"


def test_second_up_changes_nothing(tmp_path: Path) -> None:
    first = _up(tmp_path, FASTAPI_TEMPLATE)
    target = tmp_path / ".env"
    before = target.stat()
    second = _up(tmp_path, FASTAPI_TEMPLATE)
    assert not second.changed and second.text == first.text
    assert second.kept_user_values == []
    after = target.stat()
    assert (before.st_ino, before.st_mtime_ns) == (after.st_ino, after.st_mtime_ns)


def test_second_up_with_previously_written(tmp_path: Path) -> None:
    example = _example(tmp_path, PSYCOPG_APP)
    values = _db_values(example)
    write_env_file(plan_env_file(tmp_path / ".env", example, values))
    again = plan_env_file(tmp_path / ".env", example, values, previously_written=values)
    assert not again.changed and again.kept_user_values == []


def test_user_values_kept(tmp_path: Path) -> None:
    target = tmp_path / ".env"
    target.write_text(
        "# my notes\nSECRET_KEY=my-real-secret\nPOSTGRES_USER=postgres\nMY_FLAG=1\n"
        "POSTGRES_PASSWORD=changethis\n"
    )
    plan = _up(tmp_path, FASTAPI_TEMPLATE)
    values = dotenv_values(target)
    assert values["SECRET_KEY"] == "my-real-secret"
    assert values["MY_FLAG"] == "1"
    assert values["POSTGRES_PASSWORD"] == PASSWORD  # the example's placeholder: filled
    assert "# my notes" in plan.text
    # the user's file keeps its order; example keys it lacked come after a marker
    assert plan.text.startswith("# my notes\nSECRET_KEY=my-real-secret\n")
    assert ADDED_MARKER in plan.text
    assert "DOMAIN" in plan.appended and "SECRET_KEY" not in plan.appended
    assert set(dotenv_values(tmp_path / "env.example")) <= set(values)


def test_user_db_value_is_kept_and_reported(tmp_path: Path) -> None:
    target = tmp_path / ".env"
    own = "postgresql+psycopg://me:mine@localhost:5432/mydb"
    target.write_text(f"DB_URL={own}\nDB_USER=user\n")
    plan = _up(tmp_path, PSYCOPG_APP)
    values = dotenv_values(target)
    assert values["DB_URL"] == own
    assert values["DB_USER"] == "postgres"  # the example's value: not the user's own
    assert plan.kept_user_values == ["DB_URL"]


def test_previously_written_value_is_replaced(tmp_path: Path) -> None:
    target = tmp_path / ".env"
    old = {
        "DB_PASSWORD": "0ld0ld",
        "DB_URL": "postgresql+psycopg://postgres:0ld0ld@127.0.0.1:1/app",
    }
    target.write_text(f"DB_URL={old['DB_URL']}\nDB_PASSWORD={old['DB_PASSWORD']}\n")
    plan = _up(tmp_path, PSYCOPG_APP, previously_written=old)
    assert plan.kept_user_values == []
    assert dotenv_values(target)["DB_PASSWORD"] == PASSWORD


def test_empty_user_db_value_is_filled(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("DB_PASSWORD=\nDB_URL=''\n")
    plan = _up(tmp_path, PSYCOPG_APP)
    assert plan.kept_user_values == []
    assert dotenv_values(tmp_path / ".env")["DB_PASSWORD"] == PASSWORD


def test_new_example_key_appended_once(tmp_path: Path) -> None:
    _up(tmp_path, PSYCOPG_APP)
    grown = PSYCOPG_APP + "\n# the embeddings service\nEMBEDDINGS_URL=http://localhost:9000\n"
    plan = _up(tmp_path, grown)
    assert plan.changed and plan.appended == ["EMBEDDINGS_URL"]
    assert plan.text.endswith(
        f"\n{ADDED_MARKER} from env.example\n# the embeddings service\n"
        "EMBEDDINGS_URL=http://localhost:9000\n"
    )
    assert not _up(tmp_path, grown).changed


def test_keys_only_in_target_are_kept_in_place(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        "LOCAL_ONLY=x\nDB_URL=postgresql+psycopg://user:pass@localhost:5432/app\n"
    )
    plan = _up(tmp_path, PSYCOPG_APP)
    assert plan.text.splitlines()[0] == "LOCAL_ONLY=x"
    assert dotenv_values(tmp_path / ".env")["LOCAL_ONLY"] == "x"


@pytest.mark.parametrize(
    ("line", "expected_line"),
    [
        ("DB_PASSWORD=pass", f"DB_PASSWORD={PASSWORD}"),
        ("export DB_PASSWORD=pass", f"export DB_PASSWORD={PASSWORD}"),
        ("  DB_PASSWORD = pass", f"  DB_PASSWORD = {PASSWORD}"),
        ("DB_PASSWORD='pass' # quoted", f"DB_PASSWORD={PASSWORD} # quoted"),
        ('DB_PASSWORD="pa#ss"   # hash inside', f"DB_PASSWORD={PASSWORD}   # hash inside"),
        ("DB_PASSWORD=pass # trailing", f"DB_PASSWORD={PASSWORD} # trailing"),
        ("DB_PASSWORD= # nothing yet", f"DB_PASSWORD= {PASSWORD} # nothing yet"),
        ("DB_PASSWORD=", f"DB_PASSWORD={PASSWORD}"),
        ("DB_PASSWORD", f"DB_PASSWORD={PASSWORD}"),
        ("export DB_PASSWORD", f"export DB_PASSWORD={PASSWORD}"),
        ('DB_PASSWORD="multi\nline"', f"DB_PASSWORD={PASSWORD}"),
    ],
)
def test_db_line_rewrites(tmp_path: Path, line: str, expected_line: str) -> None:
    example = _example(tmp_path, f"A=1\n{line}\nB=2\n")
    plan = plan_env_file(tmp_path / ".env", example, {"DB_PASSWORD": PASSWORD})
    assert plan.text == f"A=1\n{expected_line}\nB=2\n"
    assert plan.values["DB_PASSWORD"] == PASSWORD


def test_blank_lines_between_entries_kept(tmp_path: Path) -> None:
    text = "A=1\n\n\n# db\nDB_PASSWORD=x\n\n\nB=2\n"
    plan = plan_env_file(tmp_path / ".env", _example(tmp_path, text), {"DB_PASSWORD": "y"})
    assert plan.text == text.replace("=x", "=y")


def test_crlf_kept(tmp_path: Path) -> None:
    text = "A=1\r\nDB_PASSWORD=x\r\n"
    example = _example(tmp_path, "")
    example.write_bytes(text.encode())
    plan = plan_env_file(tmp_path / ".env", example, {"DB_PASSWORD": "y", "DB_USER": "u"})
    assert plan.text == f"A=1\r\nDB_PASSWORD=y\r\n\r\n{ADDED_MARKER}\r\nDB_USER=u\r\n"


def test_file_without_final_newline(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("A=1")
    plan = plan_env_file(tmp_path / ".env", None, {"DB_URL": "postgresql://x"})
    assert plan.text == f"A=1\n\n{ADDED_MARKER}\nDB_URL=postgresql://x\n"


def test_duplicate_keys_become_one_line_where_the_last_was(tmp_path: Path) -> None:
    example = _example(tmp_path, "DB_NAME=a\nX=1\nX=2\nDB_NAME=b\n")
    plan = plan_env_file(tmp_path / ".env", example, {"DB_NAME": "app"})
    assert plan.text == "X=2\nDB_NAME=app\n"


# --- no example -----------------------------------------------------------------------------


def test_no_example_writes_only_declared_db_keys(tmp_path: Path) -> None:
    key_map = detect_key_map(["DATABASE_URL", "TEST_DATABASE_URL", "POSTGRES_USER"])
    db_values = render_db_values(key_map, PARAMS, {})
    declared = ["DATABASE_URL", "SECRET_KEY"]  # e.g. a settings class with extra="forbid"
    plan = plan_env_file(tmp_path / ".env", None, db_values, declared_keys=declared)
    values = dotenv_values(stream=__import__("io").StringIO(plan.text))
    assert list(values) == ["DATABASE_URL"]
    assert plan.db_keys == ["DATABASE_URL"]


def test_no_example_declared_keys_are_case_insensitive(tmp_path: Path) -> None:
    plan = plan_env_file(
        tmp_path / ".env", None, {"DATABASE_URL": "postgresql://x"}, declared_keys=["database_url"]
    )
    assert plan.db_keys == ["DATABASE_URL"]


def test_no_example_no_declared_writes_all(tmp_path: Path) -> None:
    plan = plan_env_file(tmp_path / ".env", None, {"DB_URL": "postgresql://a", "DB_NAME": "app"})
    assert plan.text == f"{ADDED_MARKER}\nDB_URL=postgresql://a\nDB_NAME=app\n"
    write_env_file(plan)
    assert not plan_env_file(
        tmp_path / ".env", None, {"DB_URL": "postgresql://a", "DB_NAME": "app"}
    ).changed


def test_no_example_keeps_target(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("# mine\nSECRET_KEY=s\nDATABASE_URL=postgresql://old\n")
    plan = plan_env_file(
        tmp_path / ".env",
        None,
        {"DATABASE_URL": "postgresql://new"},
        declared_keys=["DATABASE_URL"],
        previously_written={"DATABASE_URL": "postgresql://old"},
    )
    assert plan.text == "# mine\nSECRET_KEY=s\nDATABASE_URL=postgresql://new\n"


def test_declared_keys_do_not_drop_example_keys(tmp_path: Path) -> None:
    example = _example(tmp_path, "DB_URL=\n")
    plan = plan_env_file(
        tmp_path / ".env",
        example,
        {"DB_URL": "postgresql://a", "TEST_DB_URL": "postgresql://t"},
        declared_keys=["SOMETHING"],
    )
    assert plan.text == "DB_URL=postgresql://a\n"


# --- errors, quoting, writing ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line"),
    [
        (f"A=1\nDB_PASSWORD={PASSWORD} extra words=2\nB='unclosed\n", 3),
        (f"A=1\nB=2\n=nokey{PASSWORD}\n", 3),
        (f'DB_URL="postgresql://u:{PASSWORD}@h/db\n', 1),
        (f"A B=1 {PASSWORD}\n", 1),
    ],
)
def test_bad_example_names_file_and_line(tmp_path: Path, text: str, line: int) -> None:
    example = _example(tmp_path, text)
    with pytest.raises(DevdbError) as info:
        plan_env_file(tmp_path / ".env", example, {"DB_PASSWORD": PASSWORD})
    message = str(info.value)
    assert message.startswith(f"{example}:{line}: ")
    assert PASSWORD not in message and PASSWORD not in info.value.hint


def test_bad_line_in_users_file_is_kept(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("A B=1\nDB_NAME=x\n")
    plan = plan_env_file(
        tmp_path / ".env", None, {"DB_NAME": "app"}, previously_written={"DB_NAME": "x"}
    )
    assert plan.text == "A B=1\nDB_NAME=app\n"


@pytest.mark.parametrize(
    "value",
    [
        "plain",
        "postgresql+asyncpg://u:p%40ss@127.0.0.1:5432/app?sslmode=disable&x=1",
        "with space",
        "has#hash",
        "it's",
        'say "hi"',
        "both ' and \"",
        "back\\slash",
        "dollar $HOME",
        "dollar ${HOME}",
        "",
        "ünïcode",
        "trailing space ",
        "tab\there",
    ],
)
def test_quote_value_round_trips(value: str) -> None:
    import io

    text = f"K={quote_value(value)}\n"
    assert dotenv_values(stream=io.StringIO(text), interpolate=False)["K"] == value
    if "${" not in value:  # python-dotenv expands ${NAME} everywhere, quoted or not
        assert dotenv_values(stream=io.StringIO(text))["K"] == value


@pytest.mark.parametrize(
    "value",
    [
        "postgresql://u:p@127.0.0.1:5432/app?sslmode=disable&application_name=api",
        "a b; echo pwned",
        "it's | x > y",
        "$(whoami) `id`",
        "~/home",
    ],
)
def test_values_read_the_same_by_a_shell(tmp_path: Path, value: str) -> None:
    target = tmp_path / ".env"
    write_env_file(plan_env_file(target, None, {"DB_URL": value}))
    shell = subprocess.run(
        ["bash", "-c", 'set -a; . ./.env; printf %s "$DB_URL"'],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert shell.stdout == value
    assert read_env_values(target)["DB_URL"] == value


def test_urls_and_hex_are_written_bare() -> None:
    url = f"postgresql+psycopg://postgres:{PASSWORD}@127.0.0.1:55432/app?sslmode=disable"
    assert quote_value(url) == url
    assert quote_value(PASSWORD) == PASSWORD


def test_write_mode_0600_and_atomic(tmp_path: Path) -> None:
    target = tmp_path / ".env"
    target.write_text("A=1\n")
    target.chmod(0o644)
    plan = plan_env_file(target, None, {"DB_URL": "postgresql://x"})
    write_env_file(plan)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert target.read_text() == plan.text
    assert sorted(p.name for p in tmp_path.iterdir()) == [".env"]  # no temp file left


def test_write_creates_folder(tmp_path: Path) -> None:
    target = tmp_path / "backend" / ".env"
    write_env_file(plan_env_file(target, None, {"DB_URL": "postgresql://x"}))
    assert read_env_values(target) == {"DB_URL": "postgresql://x"}


def test_write_through_symlink(tmp_path: Path) -> None:
    real = tmp_path / "real.env"
    real.write_text("A=1\n")
    link = tmp_path / ".env"
    link.symlink_to(real)
    write_env_file(plan_env_file(link, None, {"DB_URL": "postgresql://x"}))
    assert link.is_symlink()
    assert read_env_values(real)["DB_URL"] == "postgresql://x"


def test_unchanged_plan_writes_nothing(tmp_path: Path) -> None:
    target = tmp_path / ".env"
    write_env_file(EnvPlan(target, "A=1\n", changed=False, db_keys=[], kept_user_values=[]))
    assert not target.exists()


def test_read_env_values(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text("HOST=h\nURL=postgresql://${HOST}/db\nBARE\n")
    assert read_env_values(path) == {"HOST": "h", "URL": "postgresql://h/db"}
    assert read_env_values(path, interpolate=False)["URL"] == "postgresql://${HOST}/db"
    assert read_env_values(tmp_path / "missing") == {}


# --- .gitignore -----------------------------------------------------------------------------


def _git_init(path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(path)], check=True)


def test_gitignore_appended_in_repo(tmp_path: Path) -> None:
    _git_init(tmp_path)
    (tmp_path / ".gitignore").write_text("*.pyc")
    assert ensure_gitignored(tmp_path, "backend/.env")
    assert (tmp_path / ".gitignore").read_text() == "*.pyc\n/backend/.env\n"
    assert not ensure_gitignored(tmp_path, "backend/.env")


def test_gitignore_already_ignored(tmp_path: Path) -> None:
    _git_init(tmp_path)
    (tmp_path / ".gitignore").write_text(".env\n")
    assert not ensure_gitignored(tmp_path, ".env")
    assert not ensure_gitignored(tmp_path, "backend/.env")
    assert (tmp_path / ".gitignore").read_text() == ".env\n"


def test_gitignore_not_a_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    assert not ensure_gitignored(tmp_path, ".env")
    assert not (tmp_path / ".gitignore").exists()


# --- input that must not end in a traceback ---------------------------------------------------


def _bytes_example(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "env.example"
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("data", "line", "problem"),
    [
        (b"A=1\nDB_NAME=a\x00b\n", 2, "NUL"),
        (b"A=1\nB=2\nDB_NAME=\xff\xfe\n", 3, "not UTF-8"),
        (b"A=1\nBIG=" + b"x" * 200_000 + b"\n", 2, "too long for a process environment"),
        (b"A=1\r\nB='open\r\n", 2, "cannot parse"),
    ],
)
def test_bad_example_bytes_name_file_and_line(
    tmp_path: Path, data: bytes, line: int, problem: str
) -> None:
    example = _bytes_example(tmp_path, data)
    target = tmp_path / ".env"
    with pytest.raises(DevdbError) as info:
        plan_env_file(target, example, {"DB_NAME": "app"})
    assert str(info.value).startswith(f"{example}:{line}: ")
    assert problem in str(info.value)
    assert not target.exists()
    with pytest.raises(DevdbError):
        check_example(example)
    if problem in ("NUL", "not UTF-8"):
        assert example_values(example) == {}  # the commands that only peek at it go on


@pytest.mark.parametrize(
    "data", [b"DB_NAME=x\x00\n", b"DB_NAME=\xc3\x28\n", b"BIG=" + b"y" * 140_000 + b"\n"]
)
def test_bad_existing_env_file_is_refused_and_left_alone(tmp_path: Path, data: bytes) -> None:
    target = tmp_path / ".env"
    target.write_bytes(data)
    with pytest.raises(DevdbError) as info:
        plan_env_file(target, None, {"DB_NAME": "app"})
    assert str(info.value).startswith(f"{target}:1: ")
    assert target.read_bytes() == data


def test_crlf_example_keeps_crlf(tmp_path: Path) -> None:
    example = _bytes_example(tmp_path, b"# c\r\nDB_NAME=a\r\nX=1\r\n")
    plan = plan_env_file(tmp_path / ".env", example, {"DB_NAME": "app"})
    assert plan.text == "# c\r\nDB_NAME=app\r\nX=1\r\n"


def test_duplicate_keys_in_users_file_become_one_line(tmp_path: Path) -> None:
    target = tmp_path / ".env"
    target.write_text("DB_NAME=old\nX=1\nDB_NAME=older\nX=2\n")
    plan = plan_env_file(target, None, {"DB_NAME": "app"}, previously_written={"DB_NAME": "older"})
    assert plan.text == "DB_NAME=app\nX=2\n"


def test_dotenv_warning_is_not_printed(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    example = _example(tmp_path, "A=1\nB='open\n")
    assert example_values(example) == {"A": "1"}
    with pytest.raises(DevdbError):
        check_example(example)
    read_env_values(example)
    captured = capfd.readouterr()
    assert captured.out == "" and captured.err == ""


# --- what devdb wrote, remembered across destroy ------------------------------------------------


def test_value_devdb_wrote_before_is_replaced_and_users_kept(tmp_path: Path) -> None:
    ownership = EnvOwnership()
    ownership.record(".env", {"DB_URL": "postgresql://u:old@127.0.0.1:5001/app"})
    target = tmp_path / ".env"
    target.write_text("DB_URL=postgresql://u:old@127.0.0.1:5001/app\nDB_NAME=mine\n")
    new = {"DB_URL": "postgresql://u:new@127.0.0.1:5002/app", "DB_NAME": "app"}
    plan = plan_env_file(target, None, new, is_devdbs=ownership.is_devdbs)
    assert plan.values == {"DB_URL": new["DB_URL"], "DB_NAME": "mine"}
    assert plan.kept_user_values == ["DB_NAME"]


def test_ownership_survives_reload_holds_no_plaintext_and_is_bounded(tmp_path: Path) -> None:
    ownership = EnvOwnership()
    for port in range(HISTORY_PER_KEY + 5):
        ownership.record("backend/.env", {"DB_PASSWORD": f"{PASSWORD}{port}"})
    save_ownership(tmp_path, ownership)
    text = (tmp_path / "env-owned.json").read_text()
    assert PASSWORD not in text
    again = load_ownership(tmp_path)
    assert again.is_devdbs("DB_PASSWORD", f"{PASSWORD}{HISTORY_PER_KEY + 4}")
    assert not again.is_devdbs("DB_PASSWORD", f"{PASSWORD}0")  # fell off the history
    assert not again.is_devdbs("DB_USER", f"{PASSWORD}{HISTORY_PER_KEY + 4}")
    # a moved env file: values devdb wrote to the old path are still recognised
    assert again.is_devdbs("DB_PASSWORD", f"{PASSWORD}{HISTORY_PER_KEY}")
    assert again.first_notice("DB_URL", "x") and not again.first_notice("DB_URL", "x")


def test_unreadable_ownership_file_is_an_empty_record(tmp_path: Path) -> None:
    (tmp_path / "env-owned.json").write_bytes(b"\xff[")
    assert load_ownership(tmp_path).files == {}


# --- whatever the bytes --------------------------------------------------------------------------

_LINE_PIECES = st.sampled_from(
    [
        "DB_URL=postgresql://a:b@db:5432/x",
        "DB_NAME=a",
        "DB_PASSWORD='q",
        'X="',
        "export DB_USER=u",
        "# comment",
        "=v",
        "K V=1",
        "DB_NAME",
        "",
    ]
)
_FUZZ_TEXT = st.one_of(
    st.binary(max_size=200),
    st.lists(st.one_of(_LINE_PIECES, st.text(max_size=20)), max_size=8).map(
        lambda lines: "\n".join(lines).encode("utf-8", errors="surrogatepass")
    ),
    st.lists(_LINE_PIECES, max_size=6).map(lambda lines: "\r\n".join(lines).encode()),
)
_FUZZ_DB_VALUES = {
    "DB_URL": f"postgresql+psycopg://app:{PASSWORD}@127.0.0.1:55432/app",
    "DB_NAME": "app",
    "DB_PASSWORD": PASSWORD,
}


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(example_bytes=_FUZZ_TEXT, target_bytes=st.one_of(st.none(), _FUZZ_TEXT))
def test_any_bytes_give_an_error_or_a_plan_holding_the_db_values(
    tmp_path_factory: pytest.TempPathFactory, example_bytes: bytes, target_bytes: bytes | None
) -> None:
    folder = tmp_path_factory.mktemp("fuzz")
    example = _bytes_example(folder, example_bytes)
    target = folder / ".env"
    if target_bytes is not None:
        target.write_bytes(target_bytes)
    try:
        plan = plan_env_file(target, example, _FUZZ_DB_VALUES)
    except DevdbError as exc:
        assert "\n" not in str(exc) and PASSWORD not in str(exc)
        assert (target.read_bytes() if target.exists() else None) == target_bytes
        return
    write_env_file(plan)
    reread = read_env_values(target, interpolate=False)
    for key, value in _FUZZ_DB_VALUES.items():
        if key in plan.db_keys and key not in plan.kept_user_values:
            assert reread[key] == value
    assert set(plan.db_keys) == set(_FUZZ_DB_VALUES)  # no declared keys: all are written


# --- pinned to python-dotenv ------------------------------------------------------------------

_KEYS = st.from_regex(r"[A-Za-z_][A-Za-z0-9_.]{0,8}", fullmatch=True)
_BARE = st.text(st.characters(codec="utf-8", exclude_characters="\n\r'\"#\\ \t$"), max_size=12)
_ANY = st.text(st.characters(codec="utf-8", exclude_characters="\r$"), max_size=12)


@st.composite
def _dotenv_lines(draw: st.DrawFn) -> str:
    """One valid python-dotenv line in the styles real env files use."""
    kind = draw(st.sampled_from(["binding", "binding", "binding", "comment", "blank", "bare"]))
    if kind == "comment":
        return "# " + draw(
            st.text(st.characters(codec="utf-8", exclude_characters="\n\r"), max_size=12)
        )
    if kind == "blank":
        return ""
    key = draw(_KEYS)
    head = ("export " if draw(st.booleans()) else "") + key
    if kind == "bare":
        return head
    head += draw(st.sampled_from(["=", " = ", "= ", " ="]))
    style = draw(st.sampled_from(["bare", "single", "double"]))
    if style == "bare":
        value = draw(_BARE)
    elif style == "single":
        value = "'" + draw(_ANY).replace("\\", "\\\\").replace("'", "\\'") + "'"
    else:
        value = '"' + draw(_ANY).replace("\\", "\\\\").replace('"', '\\"') + '"'
    comment = draw(st.sampled_from(["", "  # note", " # devdb"]))
    return head + value + (comment if value or style != "bare" else "")


_DOTENV_TEXT = st.lists(_dotenv_lines(), max_size=8).map(lambda lines: "\n".join(lines) + "\n")


def _dotenv_reads(text: str) -> dict[str, str]:
    import io

    values = dotenv_values(stream=io.StringIO(text), interpolate=False)
    return {k: v for k, v in values.items() if v is not None}


@settings(max_examples=150, deadline=None)
@given(_DOTENV_TEXT)
def test_the_parse_is_python_dotenvs_on_any_valid_file(text: str) -> None:
    from devdb.project.envfile import _parse, _values

    entries = _parse(text, Path(".env"), strict=True)
    assert "".join(entry.text for entry in entries) == text  # every character kept
    # a bare `KEY` line unsets an earlier value for devdb; python-dotenv gives it None
    assert _values(entries) == _dotenv_reads(text)


@settings(max_examples=150, deadline=None)
@given(
    _DOTENV_TEXT, st.text(st.characters(codec="utf-8", exclude_characters="\r\x00$"), max_size=16)
)
def test_a_rewritten_value_reads_back_and_the_rest_of_the_line_stays(text: str, new: str) -> None:
    from devdb.project.envfile import _parse, _render_line, _split_line

    entries = _parse(text, Path(".env"), strict=True)
    for index, entry in enumerate(entries):
        key = entry.binding.key
        if key is None:
            continue
        line = _render_line(entry.text, key, new)
        head, tail, _eol = _split_line(entry.text)
        assert line.startswith(head) and line.rstrip("\n").endswith(tail)
        rewritten = "".join(e.text if i != index else line for i, e in enumerate(entries))
        # line by line as python-dotenv reads it: this binding holds `new`, the others as before
        after = [
            (e.binding.key, e.binding.value) for e in _parse(rewritten, Path(".env"), strict=True)
        ]
        before = [(e.binding.key, e.binding.value) for e in entries]
        assert after == [*before[:index], (key, new), *before[index + 1 :]]
