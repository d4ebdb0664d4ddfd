"""Shell lines that start a Python web app, turned into an argv devdb can run itself.

`cd backend && poetry run uvicorn app.main:app --port ${PORT:-8000}` becomes
(`backend`, `python -m uvicorn app.main:app --port 8000`): the leading `python` is later
replaced by the project's interpreter, so the runner needs no console script on PATH.
"""

from __future__ import annotations

import os
import re
import shlex
from dataclasses import dataclass

# Console scripts of app servers, and the module `python -m` runs for each.
RUNNERS = {
    "uvicorn": "uvicorn",
    "gunicorn": "gunicorn",
    "hypercorn": "hypercorn",
    "granian": "granian",
    "daphne": "daphne",
    "flask": "flask",
    "fastapi": "fastapi",
    "litestar": "litestar",
    "sanic": "sanic",
}
# `python -m X` that runs a tool, not the app.
_NOT_APPS = {"alembic", "pytest", "pip", "ruff", "mypy", "black", "isort", "venv", "unittest"}
_TOOL_PREFIXES: tuple[tuple[str, ...], ...] = (
    ("poetry", "run"),
    ("uv", "run"),
    ("pipenv", "run"),
    ("pdm", "run"),
    ("hatch", "run"),
    ("rye", "run"),
    ("dotenv", "run"),
    ("exec",),
    ("env",),
)
_PYTHON = re.compile(r"^(?:.*/)?python(?:3(?:\.\d+)?)?$")
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)")
_DEFAULTS = {"PORT": "8000", "HOST": "127.0.0.1"}


@dataclass(frozen=True)
class AppCommand:
    argv: list[str]  # starts with "python" when the project's interpreter runs it
    subdir: str | None = None  # a `cd DIR` before it, relative to where the line runs

    @property
    def module(self) -> str | None:
        """The dotted module the command imports the app from (`app.main`), if it names one."""
        args = self.argv[1:]
        if args[:1] == ["-m"] and len(args) > 1:
            runner, rest = args[1], args[2:]
            if runner not in RUNNERS.values():
                return runner
            if runner == "flask":
                return _option(rest, "--app", "-A")
            if runner == "fastapi":
                return None
            target = _option(rest, "--app") or next(
                (arg for arg in rest if not arg.startswith("-") and ":" in arg), None
            )
            return target.split(":", 1)[0] if target else None
        return None

    def text(self) -> str:
        return shlex.join(self.argv)


def _option(args: list[str], *names: str) -> str | None:
    for index, arg in enumerate(args):
        for name in names:
            if arg == name and index + 1 < len(args):
                return args[index + 1].split(":", 1)[0]
            if arg.startswith(name + "="):
                return arg.split("=", 1)[1].split(":", 1)[0]
    return None


def _substitute(word: str, variables: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(3)
        default = match.group(2)
        found = variables.get(name) or os.environ.get(name)
        if found:
            return found
        if default is not None:
            return default
        return _DEFAULTS.get(name, match.group(0))

    return _VARIABLE.sub(value, word)


def _strip_prefixes(words: list[str]) -> list[str]:
    changed = True
    while words and changed:
        changed = False
        while words and _ASSIGNMENT.match(words[0]):
            words = words[1:]
            changed = True
        for prefix in _TOOL_PREFIXES:
            if tuple(words[: len(prefix)]) == prefix:
                words = words[len(prefix) :]
                changed = True
    return words


def from_words(words: list[str], variables: dict[str, str] | None = None) -> AppCommand | None:
    """An argv (already split) as an app command, or None when it runs something else."""
    words = _strip_prefixes([_substitute(word, variables or {}) for word in words])
    if not words:
        return None
    first = os.path.basename(words[0])
    if first == "fastapi" and len(words) > 2 and words[1] in ("run", "dev"):
        return _fastapi_cli(words[1], words[2:])
    if first in RUNNERS:
        return AppCommand(["python", "-m", RUNNERS[first], *words[1:]])
    if not _PYTHON.match(words[0]):
        return None
    rest = words[1:]
    while rest and rest[0] in ("-u", "-B", "-O"):
        rest = rest[1:]
    if rest[:1] == ["-m"] and len(rest) > 1 and rest[1] not in _NOT_APPS:
        return AppCommand(["python", *rest])
    if rest and rest[0].endswith(".py") and not rest[0].endswith(("manage.py", "setup.py")):
        return AppCommand(["python", *rest])
    return None


def _fastapi_cli(mode: str, args: list[str]) -> AppCommand:
    """`fastapi run app/main.py` is uvicorn on the module's `app` (what fastapi-cli does),
    without needing fastapi-cli installed."""
    path = next((arg for arg in args if arg.endswith(".py")), None)
    if path is None:
        return AppCommand(["python", "-m", "fastapi", mode, *args])
    module = path[: -len(".py")].strip("./").replace("/", ".")
    if module.endswith(".__init__"):
        module = module[: -len(".__init__")]
    options: list[str] = []
    rest = iter(arg for arg in args if arg != path)
    for arg in rest:
        if arg in ("--port", "--host", "--workers", "--root-path"):
            options += [arg, next(rest, "")]
        elif arg == "--reload":
            options.append(arg)
    if mode == "dev" and "--reload" not in options:
        options.append("--reload")
    return AppCommand(["python", "-m", "uvicorn", f"{module}:app", *options])


def from_line(line: str, variables: dict[str, str] | None = None) -> AppCommand | None:
    """A shell line (`cd x && FOO=1 uvicorn …`) as an app command, or None."""
    subdir: str | None = None
    found: AppCommand | None = None
    for segment in re.split(r"&&|;|\|\|", line):
        try:
            words = shlex.split(segment, comments=True)
        except ValueError:
            return None
        if not words:
            continue
        if words[0] == "cd" and len(words) == 2:
            target = _substitute(words[1], variables or {})
            subdir = os.path.normpath(os.path.join(subdir or "", target))
            continue
        command = from_words(words, variables)
        if command is not None:
            found = AppCommand(command.argv, subdir)
    return found
