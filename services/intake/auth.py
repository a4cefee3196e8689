"""API keys and signed requests for the HTTP door.

Keys look like `xn_<key id>_<secret>`; only SHA-256 of the whole key is stored (the key is random
and long, so a slow password hash adds nothing). Optional HMAC-SHA256 signature, required for
keys created with --require-signature:

  X-Xn-Timestamp: <unix seconds>
  X-Xn-Signature: sha256=<hex HMAC(signing key, "<timestamp>.<path>." + raw body)>

The signing key is the hex SHA-256 of the API key (the server keeps nothing more). A timestamp
more than 5 minutes from the server's clock is refused, and each signature is accepted once."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

MAX_SKEW_S = 300
KEY_HEADER, TS_HEADER, SIG_HEADER = "X-Api-Key", "X-Xn-Timestamp", "X-Xn-Signature"


class AuthError(Exception):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field, self.reason = field, reason


@dataclass(frozen=True)
class Caller:
    key_id: str
    system: str  # the calling system; becomes the request's `source`


def new_key() -> tuple[str, str]:
    key_id = secrets.token_hex(4)
    return key_id, f"xn_{key_id}_{secrets.token_urlsafe(32)}"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def key_id_of(key: str) -> str:
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != "xn" or not parts[1] or not parts[2]:
        raise AuthError(KEY_HEADER, "malformed API key")
    return parts[1]


def sign(key: str, timestamp: int, path: str, body: bytes) -> str:
    """What a caller computes (also used by the tests and the benchmark)."""
    mac = hmac.new(hash_key(key).encode(), f"{timestamp}.{path}.".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def check_signature(key_hash: str, ts_header: str | None, sig: str | None, path: str,
                    body: bytes, now: datetime) -> None:
    if not ts_header:
        raise AuthError(TS_HEADER, "missing timestamp for a signed request")
    if not sig:
        raise AuthError(SIG_HEADER, "this key requires a signature")
    try:
        ts = int(ts_header)
    except ValueError:
        raise AuthError(TS_HEADER, "not an integer unix time") from None
    if abs(now.timestamp() - ts) > MAX_SKEW_S:
        raise AuthError(TS_HEADER, f"stale: more than {MAX_SKEW_S} s from server time")
    mac = hmac.new(key_hash.encode(), f"{ts}.{path}.".encode() + body, hashlib.sha256)
    if not hmac.compare_digest("sha256=" + mac.hexdigest(), sig):
        raise AuthError(SIG_HEADER, "signature does not match the body")


class KeyStore:
    def __init__(self, schema: str) -> None:
        self.s = f'"{schema}"'

    async def create(self, session: AsyncSession, system: str, require_signature: bool) -> str:
        key_id, key = new_key()
        await session.execute(text(
            f"INSERT INTO {self.s}.api_keys (key_id, system, key_hash, require_signature) "
            "VALUES (:i, :sy, :h, :r)"),
            {"i": key_id, "sy": system, "h": hash_key(key), "r": require_signature})
        return key

    async def revoke(self, session: AsyncSession, key_id: str) -> bool:
        r = await session.execute(text(f"UPDATE {self.s}.api_keys SET revoked_at = now() "
                                       "WHERE key_id = :i AND revoked_at IS NULL"), {"i": key_id})
        return r.rowcount == 1

    async def lookup(self, session: AsyncSession, key_id: str):
        return (await session.execute(text(
            f"SELECT key_id, system, key_hash, require_signature FROM {self.s}.api_keys "
            "WHERE key_id = :i AND revoked_at IS NULL"), {"i": key_id})).first()

    async def first_use(self, session: AsyncSession, key_id: str, signature: str) -> bool:
        """Record a signature; False if it was seen before (a replay). Rows older than the
        skew window can never match a fresh timestamp again, so they are purged as we go."""
        await session.execute(text(
            f"DELETE FROM {self.s}.seen_signatures WHERE seen_at < now() - interval '11 minutes'"))
        return (await session.execute(text(
            f"INSERT INTO {self.s}.seen_signatures (key_id, signature) VALUES (:i, :g) "
            "ON CONFLICT DO NOTHING RETURNING 1"), {"i": key_id, "g": signature})).first() is not None


async def authenticate(session: AsyncSession, keys: KeyStore, *, key: str | None,
                       ts_header: str | None, sig: str | None, path: str, body: bytes,
                       now: datetime) -> Caller:
    if not key:
        raise AuthError(KEY_HEADER, "missing API key")
    row = await keys.lookup(session, key_id_of(key))
    if row is None or not hmac.compare_digest(row.key_hash, hash_key(key)):
        raise AuthError(KEY_HEADER, "unknown, revoked or wrong API key")
    if sig or ts_header or row.require_signature:
        check_signature(row.key_hash, ts_header, sig, path, body, now)
        if not await keys.first_use(session, row.key_id, sig):
            raise AuthError(SIG_HEADER, "signature already used (replayed request)")
    return Caller(row.key_id, row.system)
