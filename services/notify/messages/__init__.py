"""Notice contexts and rendering (no Kafka, no database)."""

from .contexts import *  # noqa: F403 - the context models are this package's vocabulary
from .contexts import __all__ as _context_names
from .rendering import (
    NoSuchTemplate,
    NoticeRenderer,
    OfficeInfo,
    RenderedEmail,
    RenderedSms,
    coerce_context,
)
from .sms_length import OverflowPolicy, SmsPolicy, SmsTooLong, segment_count, ucs2_length

__all__ = [
    *_context_names,
    "NoSuchTemplate",
    "NoticeRenderer",
    "OfficeInfo",
    "OverflowPolicy",
    "RenderedEmail",
    "RenderedSms",
    "SmsPolicy",
    "SmsTooLong",
    "coerce_context",
    "segment_count",
    "ucs2_length",
]
