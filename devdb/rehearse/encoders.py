"""Deterministic column values and their PostgreSQL binary COPY encodings, by type.

A generator maps a row number to a Python value (None is NULL); an encoder turns a value
into the bytes of one COPY BINARY field (without its length word). Kept apart so a test can
compare what was meant with what the server read back.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import struct
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

Value = Any
Generator = Callable[[int], Value]
Encoder = Callable[[Value], bytes]

PG_EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
PG_EPOCH_DATE = dt.date(2000, 1, 1)
_BASE_TIME = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
_MASK64 = (1 << 64) - 1

INTEGER_TYPES = {"int2": (">h", 2**15 - 1), "int4": (">i", 2**31 - 1), "int8": (">q", 2**63 - 1)}
TEXT_TYPES = ("text", "varchar", "bpchar", "name", "citext")


def mix(n: int, seed: int) -> int:
    """A 64-bit hash of (n, seed): the same row and seed give the same value everywhere."""
    x = (n * 0x9E3779B97F4A7C15 + seed * 0xBF58476D1CE4E5B9 + 0x94D049BB133111EB) & _MASK64
    x ^= x >> 31
    x = (x * 0xBF58476D1CE4E5B9) & _MASK64
    x ^= x >> 29
    return x


# -- encoders -------------------------------------------------------------------------------
def _struct_encoder(fmt: str) -> Encoder:
    return struct.Struct(fmt).pack


def encode_text(value: str) -> bytes:
    return value.encode()


def encode_bool(value: bool) -> bytes:
    return b"\x01" if value else b"\x00"


def encode_uuid(value: uuid.UUID) -> bytes:
    return value.bytes


def encode_timestamp(value: dt.datetime) -> bytes:
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    delta = value - PG_EPOCH
    micros = (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds
    return struct.pack(">q", micros)


def encode_date(value: dt.date) -> bytes:
    return struct.pack(">i", (value - PG_EPOCH_DATE).days)


def encode_json(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def encode_jsonb(value: Any) -> bytes:
    return b"\x01" + encode_json(value)


def encode_numeric(value: Decimal) -> bytes:
    """NUMERIC's binary form: base-10000 digits, weight, sign, display scale."""
    sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    scale = max(0, -exponent)
    text = "".join(map(str, digits)) or "0"
    if exponent > 0:
        text += "0" * exponent
    text = text.zfill(scale + 1)  # 0.0001: the digits "1" need their leading zeros
    integer = text[: len(text) - scale] if scale else text
    fraction = text[len(text) - scale :] if scale else ""
    integer = integer.lstrip("0")
    integer = "0" * (-len(integer) % 4) + integer
    fraction = fraction + "0" * (-len(fraction) % 4)
    groups = [int(integer[i : i + 4]) for i in range(0, len(integer), 4)]
    weight = len(groups) - 1
    groups += [int(fraction[i : i + 4]) for i in range(0, len(fraction), 4)]
    while groups and groups[0] == 0:  # leading zero groups lower the weight
        groups.pop(0)
        weight -= 1
    while groups and groups[-1] == 0:
        groups.pop()
    if not groups:
        weight = 0
    header = struct.pack(">hhHH", len(groups), weight, 0x4000 if sign else 0, scale)
    return header + struct.pack(f">{len(groups)}h", *groups)


def vector_encoder(dim: int, half: bool = False) -> Encoder:
    pack = struct.Struct(f">HH{dim}{'e' if half else 'f'}").pack

    def encode(value: list[float]) -> bytes:
        return pack(dim, 0, *value)

    return encode


ENCODERS: dict[str, Encoder] = {
    **{name: _struct_encoder(fmt) for name, (fmt, _) in INTEGER_TYPES.items()},
    "float4": _struct_encoder(">f"),
    "float8": _struct_encoder(">d"),
    "bool": encode_bool,
    "uuid": encode_uuid,
    "timestamptz": encode_timestamp,
    "timestamp": encode_timestamp,
    "date": encode_date,
    "json": encode_json,
    "jsonb": encode_jsonb,
    "numeric": encode_numeric,
    "bytea": bytes,
    **{name: encode_text for name in TEXT_TYPES},
}


def supported(type_name: str) -> bool:
    return type_name in ENCODERS or type_name in ("vector", "halfvec")


# -- generators -----------------------------------------------------------------------------
def integer_values(seed: int, low: int = 1, high: int = 1_000_000) -> Generator:
    span = max(1, high - low + 1)
    return lambda n: low + mix(n, seed) % span


def sequential_integers(start: int) -> Generator:
    """Unique integers: start, start+1, ..."""
    return lambda n: start + n


def text_values(
    prefix: str, seed: int, max_length: int | None = None, unique: bool = False
) -> Generator:
    def value(n: int) -> str:
        text = f"{prefix} {n}" if unique else f"{prefix} {mix(n, seed) % 100_000:05d}"
        return text[-max_length:] if max_length else text

    return value


def choice_values(choices: list[Any], seed: int) -> Generator:
    size = len(choices)
    return lambda n: choices[mix(n, seed) % size]


def float_values(seed: int) -> Generator:
    return lambda n: (mix(n, seed) % 1_000_000) / 1000.0


def bool_values(seed: int) -> Generator:
    return lambda n: bool(mix(n, seed) & 1)


def uuid_values(seed: int) -> Generator:
    def value(n: int) -> uuid.UUID:
        digest = hashlib.blake2b(f"{seed}:{n}".encode(), digest_size=16).digest()
        return uuid.UUID(bytes=digest, version=4)

    return value


def timestamp_values(seed: int, aware: bool = True) -> Generator:
    base = _BASE_TIME if aware else _BASE_TIME.replace(tzinfo=None)

    def value(n: int) -> dt.datetime:
        return base + dt.timedelta(seconds=mix(n, seed) % (365 * 86400))

    return value


def date_values(seed: int) -> Generator:
    base = _BASE_TIME.date()
    return lambda n: base + dt.timedelta(days=mix(n, seed) % 3650)


def json_values(seed: int) -> Generator:
    return lambda n: {"n": n, "tag": f"t{mix(n, seed) % 50}", "flag": bool(n & 1)}


def numeric_values(seed: int, scale: int = 2) -> Generator:
    def value(n: int) -> Decimal:
        return Decimal(mix(n, seed) % 10_000_000).scaleb(-scale)

    return value


def bytea_values(seed: int) -> Generator:
    return lambda n: mix(n, seed).to_bytes(8, "big")


def nullable(generator: Generator, every: int = 4) -> Generator:
    """NULL on every `every`-th row, the value otherwise."""
    return lambda n: None if n % every == 0 else generator(n)
