"""What the host lends the image: a Linux/glibc check, the static busybox and the shared
libraries (found with ldd) the binaries need."""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from devdb.errors import DevdbError
from devdb.progress import Progress
from devdb.progress import silent as noop
from devdb.server.image.recipe import BUSYBOX, LOCALE_DIR, last_line


def check_host() -> None:
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


def static_busybox(progress: Progress = noop) -> Path:
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
            f"apt-get install busybox-static failed ({last_line(done.stderr) or 'no detail'})",
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
