"""Discovery as pure logic: start commands, Dockerfile paths, env file readers, interpreters."""

from __future__ import annotations

import stat
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devdb.project.commands import from_line, from_words
from devdb.project.discover import Configured, discover
from devdb.project.dockerfile import host_path, read_dockerfile
from devdb.project.envreaders import readers_in
from devdb.project.interpreter import choose_interpreter, requires_python_problem

from e2e_util import write_tree


@pytest.mark.parametrize(
    ("line", "subdir", "argv"),
    [
        (
            "uvicorn app.main:app --reload",
            None,
            ["python", "-m", "uvicorn", "app.main:app", "--reload"],
        ),
        (
            "cd backend && poetry run uvicorn app.main:app --port ${PORT:-8001}",
            "backend",
            ["python", "-m", "uvicorn", "app.main:app", "--port", "8001"],
        ),
        (
            "FLASK_DEBUG=1 flask --app web run",
            None,
            ["python", "-m", "flask", "--app", "web", "run"],
        ),
        ("python3 -m app", None, ["python", "-m", "app"]),
        ("exec python main.py", None, ["python", "main.py"]),
        (
            "uv run fastapi dev app/main.py --port 18002",
            None,
            ["python", "-m", "uvicorn", "app.main:app", "--port", "18002", "--reload"],
        ),
    ],
)
def test_start_lines_become_commands_the_projects_python_runs(
    line: str, subdir: str | None, argv: list[str]
) -> None:
    command = from_line(line)
    assert command is not None
    assert command.argv == argv and command.subdir == subdir


@pytest.mark.parametrize(
    "line",
    [
        "alembic upgrade head",
        "python -m pytest",
        "npm run dev",
        "docker compose up",
        "python manage.py migrate",
        "pip install -e .",
    ],
)
def test_lines_that_do_not_start_the_app_are_not_taken(line: str) -> None:
    assert from_line(line) is None


def test_the_module_a_command_imports() -> None:
    assert from_words(["uvicorn", "app.main:app"]).module == "app.main"  # type: ignore[union-attr]
    assert from_words(["flask", "--app", "web.wsgi:create_app()", "run"]).module == "web.wsgi"  # type: ignore[union-attr]
    assert from_words(["python", "-m", "service"]).module == "service"  # type: ignore[union-attr]
    assert (
        from_words(["gunicorn", "-k", "uvicorn.workers.UvicornWorker", "api.main:app"]).module
        == "api.main"
    )  # type: ignore[union-attr]


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_line_parses_or_is_refused(line: str) -> None:
    command = from_line(line)
    assert command is None or command.argv[0] == "python"


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_any_python_source_yields_readers_or_none(text: str) -> None:
    assert isinstance(readers_in(Path("/x/settings.py"), text), list)


def test_dockerfile_workdir_maps_back_to_the_folder_copied_there(tmp_path: Path) -> None:
    backend = (
        write_tree(tmp_path, {"backend/app/main.py": "", "backend/Dockerfile": ""}) / "backend"
    )
    dockerfile = read_dockerfile(
        backend / "Dockerfile",
        "FROM python:3.12 AS build\nWORKDIR /build\nCOPY . .\nFROM python:3.12\nWORKDIR /app/\n"
        "COPY --from=build /build/wheels /wheels\nCOPY ./app /app/app\nENV PYTHONPATH=/app\n"
        'CMD ["fastapi", "run", "--workers", "4", "app/main.py"]\n',
    )
    assert dockerfile.workdir == "/app" and dockerfile.pythonpath == ["/app"]
    assert dockerfile.command == ["fastapi", "run", "--workers", "4", "app/main.py"]
    command = from_words(dockerfile.command)
    assert command is not None and command.module == "app.main"
    mounts = [((backend / src).resolve(), dest) for srcs, dest in dockerfile.copies for src in srcs]
    assert host_path("/app", mounts) == backend.resolve()
    assert host_path("/srv", mounts) is None


@pytest.mark.parametrize(
    ("code", "start_relative"),
    [
        ('model_config = SettingsConfigDict(env_file=".env")', ".env"),
        ('model_config = SettingsConfigDict(env_file="../.env", extra="ignore")', "../.env"),
        (
            "class Settings(BaseSettings):\n    class Config:\n        env_file = '.env.local'",
            ".env.local",
        ),
        (
            "from dotenv import load_dotenv, find_dotenv\nload_dotenv(find_dotenv(usecwd=True))",
            ".env",
        ),
        ("from starlette.config import Config\nconfig = Config('.env')", ".env"),
    ],
)
def test_relative_readers_resolve_against_the_process_directory(
    tmp_path: Path, code: str, start_relative: str
) -> None:
    source = tmp_path / "svc" / "app" / "core" / "config.py"
    (readers,) = readers_in(source, code)
    start = tmp_path / "svc"
    assert readers.resolve(start) == (start / start_relative).resolve()


def test_readers_built_from_file_resolve_against_the_file(tmp_path: Path) -> None:
    source = tmp_path / "backend" / "app" / "core" / "config.py"
    code = textwrap.dedent(
        """
        import os
        from pathlib import Path
        BASE_DIR = Path(__file__).resolve().parent.parent
        ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        class Settings(BaseSettings):
            model_config = SettingsConfigDict(env_file=(BASE_DIR / ".env", os.path.join(ROOT, ".env.local")))
        load_dotenv(Path(__file__).parents[3] / ".env")
        """
    )
    found = readers_in(source, code)
    anywhere = tmp_path / "elsewhere"
    assert {(r.resolve(anywhere), r.rank) for r in found} == {
        (tmp_path / "backend" / "app" / ".env", 0),
        (tmp_path / "backend" / ".env.local", 1),  # later in the tuple: overrides the first
        (tmp_path / ".env", 0),
    }


def test_load_dotenv_walks_up_from_the_calling_file(tmp_path: Path) -> None:
    source = tmp_path / "svc" / "app" / "settings.py"
    (reader,) = readers_in(source, "from dotenv import load_dotenv\nload_dotenv()\n")
    assert (
        reader.resolve(tmp_path / "svc") == tmp_path / "svc" / ".env"
    )  # nothing yet: the start dir
    write_tree(tmp_path, {"svc/app/.env": "X=1\n"})
    assert reader.resolve(tmp_path / "svc") == tmp_path / "svc" / "app" / ".env"


def test_package_layout_started_by_dockerfile_reads_env_from_the_package_parent(
    tmp_path: Path,
) -> None:
    root = write_tree(
        tmp_path,
        {
            "backend/alembic.ini": "[alembic]\nscript_location = app/alembic\n",
            "backend/app/__init__.py": "",
            "backend/app/alembic/env.py": "",
            "backend/app/main.py": "from fastapi import FastAPI\nfrom app.core.config import settings\napp = FastAPI()\n",
            "backend/app/core/__init__.py": "",
            "backend/app/core/config.py": 'model_config = SettingsConfigDict(env_file=".env")\n',
            "backend/Dockerfile": 'FROM python:3.12\nWORKDIR /code\nCOPY . .\nCMD ["uvicorn", "app.main:app", "--port", "18000"]\n',
            "backend/.env.example": "DATABASE_URL=postgresql://u:p@db/app\n",
            "frontend/.env.example": "VITE_API_URL=http://localhost\n",
        },
    )
    found = discover(root)
    assert found.app_dir == root / "backend"
    assert found.app_command == ["python", "-m", "uvicorn", "app.main:app", "--port", "18000"]
    assert found.env_file == (root / "backend" / ".env").resolve()
    assert found.env_example == root / "backend" / ".env.example"
    assert any("frontend/.env.example" in note for note in found.notes)
    facts = {fact.name: fact for fact in found.facts}
    assert (
        "app/core/config.py" in facts["env file"].evidence
        and "Dockerfile" in facts["env file"].evidence
    )


def test_decoy_example_is_never_the_backends(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            "alembic.ini": "[alembic]\nscript_location = migrations\n",
            "migrations/env.py": "",
            "frontend/.env.example": "VITE_X=1\n",
            "docs/.env.example": "DOCS=1\n",
        },
    )
    assert discover(root).env_example is None


def test_makefile_cd_and_src_layout(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            "Makefile": "PORT ?= 18123\n.PHONY: run\nlint:\n\truff check .\nrun:\n\t@cd service && uv run uvicorn shop.api:app --port $(PORT)\n",
            "service/alembic.ini": "[alembic]\nscript_location = migrations\n",
            "service/migrations/env.py": "",
            "service/src/shop/__init__.py": "",
            "service/src/shop/api.py": "app = FastAPI()\n",
        },
    )
    found = discover(root)
    assert found.app_dir == (root / "service").resolve()
    assert found.app_command == ["python", "-m", "uvicorn", "shop.api:app", "--port", "18123"]
    assert found.python_path == [(root / "service" / "src")]


def test_configured_facts_are_not_looked_for(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {"deep/alembic.ini": "[alembic]\nscript_location = m\n"})
    given_ini = root / "elsewhere.ini"
    found = discover(
        root,
        Configured(
            alembic_ini=given_ini,
            env_example=root / "e",
            env_file=root / ".env",
            fixtures_dir=root,
            app_dir=root,
            app_command=["python", "x.py"],
        ),
    )
    assert found.alembic_ini == given_ini and found.facts == []


def _fake_python(path: Path, script: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/bin/sh\n{script}\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


def test_a_broken_committed_venv_is_passed_over_and_said(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    _fake_python(tmp_path / ".venv" / "bin" / "python", "exit 3")
    (tmp_path / ".venv" / "pyvenv.cfg").write_text("home = /nowhere\n")
    chosen = choose_interpreter(tmp_path, [tmp_path], tmp_path / ".devdb", None)
    assert chosen.python == sys.executable
    assert chosen.notes == ["passed over the project's virtualenv .venv: cannot run it (exit 3)"]


def test_a_venv_that_works_is_the_projects_interpreter(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    venv = tmp_path / "venv" / "bin" / "python"
    _fake_python(venv, f'exec {sys.executable} "$@"')
    chosen = choose_interpreter(tmp_path, [tmp_path], tmp_path / ".devdb", None)
    assert chosen.python == str(venv) and chosen.version == tuple(sys.version_info[:3])
    assert (tmp_path / ".devdb" / "interpreters.json").is_file()  # checked once per stamp


def test_the_active_virtualenv_comes_before_the_projects(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fake_python(tmp_path / ".venv" / "bin" / "python", f'exec {sys.executable} "$@"')
    monkeypatch.setenv("VIRTUAL_ENV", sys.prefix)
    chosen = choose_interpreter(tmp_path, [tmp_path], tmp_path / ".devdb", None)
    assert chosen.python == sys.executable and "active virtualenv" in chosen.evidence


@pytest.mark.parametrize(
    ("spec", "version", "refused"),
    [
        (">=3.12", (3, 11, 7), True),
        (">=3.10,<4", (3, 11, 7), False),
        ("~=3.11", (3, 12, 1), False),
        ("==3.12.*", (3, 11, 2), True),
    ],
)
def test_requires_python(spec: str, version: tuple[int, ...], refused: bool) -> None:
    problem = requires_python_problem(spec, version)
    assert (problem is not None) == refused
    if problem:
        assert spec in problem and ".".join(map(str, version)) in problem


def test_a_container_port_becomes_one_a_developer_can_bind(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            "alembic.ini": "[alembic]\nscript_location = migrations\n",
            "migrations/env.py": "",
            "api/__init__.py": "",
            "api/main.py": "app = FastAPI()\n",
            "Dockerfile": "FROM python\nWORKDIR /srv\nCOPY . /srv\nCMD uvicorn api.main:app --host 0.0.0.0 --port 80\n",
            "Procfile": "web: uvicorn api.main:app --port $PORT\n",
        },
    )
    found = discover(root)
    assert found.app_command == ["python", "-m", "uvicorn", "api.main:app", "--port", "8000"]
    assert "Procfile" in found.facts[1].evidence  # a local Procfile before the container


def test_the_config_carries_pyprojects_requires_python(tmp_path: Path) -> None:
    from devdb.project.config import load_config

    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\nrequires-python = ">=99"\n')
    problem = load_config(tmp_path).python_problem
    assert problem is not None and ">=99" in problem


def test_flaskenv_names_the_flask_app_and_its_port(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            ".flaskenv": "FLASK_APP=microblog.py\nFLASK_RUN_PORT=18408\n",
            "microblog.py": "from app import create_app\n\napp = create_app()\n",
            "app/__init__.py": "def create_app():\n    ...\n",
            "migrations/alembic.ini": "[alembic]\n",
            "migrations/env.py": "",
        },
    )
    found = discover(root)
    assert found.app_dir == root
    assert found.app_command == [
        "python",
        "-m",
        "flask",
        "--app",
        "microblog",
        "run",
        "--port",
        "18408",
    ]


def test_a_module_that_serves_as_a_script_is_start_evidence(tmp_path: Path) -> None:
    serving = 'import uvicorn\n\nif __name__ == "__main__":\n    uvicorn.run("myapp.web:app", port=18409)\n'
    root = write_tree(
        tmp_path,
        {"myapp/__init__.py": "", "myapp/web.py": serving, "myapp/util.py": "x = 1\n"},
    )
    found = discover(root)
    assert (found.app_dir, found.app_command) == (root, ["python", "-m", "myapp.web"])


def test_a_configured_env_file_still_finds_the_other_readers(tmp_path: Path) -> None:
    """After `devdb init` fixed env_file, compose's env_file: is still written too."""
    root = write_tree(
        tmp_path,
        {
            "compose.yaml": """\
                services:
                  api:
                    build: ./api
                    working_dir: /srv/api
                    volumes: ["./api:/srv/api"]
                    env_file: [.env]
                    command: uvicorn main:app
                """,
            "api/settings.py": 'from pydantic_settings import BaseSettings, SettingsConfigDict\n\n\nclass S(BaseSettings):\n    model_config = SettingsConfigDict(env_file=".env")\n',
            "api/main.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
            "api/alembic.ini": "[alembic]\nscript_location = migrations\n",
        },
    )
    fresh = discover(root)
    assert fresh.env_file == root / "api" / ".env" and fresh.env_readers == [root / ".env"]
    configured = discover(
        root,
        Configured(
            env_file=root / "api" / ".env",
            app_dir=root / "api",
            app_command=["python", "-m", "uvicorn", "main:app"],
        ),
    )
    assert configured.env_readers == [root / ".env"]


def test_compose_env_file_is_a_reader_without_any_settings_class(tmp_path: Path) -> None:
    """An app reading os.environ only (no settings class names a file): compose's
    env_file: still gets devdb's values, with env_file configured or discovered."""
    root = write_tree(
        tmp_path,
        {
            "compose.yaml": """\
                services:
                  api:
                    build: ./api
                    working_dir: /srv/api
                    volumes: ["./api:/srv/api"]
                    env_file: [infra/db.env]
                    command: uvicorn main:app
                """,
            "api/main.py": "import os\n\nfrom fastapi import FastAPI\n\nURL = os.environ['DATABASE_URL']\napp = FastAPI()\n",
            "api/alembic.ini": "[alembic]\nscript_location = migrations\n",
        },
    )
    fresh = discover(root)
    assert (
        fresh.env_readers == [root / "infra" / "db.env"] and fresh.env_file not in fresh.env_readers
    )
    configured = discover(root, Configured(env_file=root / "api" / ".env"))
    assert configured.env_readers == [root / "infra" / "db.env"]


def test_an_alembic_ini_whose_layout_is_in_pyproject_is_found(tmp_path: Path) -> None:
    """Alembic >= 1.16's pyproject template: alembic.ini holds only the URL and logging."""
    root = write_tree(
        tmp_path,
        {
            "alembic.ini": "[alembic]\nsqlalchemy.url = driver://u:p@h/d\n",
            "pyproject.toml": '[project]\nname = "x"\n\n[tool.alembic]\nscript_location = "%(here)s/db"\n',
            "db/env.py": "",
            "docs/alembic.ini": "[alembic]\nsqlalchemy.url = driver://u:p@h/d\n",
        },
    )
    found = discover(root)
    assert found.alembic_ini == root / "alembic.ini"
    assert any(
        "pyproject.toml" in fact.evidence for fact in found.facts if fact.name == "alembic.ini"
    )


def test_a_configured_command_on_a_src_module_gets_its_pythonpath(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {"src/shop/__init__.py": "", "src/shop/main.py": "app = None\n"})
    found = discover(
        root,
        Configured(app_dir=root, app_command=["python", "-m", "uvicorn", "shop.main:app"]),
    )
    assert found.python_path == [root / "src"]


def test_uvicorn_env_file_in_the_start_is_where_the_app_reads(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            "Makefile": "dev:\n\tuvicorn app.main:app --env-file .env.dev --port 18425\n",
            "app/__init__.py": "",
            "app/main.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
            "app/config.py": 'from pydantic_settings import BaseSettings, SettingsConfigDict\n\n\nclass S(BaseSettings):\n    model_config = SettingsConfigDict(env_file=".env")\n',
        },
    )
    found = discover(root)
    assert found.env_file == root / ".env.dev"
    assert found.env_readers == [root / ".env"]  # the settings' own file agrees with it
