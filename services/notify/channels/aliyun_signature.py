"""Alibaba Cloud RPC-style request signing ("POP" signature, SignatureVersion 1.0, HMAC-SHA1).

1. Percent-encode every parameter name and value as UTF-8 per RFC 3986: unreserved characters
   A-Z a-z 0-9 - _ . ~ stay, everything else becomes %XX (space is %20, never +; * is %2A).
2. Sort by encoded name, join as name=value with &: the canonicalized query string.
3. StringToSign = HTTPMethod & percent_encode("/") & percent_encode(canonicalized query).
4. Signature = Base64(HMAC-SHA1(key = AccessKeySecret + "&", StringToSign)).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from urllib.parse import quote


def percent_encode(value: str) -> str:
    # quote() with safe="" leaves exactly RFC 3986's unreserved set, '~' included (Python 3.7+).
    return quote(value, safe="")


def canonicalized_query(params: Mapping[str, str]) -> str:
    encoded = sorted((percent_encode(k), percent_encode(v)) for k, v in params.items())
    return "&".join(f"{k}={v}" for k, v in encoded)


def string_to_sign(method: str, params: Mapping[str, str]) -> str:
    return f"{method.upper()}&{percent_encode('/')}&{percent_encode(canonicalized_query(params))}"


def sign(method: str, params: Mapping[str, str], access_key_secret: str) -> str:
    digest = hmac.new(
        f"{access_key_secret}&".encode(), string_to_sign(method, params).encode(), hashlib.sha1
    ).digest()
    return base64.b64encode(digest).decode("ascii")


def common_params(
    access_key_id: str,
    *,
    action: str,
    version: str,
    region_id: str,
    now: datetime | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    timestamp = (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "AccessKeyId": access_key_id,
        "Action": action,
        "Format": "JSON",
        "RegionId": region_id,
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": nonce or uuid.uuid4().hex,  # fresh per attempt: replays are refused
        "SignatureVersion": "1.0",
        "Timestamp": timestamp,
        "Version": version,
    }


def signed_params(method: str, params: Mapping[str, str], access_key_secret: str) -> dict[str, str]:
    return {**params, "Signature": sign(method, params, access_key_secret)}
