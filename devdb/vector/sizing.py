"""Sizing arithmetic for pgvector indexes (pure functions; the figures come from the catalog).

IVFFlat lists follow pgvector's rule of thumb: rows/1000 up to 1M rows, sqrt(rows) above.
The HNSW build estimate follows the in-memory graph pgvector builds: per element the vector,
an element header and neighbour lists (2m candidates on layer 0, m on each upper layer,
about 1/(m-1) upper layers per element on average), 16 bytes per candidate. A graph that
outgrows maintenance_work_mem is finished on disk, far slower (pgvector says so in a NOTICE).
"""

from __future__ import annotations

import math

_ELEMENT_HEADER = 112  # bytes: HnswElementData and its list bookkeeping
_CANDIDATE = 16  # bytes: a neighbour pointer, its distance, a flag, padding
HNSW_DEFAULT_M = 16


def recommended_lists(rows: int) -> int:
    if rows <= 1_000_000:
        return max(1, rows // 1000)
    return round(math.sqrt(rows))


def recommended_probes(lists: int) -> int:
    return max(1, round(math.sqrt(lists)))


def value_bytes(type_name: str, dim: int) -> int:
    per_dimension = 2 if type_name == "halfvec" else 4
    return 8 + per_dimension * dim


def hnsw_build_bytes(
    rows: int, dim: int, m: int = HNSW_DEFAULT_M, type_name: str = "vector"
) -> int:
    upper_layers = 1.0 / (m - 1) if m > 1 else 1.0
    neighbours = 2 * m + upper_layers * m
    per_element = value_bytes(type_name, dim) + _ELEMENT_HEADER + _CANDIDATE * neighbours
    return int(rows * per_element)


def megabytes(size: int) -> str:
    if size >= 10 * 2**30:
        return f"{size / 2**30:.0f} GB"
    if size >= 2**30:
        return f"{size / 2**30:.1f} GB"
    if size >= 10 * 2**20:
        return f"{size / 2**20:.0f} MB"
    return f"{size / 2**20:.1f} MB"


def setting_megabytes(size: int) -> str:
    """A maintenance_work_mem value that holds `size` (rounded up to 64 MB steps)."""
    step = 64 * 2**20
    return f"{max(1, math.ceil(size / step)) * 64}MB"
