"""A discovered fact and where it came from, as `devdb init` shows it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Fact:
    name: str  # "env file", "app start", "interpreter", …
    value: str  # as shown to the user (paths relative to the project root)
    evidence: str  # why: "Settings(env_file=".env") in app/core/config.py, run from backend/"

    def line(self) -> str:
        return (
            f"{self.name} {self.value} — {self.evidence}"
            if self.evidence
            else f"{self.name} {self.value}"
        )


def shown(path: Path, root: Path) -> str:
    """`path` as the user reads it: relative to the project root when inside it."""
    try:
        return str(path.relative_to(root)) or "."
    except ValueError:
        return str(path)
