"""Deterministic synthetic embeddings: clustered and unit-normalised, like real model output.

Each row is a cluster centre plus two draws of noise, then normalised (uniform noise of the
intended spread: a sum of many such draws is near-Gaussian, and random() is ten times
cheaper than gauss() for the million values the pools need). The first
draw is precomputed with its centre (a per-cluster pool), the second comes from a shared
pool: a row costs one addition, one norm and one scaling pass over the vector, all at C
speed (no numpy here), and the pools give about a million distinct vectors per cluster.
Pools hold about 2^20 floats each whatever the dimension. Same seed, dimension and cluster
count: the same vectors on every machine (random.Random is stable across versions).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator
from operator import add

_POOL_FLOATS = 2**20


def unit(values: list[float]) -> list[float]:
    norm = math.hypot(*values)
    if norm == 0.0:
        return values
    scale = 1.0 / norm
    return [scale * value for value in values]


def _power_of_two_at_most(limit: int, low: int, high: int) -> int:
    size = low
    while size * 2 <= min(limit, high):
        size *= 2
    return size


class EmbeddingGenerator:
    """`spread` is the noise's length relative to the unit centre: 0.5 puts a cluster's
    members at cosine similarity ~0.9 to their centre, about what sentence models show."""

    def __init__(self, dim: int, clusters: int = 16, seed: int = 0, spread: float = 0.5) -> None:
        if dim < 1 or clusters < 1:
            raise ValueError("dim and clusters must be positive")
        self.dim = dim
        self.clusters = clusters
        self._rng = random.Random(seed)
        gauss = self._rng.gauss
        self.centres = [unit([gauss(0.0, 1.0) for _ in range(dim)]) for _ in range(clusters)]
        sigma = spread / math.sqrt(2 * dim)  # two draws per row
        width = sigma * math.sqrt(12)  # uniform on [-width/2, width/2] has deviation sigma
        uniform = self._rng.random

        def noise() -> list[float]:
            return [(uniform() - 0.5) * width for _ in range(dim)]

        self._shared_size = _power_of_two_at_most(_POOL_FLOATS // dim, 256, 4096)
        self._shared = [noise() for _ in range(self._shared_size)]
        self._own_size = _power_of_two_at_most(_POOL_FLOATS // (dim * clusters), 16, 1024)
        self._own = [
            [list(map(add, centre, noise())) for _ in range(self._own_size)]
            for centre in self.centres
        ]

    def rows(self, count: int) -> Iterator[tuple[int, list[float]]]:
        """(cluster, unit vector) for `count` rows, continuing the sequence on each call."""
        getrandbits = self._rng.getrandbits
        own, shared, clusters = self._own, self._shared, self.clusters
        own_mask, shared_mask = self._own_size - 1, self._shared_size - 1
        shared_bits = shared_mask.bit_length()
        own_bits = own_mask.bit_length()
        hypot = math.hypot
        for _ in range(count):
            bits = getrandbits(32 + own_bits + shared_bits)
            cluster = (bits >> (own_bits + shared_bits)) % clusters
            vector = list(
                map(add, own[cluster][(bits >> shared_bits) & own_mask], shared[bits & shared_mask])
            )
            scale = 1.0 / hypot(*vector)
            yield cluster, list(map(scale.__mul__, vector))

    def packed(self, count: int, pack: Callable[..., bytes], *head: int) -> Iterator[bytes]:
        """pack(*head, *vector) for `count` rows: rows() without its per-row tuple and list,
        the hot loop of a fill with no other columns to write."""
        getrandbits = self._rng.getrandbits
        own, shared, clusters = self._own, self._shared, self.clusters
        own_mask, shared_mask = self._own_size - 1, self._shared_size - 1
        shared_bits = shared_mask.bit_length()
        own_bits = own_mask.bit_length()
        total_bits = 32 + own_bits + shared_bits
        hypot = math.hypot
        for _ in range(count):
            bits = getrandbits(total_bits)
            vector = list(
                map(
                    add,
                    own[(bits >> (own_bits + shared_bits)) % clusters][
                        (bits >> shared_bits) & own_mask
                    ],
                    shared[bits & shared_mask],
                )
            )
            yield pack(*head, *map((1.0 / hypot(*vector)).__mul__, vector))
