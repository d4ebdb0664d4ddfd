"""Run the benchmarks: `python -m bench` runs every bench/bench_*.py module's main(), in name
order; `python -m bench up_reset lint` runs only those (names without the `bench_` prefix).
"""

from __future__ import annotations

import importlib
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE.parent) not in sys.path:
    sys.path.insert(0, str(HERE.parent))


def available() -> list[str]:
    return sorted(path.stem.removeprefix("bench_") for path in HERE.glob("bench_*.py"))


def run(names: list[str]) -> int:
    known = available()
    unknown = [name for name in names if name.removeprefix("bench_") not in known]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; have: {', '.join(known)}")
        return 2
    failed = []
    for name in [n.removeprefix("bench_") for n in names] or known:
        print(f"=== bench {name} ===", flush=True)
        started = time.perf_counter()
        module = importlib.import_module(f"bench.bench_{name}")
        argv = sys.argv
        sys.argv = [f"bench_{name}"]  # each main() parses its own (default) options
        try:
            module.main()
        except SystemExit as exc:
            if exc.code not in (None, 0):
                failed.append(name)
        except Exception as exc:
            print(f"bench {name} failed: {type(exc).__name__}: {exc}", file=sys.stderr)
            failed.append(name)
        finally:
            sys.argv = argv
        print(f"=== bench {name}: {time.perf_counter() - started:.0f} s ===\n", flush=True)
    if failed:
        print(f"failed: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
