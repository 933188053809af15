"""Signed receipts: a key-derivation step makes each signature costly to forge."""

from __future__ import annotations

import hashlib

SECRET = b"shopfront-demo-secret"
#: Work factor of the signature; a few milliseconds of CPU per receipt.
ROUNDS = 12_000


async def sign(payload: str) -> str:
    """The hex signature of ``payload``."""
    return hashlib.pbkdf2_hmac("sha256", payload.encode(), SECRET, ROUNDS).hex()
