"""`devdb branches on/off`: the git post-checkout hook (or a pre-commit stage entry) that
calls `devdb branches _switch`. Each edit is a marked block, so `off` removes exactly it."""

from __future__ import annotations

import os
import re
import shlex
import stat
import sys
from dataclasses import dataclass
from pathlib import Path

from devdb.branches.git import hooks_dir, toplevel
from devdb.errors import DevdbError

BEGIN = "# >>> devdb branches: a database per git branch (`devdb branches off` removes it) >>>"
END = "# <<< devdb branches <<<"
CREATED = "# (devdb created this file)"
PRE_COMMIT_CONFIG = ".pre-commit-config.yaml"
_SHELLS = re.compile(r"^#!\s*(/usr/bin/env\s+)?(/\S*/)?(sh|bash|dash|zsh|ksh)(\s|$)")


@dataclass
class HookChange:
    path: Path
    changed: bool  # False: already so
    how: str  # "hook" | "pre-commit"
    note: str = ""


def devdb_executable() -> str:
    """The console script of this installation: the hook must not depend on PATH."""
    script = Path(sys.executable).parent / "devdb"
    return str(script) if script.exists() else "devdb"


def switch_command(project_dir: str, *, detached: bool = False) -> str:
    parts = [shlex.quote(devdb_executable()), "branches", "_switch"]
    if project_dir not in ("", "."):
        parts += ["--project", shlex.quote(project_dir)]
    if detached:
        parts.append("--detached")
    return " ".join(parts)


def hook_line(command: str) -> str:
    return f'{command} "$@" </dev/null || true'


def with_block(existing: str | None, line: str) -> str:
    """The hook's text with devdb's block right after the shebang (an existing hook then runs
    as before); a new hook when there was none."""
    if existing is None:
        return f"#!/bin/sh\n{BEGIN}\n{CREATED}\n{line}\n{END}\n"
    if BEGIN in existing:
        existing = without_block(existing) or ""
    first, newline, rest = existing.partition("\n")
    if not first.startswith("#!"):
        return f"{BEGIN}\n{line}\n{END}\n{existing}"
    if not _SHELLS.match(first):
        raise DevdbError(
            f"the existing post-checkout hook runs {first[2:].strip()}, not a shell",
            f"add this line to it by hand: {line}",
        )
    return f"{first}{newline or chr(10)}{BEGIN}\n{line}\n{END}\n{rest}"


def without_block(text: str) -> str | None:
    """The text without devdb's block; None when devdb created the file (delete it)."""
    start = text.find(BEGIN)
    if start < 0:
        return text
    stop = text.find(END, start)
    stop = len(text) if stop < 0 else stop + len(END)
    if stop < len(text) and text[stop] == "\n":
        stop += 1
    block = text[start:stop]
    rest = text[:start] + text[stop:]
    if CREATED in block and rest.strip() in ("#!/bin/sh", ""):
        return None
    return rest


def pre_commit_entry(command: str, indent: str) -> str:
    lines = [
        BEGIN,
        "- repo: local",
        "  hooks:",
        "  - id: devdb-branches",
        "    name: devdb branch database",
        f"    entry: {command}",
        "    language: system",
        "    stages: [post-checkout]",
        "    always_run: true",
        "    pass_filenames: false",
        END,
    ]
    return "".join((line if line.startswith("#") else indent + line) + "\n" for line in lines)


def with_pre_commit_entry(text: str, command: str) -> str:
    """The config with devdb's local hook as the first item of `repos:`."""
    if BEGIN in text:
        text = without_block(text) or ""
    match = re.search(r"^repos:[ \t]*(\[\s*\])?[ \t]*$\n?", text, re.MULTILINE)
    if match is None:
        raise DevdbError(
            f"{PRE_COMMIT_CONFIG} has no top-level `repos:` list devdb can add to",
            "add a `repos:` list, or remove the file to use a plain git hook",
        )
    if match.group(1):  # `repos: []`
        text = text[: match.start()] + "repos:\n" + text[match.end() :]
        match = re.search(r"^repos:\n", text, re.MULTILINE)
        assert match is not None
    following = re.search(r"^([ \t]*)- ", text[match.end() :], re.MULTILINE)
    indent = following.group(1) if following else ""
    head = text[: match.end()]
    if not head.endswith("\n"):
        head += "\n"
    return head + pre_commit_entry(command, indent) + text[match.end() :]


def install(root: Path, *, detached: bool = False) -> HookChange:
    top = toplevel(root)
    project_dir = os.path.relpath(root, top)
    command = switch_command(project_dir, detached=detached)
    pre_commit = top / PRE_COMMIT_CONFIG
    if pre_commit.is_file():
        text = pre_commit.read_text(encoding="utf-8")
        new = with_pre_commit_entry(text, command)
        if new != text:
            pre_commit.write_text(new, encoding="utf-8")
        return HookChange(
            pre_commit,
            new != text,
            "pre-commit",
            "run `pre-commit install --hook-type post-checkout` once, if you have not",
        )
    path = hooks_dir(root) / "post-checkout"
    existing = path.read_text(encoding="utf-8") if path.exists() else None
    new = with_block(existing, hook_line(command))
    if new != existing:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(new, encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return HookChange(path, new != existing, "hook")


def uninstall(root: Path) -> list[HookChange]:
    """Remove devdb's block from the hook and from the pre-commit config, wherever it is."""
    top = toplevel(root)
    changes = []
    for path, how in (
        (hooks_dir(root) / "post-checkout", "hook"),
        (top / PRE_COMMIT_CONFIG, "pre-commit"),
    ):
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        if BEGIN not in text:
            continue
        rest = without_block(text)
        if rest is None:
            path.unlink()
        else:
            path.write_text(rest, encoding="utf-8")
        changes.append(HookChange(path, True, how))
    return changes


def installed(root: Path) -> bool:
    top = toplevel(root)
    for path in (hooks_dir(root) / "post-checkout", top / PRE_COMMIT_CONFIG):
        if path.is_file() and BEGIN in path.read_text(encoding="utf-8", errors="replace"):
            return True
    return False
