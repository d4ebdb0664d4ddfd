"""How and where the app starts: its working directory decides which `.env` it reads.

Evidence, most trusted first for a developer's machine: a Makefile run target, a Procfile,
the compose app service (`working_dir`, `command`, bind mounts), the Dockerfile (`WORKDIR`,
`COPY`, `CMD`, `ENV PYTHONPATH`), `[project.scripts]`, an `if __name__ == "__main__"` that
serves, and last the package layout (a module imported as `app.main` runs from the parent
of `app/`). A command that names a module is checked against the tree: the directory it
runs from must hold that module (or get it through PYTHONPATH).

Longer than most modules: one reader per kind of evidence, ranked in find_start; the parsing
of Dockerfiles and compose files lives in dockerfile.py and compose.py.
"""

from __future__ import annotations

import io
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from devdb.project.commands import AppCommand, from_line, from_words
from devdb.project.dockerfile import Dockerfile, host_path, read_dockerfile
from devdb.project.evidence import shown

_RUN_TARGETS = ("run", "dev", "start", "serve", "server", "runserver", "api", "backend", "app")
_ENTRY_NAMES = ("main.py", "app.py", "server.py", "run.py", "wsgi.py", "asgi.py", "__main__.py")
_SERVING = re.compile(r"\b(uvicorn|hypercorn|granian)\.run\(|\bapp\.run\(|\.run\(\s*app\b")
_APP_OBJECT = re.compile(
    r"^(\w+)\s*(?::\s*\w+\s*)?=\s*(?:fastapi\.)?(FastAPI|Flask|Starlette|Quart)\(", re.M
)
_FACTORY = re.compile(r"^def (create_app)\(", re.M)


@dataclass(frozen=True)
class Start:
    directory: Path
    command: list[str]  # "python" first: the project's interpreter runs it
    evidence: str
    python_path: tuple[Path, ...] = ()
    trust: int = 0


@dataclass
class _Files:
    root: Path
    files: list[Path]
    texts: dict[Path, str] = field(default_factory=dict)

    def text(self, path: Path) -> str:
        if path not in self.texts:
            try:
                self.texts[path] = path.read_text(encoding="utf-8", errors="replace")
            except OSError:
                self.texts[path] = ""
        return self.texts[path]

    def rel(self, path: Path) -> str:
        return shown(path, self.root)


def _module_file(base: Path, module: str) -> Path | None:
    parts = module.split(".")
    for candidate in (
        base.joinpath(*parts).with_suffix(".py"),
        base.joinpath(*parts, "__init__.py"),
    ):
        if candidate.is_file():
            return candidate
    return None


def _place(files: _Files, directory: Path, command: AppCommand) -> tuple[Path, tuple[Path, ...]]:
    """The directory the command runs from, and what PYTHONPATH must add for its module."""
    module = command.module
    if module is None or _module_file(directory, module):
        return directory, ()
    for extra in (directory / "src", files.root / "src"):
        if _module_file(extra, module):
            return directory, (extra,)
    suffix = PurePosixPath(*module.split("."))
    for path in files.files:
        stem = path.with_suffix("") if path.name != "__init__.py" else path.parent
        if PurePosixPath(stem.as_posix()).parts[-len(suffix.parts) :] == suffix.parts:
            base = stem
            for _ in suffix.parts:
                base = base.parent
            if base.is_relative_to(files.root):
                return base, ()
    return directory, ()


def python_path_for(root: Path, directory: Path, words: list[str]) -> tuple[Path, ...]:
    """What PYTHONPATH needs for a configured command's module (a src/ layout)."""
    command = from_words(list(words))
    if command is None:
        return ()
    return _place(_Files(root, []), directory, command)[1]


def _start(
    files: _Files,
    directory: Path,
    command: AppCommand,
    evidence: str,
    trust: int,
    extra: Iterable[Path] = (),
) -> Start:
    if command.subdir:
        directory = (directory / command.subdir).resolve()
    place, python_path = _place(files, directory, command)
    return Start(place, command.argv, evidence, (*python_path, *extra), trust)


# --- Makefile, Procfile, .flaskenv --------------------------------------------------------


def _flaskenv(files: _Files, path: Path) -> Start | None:
    """`.flaskenv` (committed, read by `flask run`): FLASK_APP names the app, FLASK_RUN_PORT
    its port."""
    from dotenv import dotenv_values

    try:
        values = dotenv_values(stream=io.StringIO(files.text(path)))
    except Exception:  # an unreadable .flaskenv is no evidence
        return None
    app = (values.get("FLASK_APP") or "").strip()
    if not app:
        return None
    if app.endswith(".py"):
        app = app[:-3].replace("/", ".")
    command = ["python", "-m", "flask", "--app", app, "run"]
    for key, option in (("FLASK_RUN_HOST", "--host"), ("FLASK_RUN_PORT", "--port")):
        if values.get(key):
            command += [option, str(values[key])]
    evidence = f"FLASK_APP={values['FLASK_APP']} in {files.rel(path)}"
    return Start(path.parent, command, evidence, trust=42)


def _makefile(files: _Files, path: Path) -> Start | None:
    text = files.text(path).replace("\\\n", " ")
    variables = {
        m.group(1): m.group(2).strip()
        for m in re.finditer(r"^([A-Za-z_][A-Za-z0-9_]*)\s*[:?]?=\s*(.*)$", text, re.M)
    }
    recipes: dict[str, list[str]] = {}
    current: str | None = None
    for line in text.splitlines():
        header = re.match(r"^([A-Za-z0-9_.-]+)\s*:(?!=)", line)
        if header:
            current = header.group(1)
            recipes.setdefault(current, [])
        elif line.startswith("\t") and current:
            recipes[current].append(line.strip().lstrip("@-+ "))
        elif line.strip() and not line.startswith("#"):
            current = None

    def expand(line: str) -> str:
        line = re.sub(
            r"\$[({]([A-Za-z_][A-Za-z0-9_]*)[)}]", lambda m: variables.get(m.group(1), ""), line
        )
        return line.replace("$$", "$")

    ranked = sorted(recipes, key=lambda t: _RUN_TARGETS.index(t) if t in _RUN_TARGETS else 99)
    for target in ranked:
        for line in recipes[target]:
            command = from_line(expand(line))
            if command is not None:
                evidence = f"`make {target}` in {files.rel(path)}: {expand(line)}"
                return _start(files, path.parent, command, evidence, 60)
    return None


def _procfile(files: _Files, path: Path) -> Start | None:
    processes = {}
    for line in files.text(path).splitlines():
        name, sep, command_line = line.partition(":")
        if sep and name.strip() and not line.startswith("#"):
            processes[name.strip()] = command_line.strip()
    for name in ("web", *processes):
        if name in processes:
            command = from_line(processes[name])
            if command is not None:
                evidence = f"{name}: in {files.rel(path)}: {processes[name]}"
                return _start(files, path.parent, command, evidence, 55)
    return None


# --- Dockerfile (devdb.project.dockerfile), compose ------------------------------------------------------------------


def for_this_machine(command: AppCommand) -> AppCommand:
    """A container's command as a developer runs it: a port under 1024 (the container's 80)
    needs root here, so it becomes 8000."""
    argv = list(command.argv)
    for index, arg in enumerate(argv[:-1]):
        if arg in ("--port", "-p") and argv[index + 1].isdigit() and int(argv[index + 1]) < 1024:
            argv[index + 1] = "8000"
    return AppCommand(argv, command.subdir)


def _dockerfile_mounts(dockerfile: Dockerfile, context: Path) -> list[tuple[Path, str]]:
    return [((context / src).resolve(), dest) for srcs, dest in dockerfile.copies for src in srcs]


def _docker_start(
    files: _Files,
    dockerfile: Dockerfile,
    context: Path,
    evidence: str,
    trust: int,
    *,
    binds: list[tuple[Path, str]] | None = None,
    working_dir: str | None = None,
    command: list[str] | str | None = None,
) -> Start | None:
    words = command if command is not None else dockerfile.command
    if words is None:
        return None
    app = from_line(words) if isinstance(words, str) else from_words(words)
    if app is None:
        return None
    app = for_this_machine(app)
    mounts = [*(binds or []), *_dockerfile_mounts(dockerfile, context)]
    workdir = working_dir or dockerfile.workdir
    directory = host_path(workdir, mounts) or context
    python_path = [p for p in (host_path(c, mounts) for c in dockerfile.pythonpath) if p]
    written = words if isinstance(words, str) else " ".join(words)
    text = f"{evidence}, WORKDIR {workdir}: {written}"
    return _start(files, directory, app, text, trust, [p for p in python_path if p != directory])


def _dockerfiles(files: _Files) -> list[Start]:
    found = []
    for path in files.files:
        if path.name == "Dockerfile" or path.name.startswith("Dockerfile."):
            dockerfile = read_dockerfile(path, files.text(path))
            start = _docker_start(files, dockerfile, path.parent, files.rel(path), 45)
            if start:
                found.append(start)
    return found


def _compose(files: _Files, anchor: Path) -> Start | None:
    from devdb.project.compose import app_service

    service_found = app_service(anchor, files.root)
    if service_found is None:
        return None
    name, service, compose_path = service_found
    base = compose_path.parent
    build = service.get("build")
    context, dockerfile_name = base, "Dockerfile"
    if isinstance(build, str):
        context = (base / build).resolve()
    elif isinstance(build, dict):
        context = (base / str(build.get("context", "."))).resolve()
        dockerfile_name = str(build.get("dockerfile", "Dockerfile"))
    dockerfile_path = context / dockerfile_name
    dockerfile = (
        read_dockerfile(dockerfile_path, files.text(dockerfile_path))
        if dockerfile_path.is_file()
        else Dockerfile(dockerfile_path)
    )
    binds: list[tuple[Path, str]] = []
    for volume in service.get("volumes") or []:
        source, target = _bind(volume)
        if source and target and source.startswith((".", "/")):
            binds.append(((base / source).resolve(), target))
    working_dir = service.get("working_dir")
    command = service.get("command")
    evidence = f"compose service '{name}' in {files.rel(compose_path)}"
    return _docker_start(
        files,
        dockerfile,
        context,
        evidence,
        50,
        binds=binds,
        working_dir=str(working_dir) if working_dir else None,
        command=command if isinstance(command, (str, list)) else None,
    )


def _bind(volume: Any) -> tuple[str | None, str | None]:
    if isinstance(volume, str):
        parts = volume.split(":")
        return (parts[0], parts[1]) if len(parts) >= 2 else (None, None)
    if isinstance(volume, dict) and volume.get("type", "bind") == "bind":
        return volume.get("source"), volume.get("target")
    return None, None


# --- pyproject scripts, __main__, package layout -------------------------------------------


def _package_parent(path: Path, root: Path) -> tuple[Path, str]:
    """(the folder a module runs from, its dotted name): the parent of its top package."""
    parts = [path.stem] if path.name != "__main__.py" else []
    folder = path.parent
    while (folder / "__init__.py").is_file() and folder != root:
        parts.insert(0, folder.name)
        folder = folder.parent
    if path.name == "__main__.py" and not parts:
        parts = [path.parent.name]
        folder = path.parent.parent
    return folder, ".".join(parts)


def _scripts(files: _Files) -> Start | None:
    pyproject = files.root / "pyproject.toml"
    if not pyproject.is_file():
        return None
    try:
        scripts = tomllib.loads(files.text(pyproject)).get("project", {}).get("scripts", {})
    except tomllib.TOMLDecodeError:
        return None
    for name, target in scripts.items():
        module, _, function = str(target).partition(":")
        if not function:
            continue
        for base in (files.root, files.root / "src"):
            path = _module_file(base, module)
            if path and _SERVING.search(files.text(path)):
                code = f"import sys; from {module} import {function}; sys.exit({function}())"
                extra = (base,) if base != files.root else ()
                evidence = f'[project.scripts] {name} = "{target}" in pyproject.toml'
                return Start(files.root, ["python", "-c", code], evidence, extra, 40)
    return None


def _entry_points(files: _Files) -> list[Start]:
    found = []
    for path in files.files:
        if _is_test(path) or path.suffix != ".py":
            continue
        # any module that serves when run as a script (web.py, cli.py …) says how it starts
        if path.name not in _ENTRY_NAMES and (
            len(path.relative_to(files.root).parts) > 4 or not _serves_as_script(files, path)
        ):
            continue
        text = files.text(path)
        folder, module = _package_parent(path, files.root)
        rel = files.rel(path)
        if ("__main__" in text and _SERVING.search(text)) or path.name == "__main__.py":
            if "." in module or path.name == "__main__.py":
                command = ["python", "-m", module]
            else:
                command = ["python", path.name]
            evidence = f'{rel} serves when run as a script (`if __name__ == "__main__"`)'
            found.append(Start(folder, command, evidence, trust=35))
            continue
        match = _APP_OBJECT.search(text)
        if match:
            variable, kind = match.groups()
            if kind in ("Flask", "Quart"):
                command = ["python", "-m", "flask", "--app", module, "run"]
            else:
                command = ["python", "-m", "uvicorn", f"{module}:{variable}"]
            layout = "package layout" if "." in module else "app module"
            evidence = f"{layout}: {kind} app `{variable}` in {rel}, imported as {module}"
            found.append(Start(folder, command, evidence, trust=20 + ("." in module)))
        elif _FACTORY.search(text) and "flask" in text.lower():
            command = ["python", "-m", "flask", "--app", module, "run"]
            evidence = f"Flask app factory create_app() in {rel}, imported as {module}"
            found.append(Start(folder, command, evidence, trust=20))
    return found


def _serves_as_script(files: _Files, path: Path) -> bool:
    try:
        if path.stat().st_size > 200_000:
            return False
    except OSError:
        return False
    text = files.text(path)
    return "__main__" in text and _SERVING.search(text) is not None


def _is_test(path: Path) -> bool:
    return any(part in ("tests", "test") for part in path.parts) or path.name.startswith("test_")


def find_start(root: Path, files: list[Path], anchor: Path | None) -> list[Start]:
    """Every way the repository says the app starts, the most trusted first."""
    tree = _Files(root, [p for p in files if not is_decoy(p, root)])
    candidates: list[Start | None] = []
    for path in tree.files:
        if path.name in ("Makefile", "makefile", "GNUmakefile"):
            candidates.append(_makefile(tree, path))
        elif path.name == "Procfile":
            candidates.append(_procfile(tree, path))
        elif path.name == ".flaskenv":
            candidates.append(_flaskenv(tree, path))
    candidates.append(_compose(tree, anchor or root))
    candidates += _dockerfiles(tree)
    candidates.append(_scripts(tree))
    candidates += _entry_points(tree)
    found = [c for c in candidates if c is not None]

    def rank(start: Start) -> tuple[int, int]:
        near = 0
        if anchor is not None and (
            anchor.is_relative_to(start.directory) or start.directory.is_relative_to(anchor)
        ):
            near = 1
        return (near, start.trust)

    return sorted(found, key=rank, reverse=True)


DECOY_DIRS = {
    "frontend",
    "front",
    "client",
    "web-ui",
    "ui",
    "docs",
    "doc",
    "node_modules",
    "examples",
}


def is_decoy(path: Path, root: Path) -> bool:
    """A file of another part of the repository (the front end, the docs)."""
    try:
        parts = path.relative_to(root).parts[:-1]
    except ValueError:
        return False
    return any(part.lower() in DECOY_DIRS for part in parts)
