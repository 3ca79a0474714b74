"""Murmur3Partitioner tokens, computed exactly as Cassandra does.

Cassandra hashes the serialized partition key with its own port of
MurmurHash3 x64_128 (seed 0) and uses the first 64 bits as a signed long.
Its tail loop reads the key's bytes as *signed* Java bytes, so a tail byte
>= 0x80 is sign-extended before the shift: reproduced here on purpose.
Long.MIN_VALUE is normalized to Long.MAX_VALUE (MIN is the ring's minimum).
"""

from __future__ import annotations

import struct
from functools import lru_cache

__all__ = ["MIN_TOKEN", "composite_key", "murmur3_token"]

_M = 0xFFFFFFFFFFFFFFFF
_C1 = 0x87C37B91114253D5
_C2 = 0x4CF5AD432745937F
MIN_TOKEN = -(2**63)


def _rotl(x: int, r: int) -> int:
    return ((x << r) | (x >> (64 - r))) & _M


def _fmix(k: int) -> int:
    k ^= k >> 33
    k = (k * 0xFF51AFD7ED558CCD) & _M
    k ^= k >> 33
    k = (k * 0xC4CEB9FE1A85EC53) & _M
    k ^= k >> 33
    return k


def _signed_byte(b: int) -> int:
    return b - 256 if b >= 128 else b


_CACHED_KEY_BYTES = 256  # 65,536 cached keys of at most this size: 16 MiB


def murmur3_token(data: bytes) -> int:
    if len(data) <= _CACHED_KEY_BYTES:
        return _cached_token(data)
    return _token(data)


@lru_cache(maxsize=65536)
def _cached_token(data: bytes) -> int:
    return _token(data)


def _token(data: bytes) -> int:
    length = len(data)
    nblocks = length >> 4
    h1 = h2 = 0
    for i in range(nblocks):
        k1, k2 = struct.unpack_from("<QQ", data, i * 16)
        k1 = (_rotl((k1 * _C1) & _M, 31) * _C2) & _M
        h1 ^= k1
        h1 = (((_rotl(h1, 27) + h2) & _M) * 5 + 0x52DCE729) & _M
        k2 = (_rotl((k2 * _C2) & _M, 33) * _C1) & _M
        h2 ^= k2
        h2 = (((_rotl(h2, 31) + h1) & _M) * 5 + 0x38495AB5) & _M
    tail = data[nblocks * 16 :]
    rem = len(tail)
    k1 = k2 = 0
    if rem > 8:
        for i in range(rem - 1, 7, -1):
            k2 ^= (_signed_byte(tail[i]) << ((i - 8) * 8)) & _M
        k2 = (_rotl((k2 * _C2) & _M, 33) * _C1) & _M
        h2 ^= k2
    if rem > 0:
        for i in range(min(rem, 8) - 1, -1, -1):
            k1 ^= (_signed_byte(tail[i]) << (i * 8)) & _M
        k1 = (_rotl((k1 * _C1) & _M, 31) * _C2) & _M
        h1 ^= k1
    h1 ^= length
    h2 ^= length
    h1 = (h1 + h2) & _M
    h2 = (h2 + h1) & _M
    h1 = _fmix(h1)
    h2 = _fmix(h2)
    h1 = (h1 + h2) & _M
    token = h1 - (1 << 64) if h1 >= (1 << 63) else h1
    return 2**63 - 1 if token == MIN_TOKEN else token


def composite_key(parts: list[bytes]) -> bytes:
    """A multi-column partition key as Cassandra serializes it: for each
    component a 2-byte length, the bytes, and a 0x00 end-of-component."""
    return b"".join(struct.pack(">H", len(p)) + p + b"\x00" for p in parts)
