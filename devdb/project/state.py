"""`.devdb/state.json`: what devdb remembers about this checkout (engine, port, password, hashes)."""

from __future__ import annotations

import json
import os
import secrets
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class State:
    engine: str | None = None
    port: int | None = None
    password: str | None = None
    user: str | None = None
    database: str | None = None
    container: str | None = None
    image: str | None = None
    env_written: dict[str, str] = field(default_factory=dict)
    migrations_hash: str | None = None
    fixtures_hash: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def state_path(state_dir: Path) -> Path:
    return state_dir / "state.json"


def load_state(state_dir: Path) -> State:
    path = state_path(state_dir)
    try:
        raw = json.loads(path.read_text())
    except FileNotFoundError:
        return State()
    except (OSError, ValueError):
        return State()
    known = {k: v for k, v in raw.items() if k in State.__dataclass_fields__}
    return State(**known)


def ensure_state_dir(state_dir: Path) -> None:
    state_dir.mkdir(mode=0o700, exist_ok=True)
    ignore = state_dir / ".gitignore"
    if not ignore.exists():
        ignore.write_text("*\n")


def save_state(state_dir: Path, state: State) -> None:
    ensure_state_dir(state_dir)
    atomic_write(state_path(state_dir), json.dumps(asdict(state), indent=2, sort_keys=True) + "\n")


def atomic_write(path: Path, text: str, mode: int = 0o600) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def new_password() -> str:
    """Hex: safe inside URLs, shells and configparser (which treats % specially)."""
    return secrets.token_hex(16)
