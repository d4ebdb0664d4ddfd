"""`.devdb/env-owned.json`: which env file values devdb wrote, as sha256 hashes.

It outlives `destroy` (which removes state.json), so that after destroy → up, a new port, a
new password or a moved env file, devdb still tells its own stale values from the user's.
Only hashes are kept: the file never holds a password.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from devdb.project.state import atomic_write, ensure_state_dir

if TYPE_CHECKING:
    from devdb.project.config import Config

OWNED_FILE = "env-owned.json"
HISTORY_PER_KEY = 20  # enough for many destroys and port moves; old entries fall off


def value_hash(key: str, value: str) -> str:
    return hashlib.sha256(f"{key}\0{value}".encode("utf-8", errors="surrogateescape")).hexdigest()


@dataclass
class EnvOwnership:
    """Per env file (path relative to the project), per key, the hashes devdb wrote, newest last."""

    files: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    noted: list[str] = field(default_factory=list)  # hashes of user values already named once

    def is_devdbs(self, key: str, value: str) -> bool:
        """Written by devdb to any env file of this checkout (a moved file counts too)."""
        digest = value_hash(key, value)
        return any(digest in keys.get(key, ()) for keys in self.files.values())

    def record(self, env_file: str, values: Mapping[str, str]) -> bool:
        """Remember `values` as written to `env_file`; True when anything was new."""
        keys = self.files.setdefault(env_file, {})
        changed = False
        for key, value in values.items():
            digest = value_hash(key, value)
            history = keys.setdefault(key, [])
            if history and history[-1] == digest:
                continue
            if digest in history:
                history.remove(digest)
            history.append(digest)
            del history[:-HISTORY_PER_KEY]
            changed = True
        return changed

    def first_notice(self, key: str, value: str) -> bool:
        """True the first time a user value is named (then never again for that value)."""
        digest = value_hash(key, value)
        if digest in self.noted:
            return False
        self.noted.append(digest)
        del self.noted[:-HISTORY_PER_KEY]
        return True

    def reader_notices(
        self, config: Config, server: tuple[str, int], values: Mapping[str, str]
    ) -> list[str]:
        """One line, the first time only, for each user value kept in another file the stack
        reads (compose `env_file:`, the alembic folder's copy) that points at a server devdb
        does not run: the app's own env file gets the same line where devdb writes it."""
        from devdb.project.envfile import is_tracked, read_env_values
        from devdb.project.envkeys import db_address, detect_key_map

        host, port = server
        ours = {(host, port), ("localhost", port)}
        notices: list[str] = []
        for reader in config.env_readers:
            if reader == config.env_file or is_tracked(config.project_root, reader):
                continue
            in_file = read_env_values(reader, interpolate=False)
            key_map = detect_key_map(in_file.keys(), config.env_keys)
            for key, devdbs in values.items():
                value = in_file.get(key)
                if value is None or value == devdbs:
                    continue
                address = db_address(key_map.role_of(key), value, in_file, key_map)
                if address in ours or not self.first_notice(key, value):
                    continue
                problem = (
                    f"points at {address[0]}:{address[1]}, where devdb runs no server "
                    f"(devdb's is on {host}:{port})"
                    if address is not None
                    else "differs from what devdb's server uses"
                )
                notices.append(
                    f"{key} in {config.rel(reader)} is your own value and {problem}; the app's "
                    f"{config.rel(config.env_file) if config.env_file else '.env'} has devdb's. "
                    "Remove that line and devdb fills it on the next `devdb up`"
                )
        return notices


def load_ownership(state_dir: Path) -> EnvOwnership:
    try:
        raw = json.loads((state_dir / OWNED_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return EnvOwnership()
    if not isinstance(raw, dict):
        return EnvOwnership()
    files = raw.get("files")
    noted = raw.get("noted")
    clean: dict[str, dict[str, list[str]]] = {}
    if isinstance(files, dict):
        for path, keys in files.items():
            if isinstance(keys, dict):
                clean[str(path)] = {
                    str(key): [str(h) for h in hashes]
                    for key, hashes in keys.items()
                    if isinstance(hashes, list)
                }
    return EnvOwnership(clean, [str(h) for h in noted] if isinstance(noted, list) else [])


def save_ownership(state_dir: Path, ownership: EnvOwnership) -> None:
    ensure_state_dir(state_dir)
    text = json.dumps(
        {"files": ownership.files, "noted": ownership.noted}, indent=1, sort_keys=True
    )
    atomic_write(state_dir / OWNED_FILE, text + "\n")
