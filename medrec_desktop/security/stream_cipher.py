"""Chunked AES-256-GCM for a stream too large to hold in memory (a server backup's pg_dump).

Layout: an 8-byte magic, a 16-byte random salt, then chunks, each a 4-byte big-endian length
and that many bytes of AES-GCM ciphertext. The key is derived per file (HKDF-SHA256 over the
database key and the salt), so the chunk counter alone is a unique nonce. Every chunk's
associated data names the file's header, its index and whether it is the last one: a reordered,
cut, extended or altered stream fails to decrypt instead of yielding part of a dump.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Callable, Iterator
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MAGIC = b"MRPGDMP1"
CHUNK = 1 << 20
_SALT = 16
_LEN = struct.Struct(">I")


class StreamDamaged(Exception):
    """The encrypted stream is cut, altered or was made with another key."""


def _key(db_key: bytes, salt: bytes, purpose: bytes) -> AESGCM:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=b"medrec stream " + purpose)
    return AESGCM(hkdf.derive(db_key))


def _aad(header: bytes, index: int, final: bool) -> bytes:
    return header + struct.pack(">Q?", index, final)


def _nonce(index: int) -> bytes:
    return index.to_bytes(12, "big")


def encrypt_stream(
    read: Callable[[int], bytes], out: BinaryIO, db_key: bytes, purpose: bytes
) -> int:
    """Encrypt everything ``read`` gives (until it returns b"") into ``out``; the plaintext
    length is returned. One chunk is held back so the last one can be marked final."""
    salt = os.urandom(_SALT)
    header = MAGIC + salt
    aead = _key(db_key, salt, purpose)
    out.write(header)
    index, total = 0, 0
    pending = _read_full(read, CHUNK)
    while True:
        following = _read_full(read, CHUNK) if len(pending) == CHUNK else b""
        final = not following
        ct = aead.encrypt(_nonce(index), pending, _aad(header, index, final))
        out.write(_LEN.pack(len(ct)))
        out.write(ct)
        total += len(pending)
        if final:
            return total
        index += 1
        pending = following


def decrypt_stream(src: BinaryIO, db_key: bytes, purpose: bytes) -> Iterator[bytes]:
    """The plaintext chunks of a stream made by :func:`encrypt_stream`. Raises StreamDamaged at
    the first chunk that does not authenticate, and at the end if the last chunk is missing or
    anything follows it."""
    header = src.read(len(MAGIC) + _SALT)
    if len(header) != len(MAGIC) + _SALT or not header.startswith(MAGIC):
        raise StreamDamaged("not an encrypted medrec dump")
    aead = _key(db_key, header[len(MAGIC) :], purpose)
    index = 0
    while True:
        size_bytes = src.read(_LEN.size)
        if len(size_bytes) != _LEN.size:
            raise StreamDamaged("the encrypted dump is cut short")
        (size,) = _LEN.unpack(size_bytes)
        if size > CHUNK + 16:
            raise StreamDamaged("the encrypted dump is damaged")
        ct = src.read(size)
        if len(ct) != size:
            raise StreamDamaged("the encrypted dump is cut short")
        plain: bytes | None = None
        for final in (False, True):
            try:
                plain = aead.decrypt(_nonce(index), ct, _aad(header, index, final))
            except InvalidTag:
                continue
            break
        if plain is None:
            raise StreamDamaged("the encrypted dump is damaged or was made with another key")
        yield plain
        if final:
            if src.read(1):
                raise StreamDamaged("the encrypted dump has extra bytes after its end")
            return
        index += 1


def _read_full(read: Callable[[int], bytes], size: int) -> bytes:
    parts: list[bytes] = []
    left = size
    while left:
        part = read(left)
        if not part:
            break
        parts.append(part)
        left -= len(part)
    return b"".join(parts)
