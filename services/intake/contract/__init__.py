"""The external schema: what other systems send to intake, over HTTP or the xn.in.* topics.

These models are the published inbound contract (see docs/events.md). They are deliberately
separate from the canonical events in shared/events: callers state facts, intake adds what only
it can know (routing, request numbers, 退单 hops) before publishing the canonical event."""
