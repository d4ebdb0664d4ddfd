"""What a Dockerfile says about where the app runs: the last stage's WORKDIR, what COPY/ADD
bring from the build context, CMD/ENTRYPOINT, and ENV PYTHONPATH; and which host folder a
path inside the image comes from."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from devdb.project.commands import from_line, from_words


@dataclass
class Dockerfile:
    path: Path
    workdir: str = "/"
    copies: list[tuple[list[str], str]] = field(default_factory=list)  # (sources, absolute dest)
    command: list[str] | str | None = None  # exec form, or a shell line
    pythonpath: list[str] = field(default_factory=list)


def _instruction_args(rest: str) -> list[str] | str:
    rest = rest.strip()
    if rest.startswith("["):
        try:
            value = json.loads(rest)
        except ValueError:
            return rest
        if isinstance(value, list):
            return [str(item) for item in value]
    return rest


def read_dockerfile(path: Path, text: str) -> Dockerfile:
    """The last stage's WORKDIR, COPY/ADD from the build context, CMD/ENTRYPOINT, PYTHONPATH."""
    found = Dockerfile(path)
    entrypoint: list[str] | str | None = None
    cmd: list[str] | str | None = None
    for raw in re.sub(r"\\\r?\n", " ", text).splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        word, _, rest = line.partition(" ")
        word = word.upper()
        if word == "FROM":
            found = Dockerfile(path)
            entrypoint = cmd = None
        elif word == "WORKDIR":
            found.workdir = str(PurePosixPath(found.workdir, rest.strip().strip("\"'")))
        elif word in ("COPY", "ADD"):
            args = _instruction_args(rest)
            words = args if isinstance(args, list) else rest.split()
            if any(w.startswith("--from") for w in words):
                continue
            words = [w for w in words if not w.startswith("--")]
            if len(words) >= 2:
                dest = str(PurePosixPath(found.workdir, words[-1]))
                found.copies.append((words[:-1], dest))
        elif word == "ENV":
            for key, value in re.findall(r"(\w+)[= ]\"?([^\s\"]*)\"?", rest):
                if key == "PYTHONPATH":
                    found.pythonpath = [p for p in value.split(":") if p.startswith("/")]
        elif word == "CMD":
            cmd = _instruction_args(rest)
        elif word == "ENTRYPOINT":
            entrypoint = _instruction_args(rest)
    for candidate in (cmd, entrypoint):
        if isinstance(candidate, list) and candidate and from_words(candidate):
            found.command = candidate
            break
        if isinstance(candidate, str) and from_line(candidate):
            found.command = candidate
            break
    return found


def host_path(container: str, mounts: list[tuple[Path, str]]) -> Path | None:
    """The host folder that `container` (an absolute path in the image) comes from."""
    target = PurePosixPath(container)
    best: tuple[int, Path] | None = None
    for source, dest in mounts:
        dest_path = PurePosixPath(dest)
        if not source.is_dir():
            continue
        if target == dest_path or dest_path in target.parents:
            candidate = source.joinpath(*target.relative_to(dest_path).parts)
        elif target in dest_path.parents:  # `COPY ./app /app/app` with WORKDIR /app
            sub = dest_path.relative_to(target).parts
            if source.name != sub[-1]:
                continue
            candidate = source
            for _ in sub:
                candidate = candidate.parent
        else:
            continue
        if candidate.is_dir() and (best is None or len(dest_path.parts) > best[0]):
            best = (len(dest_path.parts), candidate.resolve())
    return best[1] if best else None
