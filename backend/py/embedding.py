"""Deterministic toy text embedding shared by the app and the fixtures.

Not a language model: each ASCII token of the lower-cased text is hashed (md5) into one of
DIM buckets with a sign, counts are summed and the vector is L2-normalised. The SQL in
fixtures/02_documents.sql computes exactly the same thing, so a query embedded here lands
near the documents that share its words.
"""

from __future__ import annotations

import hashlib
import math
import re

DIM = 384
_TOKEN = re.compile(r"[a-z0-9]+")


def tokens(text: str) -> list[str]:
    """ASCII letter/digit runs of the lower-cased text (SQL: regexp_matches(lower(t), ...))."""
    return _TOKEN.findall(text.lower())


def bucket(token: str) -> tuple[int, float]:
    """Dimension and sign of one token: md5 hex digits 1-8 pick the slot, digit 9 the sign."""
    digest = hashlib.md5(token.encode("utf-8"), usedforsecurity=False).hexdigest()
    return int(digest[:8], 16) % DIM, (1.0 if int(digest[8], 16) < 8 else -1.0)


def embed(text: str) -> list[float]:
    """Unit-length DIM-dimensional embedding of text; all zeros when it has no tokens."""
    vec = [0.0] * DIM
    for tok in tokens(text):
        slot, sign = bucket(tok)
        vec[slot] += sign
    norm = math.sqrt(sum(v * v for v in vec))
    return [v / norm for v in vec] if norm else vec


def to_pgvector(vec: list[float]) -> str:
    """Text form pgvector accepts for a `%s::vector` parameter."""
    return "[" + ",".join(repr(v) for v in vec) + "]"
