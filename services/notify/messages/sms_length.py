"""SMS length rules used by Chinese carriers and Alibaba Cloud SMS.

Chinese text travels as UCS-2: one segment holds 70 characters; a longer text is split into
segments of 67 (3 characters go to the concatenation header). The signature 【…】 counts.
Characters outside the BMP (some emoji, rare 汉字) take two UCS-2 units, so we count UTF-16
code units rather than Python code points.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

SINGLE_SEGMENT_UNITS = 70
CONCATENATED_SEGMENT_UNITS = 67


class OverflowPolicy(StrEnum):
    REFUSE = "refuse"
    TRUNCATE = "truncate"


class SmsTooLong(ValueError):
    """The rendered SMS needs more segments than allowed and the policy is REFUSE."""


@dataclass(frozen=True)
class SmsPolicy:
    signature: str = "【县效能办】"
    max_segments: int = 3
    overflow: OverflowPolicy = OverflowPolicy.TRUNCATE
    truncation_marker: str = "…详见邮件或系统"

    def __post_init__(self) -> None:
        if self.max_segments < 1:
            raise ValueError("max_segments must be at least 1")


def ucs2_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def segment_count(text: str) -> int:
    units = ucs2_length(text)
    if units <= SINGLE_SEGMENT_UNITS:
        return 1
    return -(-units // CONCATENATED_SEGMENT_UNITS)


def capacity(max_segments: int) -> int:
    if max_segments == 1:
        return SINGLE_SEGMENT_UNITS
    return max_segments * CONCATENATED_SEGMENT_UNITS


def fit(full_text: str, policy: SmsPolicy) -> tuple[str, bool]:
    """Return (text, truncated). full_text already includes the signature."""
    limit = capacity(policy.max_segments)
    if ucs2_length(full_text) <= limit:
        return full_text, False
    if policy.overflow is OverflowPolicy.REFUSE:
        raise SmsTooLong(
            f"SMS needs {segment_count(full_text)} segments, at most {policy.max_segments} allowed"
        )
    budget = limit - ucs2_length(policy.truncation_marker)
    if budget <= ucs2_length(policy.signature):
        raise SmsTooLong("max_segments leaves no room for text after signature and marker")
    kept: list[str] = []
    used = 0
    for char in full_text:  # per code point so a surrogate pair is never split
        width = ucs2_length(char)
        if used + width > budget:
            break
        kept.append(char)
        used += width
    return "".join(kept).rstrip("，、；： ") + policy.truncation_marker, True
