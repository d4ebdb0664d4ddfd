"""Deterministic synthetic embeddings: clustered and unit-normalised, like real model output.

Each row is a cluster centre plus two draws from a shared pool of Gaussian noise vectors, then
normalised. The pool keeps the per-row cost to a few C-level passes over the vector (no numpy
here), and two draws from 4096 give millions of distinct vectors per cluster. Same seed, same
dimension, same cluster count: the same vectors, on every machine (random.Random is stable).
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from operator import add

NOISE_POOL = 4096  # a power of two: a draw is a slice of one getrandbits() call
_POOL_BITS = NOISE_POOL.bit_length() - 1


def unit(values: list[float]) -> list[float]:
    norm = math.hypot(*values)
    if norm == 0.0:
        return values
    scale = 1.0 / norm
    return [scale * value for value in values]


class EmbeddingGenerator:
    """`spread` is the noise's length relative to the unit centre: 0.5 puts a cluster's
    members at cosine similarity ~0.8 to their centre, about what sentence models show."""

    def __init__(self, dim: int, clusters: int = 16, seed: int = 0, spread: float = 0.5) -> None:
        if dim < 1 or clusters < 1:
            raise ValueError("dim and clusters must be positive")
        self.dim = dim
        self.clusters = clusters
        self._rng = random.Random(seed)
        gauss = self._rng.gauss
        self.centres = [unit([gauss(0.0, 1.0) for _ in range(dim)]) for _ in range(clusters)]
        sigma = spread / math.sqrt(2 * dim)  # two draws per row
        self._noise = [[gauss(0.0, sigma) for _ in range(dim)] for _ in range(NOISE_POOL)]

    def rows(self, count: int) -> Iterator[tuple[int, list[float]]]:
        """(cluster, unit vector) for `count` rows, continuing the sequence on each call."""
        getrandbits = self._rng.getrandbits
        centres, noise, clusters = self.centres, self._noise, self.clusters
        mask = NOISE_POOL - 1
        hypot = math.hypot
        for _ in range(count):
            bits = getrandbits(32 + 2 * _POOL_BITS)
            cluster = (bits >> 2 * _POOL_BITS) % clusters
            vector = list(
                map(
                    add,
                    map(add, centres[cluster], noise[bits & mask]),
                    noise[(bits >> _POOL_BITS) & mask],
                )
            )
            scale = 1.0 / hypot(*vector)
            yield cluster, list(map(scale.__mul__, vector))
