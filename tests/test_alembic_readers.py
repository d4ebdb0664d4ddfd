"""devdb reads alembic.ini and the revision files by hand (the warm path must not import
Alembic): on every Alembic project under tests/ it must give Alembic's own answers — the
script directory, the version folders, which files are revisions, each revision's parents,
and the heads."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory

from devdb.migrations.scripts import (
    find_heads,
    migration_files,
    parse_revision_ids,
    read_alembic_ini,
)

TESTS = Path(__file__).resolve().parent
DEMO_INI = TESTS.parent / "backend" / "py" / "alembic.ini"


def _alembic_configs() -> list[Path]:
    configs = sorted(TESTS.rglob("alembic.ini"))
    configs += sorted(
        p
        for p in TESTS.rglob("pyproject.toml")
        if "[tool.alembic]" in p.read_text(encoding="utf-8", errors="replace")
        and not (p.parent / "alembic.ini").exists()
    )
    if DEMO_INI.is_file():
        configs.append(DEMO_INI)
    return configs


CONFIGS = _alembic_configs()
pytestmark = pytest.mark.filterwarnings("ignore:No path_separator found:DeprecationWarning")


@contextmanager
def _cwd(folder: Path) -> Iterator[None]:
    # Alembic resolves a relative script_location against the process directory; devdb runs
    # Alembic from the config's folder, so compare there.
    before = Path.cwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(before)


def _alembic_script(config_path: Path) -> ScriptDirectory:
    if config_path.suffix == ".toml":
        return ScriptDirectory.from_config(Config(toml_file=str(config_path)))
    pyproject = config_path.parent / "pyproject.toml"
    config = Config(str(config_path), toml_file=str(pyproject) if pyproject.is_file() else None)
    if not config.get_alembic_option("script_location"):  # the ini, then [tool.alembic]
        # Flask-Migrate's migrations/alembic.ini: the extension sets it to the ini's folder
        config.set_main_option("script_location", str(config_path.parent))
    return ScriptDirectory.from_config(config)


def test_the_fixtures_hold_alembic_projects() -> None:
    assert len(CONFIGS) >= 30, CONFIGS


@pytest.mark.parametrize("config_path", CONFIGS, ids=lambda p: str(p.relative_to(TESTS.parent)))
def test_the_hand_written_reader_agrees_with_alembic(config_path: Path) -> None:
    with _cwd(config_path.parent):
        script = _alembic_script(config_path)
        revisions = {rev.revision: rev for rev in script.walk_revisions()}
        alembic_dir = Path(script.dir).resolve()
        alembic_versions = {Path(v).resolve() for v in script._version_locations}
        alembic_files = {Path(r.path).resolve() for r in revisions.values()}
        ini = read_alembic_ini(config_path)
        ours = parse_revision_ids(migration_files(config_path))

    assert ini.script_location == alembic_dir
    assert set(ini.version_dirs) == alembic_versions
    assert {p.resolve() for _, p in ours.values()} == alembic_files
    assert set(ours) == set(revisions)
    for rev, (downs, _path) in ours.items():
        assert set(downs) == set(revisions[rev]._all_down_revisions), rev
    assert find_heads(ours) == sorted(script.get_heads())
