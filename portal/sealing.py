"""Secrets at rest: seal a few strings (the single-use links of an e-mail) so a stored row or a backup is useless.

``seal({"url": …})`` returns printable text safe to store; ``unseal(text)`` gives the mapping back, or raises
:class:`SealError` when the text was altered or was sealed under a key this process does not have.

Only the standard library is used (no new dependency): HMAC-SHA256 in counter mode as the key stream
(encryption), then HMAC-SHA256 over version, nonce and cipher text (authentication: encrypt-then-MAC), with two
keys derived from ``SECRET_KEY`` and a purpose string. A random 128-bit nonce per message. ``SECRET_KEY_FALLBACKS``
are tried when opening, so rotating the key does not strand mail that is still waiting; a backup of the database
holds only sealed text, and ``SECRET_KEY`` is never part of a backup.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from collections.abc import Iterator, Mapping

from django.conf import settings

VERSION = b"s1"
NONCE_BYTES = 16
TAG_BYTES = 32
BLOCK = hashlib.sha256().digest_size


class SealError(Exception):
    """The sealed text cannot be opened: altered, truncated, or sealed under a key that is not configured."""


def _keys(secret: str, purpose: str) -> tuple[bytes, bytes]:
    root = hmac.new(secret.encode(), b"observatorio1325.sealing:" + purpose.encode(), hashlib.sha256).digest()
    return (
        hmac.new(root, b"encrypt", hashlib.sha256).digest(),
        hmac.new(root, b"authenticate", hashlib.sha256).digest(),
    )


def _all_keys(purpose: str) -> Iterator[tuple[bytes, bytes]]:
    for secret in [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]:
        yield _keys(str(secret), purpose)


def _stream(key: bytes, nonce: bytes, data: bytes) -> bytes:
    out = bytearray()
    for counter in range(0, -(-len(data) // BLOCK)):
        block = hmac.new(key, nonce + counter.to_bytes(8, "big"), hashlib.sha256).digest()
        chunk = data[counter * BLOCK : (counter + 1) * BLOCK]
        out.extend(a ^ b for a, b in zip(chunk, block, strict=False))
    return bytes(out)


def seal(values: Mapping[str, str], *, purpose: str = "mail") -> str:
    """Encrypt and authenticate ``values`` under the current ``SECRET_KEY``; printable ASCII."""
    encrypt, authenticate = _keys(str(settings.SECRET_KEY), purpose)
    nonce = os.urandom(NONCE_BYTES)
    cipher = _stream(encrypt, nonce, json.dumps(dict(values), sort_keys=True).encode())
    tag = hmac.new(authenticate, VERSION + nonce + cipher, hashlib.sha256).digest()
    return VERSION.decode() + "." + base64.urlsafe_b64encode(nonce + cipher + tag).decode()


def unseal(text: str, *, purpose: str = "mail") -> dict[str, str]:
    """The values sealed by :func:`seal` (with the same ``purpose``); :class:`SealError` if that is impossible."""
    version, _, encoded = text.partition(".")
    try:
        raw = base64.urlsafe_b64decode(encoded.encode())
    except ValueError as exc:
        raise SealError("not sealed text") from exc
    if version.encode() != VERSION or len(raw) < NONCE_BYTES + TAG_BYTES:
        raise SealError("not sealed text")
    nonce, cipher, tag = raw[:NONCE_BYTES], raw[NONCE_BYTES:-TAG_BYTES], raw[-TAG_BYTES:]
    for encrypt, authenticate in _all_keys(purpose):
        expected = hmac.new(authenticate, VERSION + nonce + cipher, hashlib.sha256).digest()
        if hmac.compare_digest(expected, tag):
            values = json.loads(_stream(encrypt, nonce, cipher))
            return {str(k): str(v) for k, v in values.items()}
    raise SealError("sealed under another key (SECRET_KEY changed and the old one is not in SECRET_KEY_FALLBACKS)")
