"""Base of every inbound model, and the door message that wraps one on Kafka."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Inbound(BaseModel):
    """Unknown fields are refused, so a misspelt field name is an error, not a silent default."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class DoorMessage(BaseModel):
    """One message on an xn.in.* topic. `type` names the fact (one of the catalogue's inbound
    types); (`source`, `external_id`) identifies it for idempotency: the same pair twice gives
    one event. `data` is the same JSON body the HTTP API takes for that type."""

    model_config = ConfigDict(extra="forbid")

    type: str = Field(description="Inbound type, e.g. 'complaint.filed'", min_length=1)
    source: str = Field(description="Calling system, e.g. '12345-hotline'", min_length=1,
                        max_length=100)
    external_id: str = Field(description="The caller's id for this message; retries reuse it",
                             min_length=1, max_length=200)
    data: dict[str, Any] = Field(description="The body, as for the HTTP endpoint of this type")
