"""From notice requests to rows in the delivery log, inside the consumer's transaction.

Nothing is sent here. Each (event, recipient, channel) gets one notice row whose id is derived
from the three, so a redelivered event, a restart or a second replica cannot add a second one.
A required channel without a contact (or a role nobody holds today) becomes a *failed* notice and
a NoticeFailed event at once: nobody is left uninformed without a record saying so."""

from __future__ import annotations

import logging
from datetime import datetime

from shared.envelope import Envelope
from shared.logs import get_logger
from shared.messaging.pipeline import Tx

from . import events_out, store
from .directory import Directory
from .planning import NoticeRequest
from .routing import ChannelKind, MissingContact, Recipient, plan_deliveries
from .wiring import Deps

log = get_logger(__name__)
# The stdlib logger behind `log`: its level is what structlog's filter_by_level checks
# (shared/logs.py), asked here before building a DEBUG line's fields at all.
_levels = logging.getLogger(__name__)


def render(deps: Deps, kind: str, channel: str, context) -> dict[str, str | None]:
    if channel == ChannelKind.SMS:
        return {"subject": None, "body_text": deps.renderer.render_sms(kind, context).text,
                "body_html": None}
    mail = deps.renderer.render_email(kind, context)
    return {"subject": mail.subject, "body_text": mail.text, "body_html": mail.html}


async def enqueue(tx: Tx, env: Envelope, request: NoticeRequest, deps: Deps,
                  d: Directory) -> None:
    """Plan the notices of one request and stage them for the delivery log (written when the
    transaction commits; a notice already there is left as it is)."""
    now = tx.clock.now()
    contexts = {a.person.person_id: a for a in request.addressees}
    recipients = [Recipient(a.role, a.person.person_id, a.person.phone, a.person.email)
                  for a in request.addressees]
    plan = plan_deliveries(deps.routing, request.kind, recipients, now)
    urgent = deps.routing.route(request.kind).urgent
    debug = _levels.isEnabledFor(logging.DEBUG)  # the line below costs more than the check
    for p in plan.deliveries:
        if p.channel is ChannelKind.SMS and not deps.renderer.has_sms(request.kind):
            continue  # the kind has no SMS wording (e.g. the bulletin): e-mail only by design
        addressee = contexts[p.recipient.person_id]
        fallback = [{"channel": c.value, "address": p.recipient.contact(c)}
                    for c in p.fallback if p.recipient.contact(c)]
        row = store.NewNotice(
            source_event_id=env.event_id, source_event_type=env.event_type,
            correlation_id=env.correlation_id, unit_id=request.unit_id or env.unit_id,
            kind=request.kind.value, recipient_id=p.recipient.person_id,
            recipient_role=p.recipient.role.value, recipient_name=addressee.person.name,
            channel=p.channel.value, address=p.recipient.contact(p.channel), fallback=fallback,
            urgent=urgent, context=addressee.context.model_dump(mode="json"),
            not_before=p.not_before, created_at=now,
            **render(deps, request.kind, p.channel, addressee.context))
        d.add_notice(row)
        # DEBUG, not INFO: a line per notice would cost more than planning it; the delivery
        # log itself is the record.
        if debug:
            log.debug("notice planned", notice_id=row.notice_id, kind=row.kind,
                      channel=row.channel, role=row.recipient_role, held_until=(
                          p.not_before.isoformat() if p.not_before > now else None))
    for m in plan.missing:
        if m.person_id is None and m.role in request.not_applicable:
            continue
        await _record_missing(tx, env, request, m, now, urgent, deps.topics.notices, d)


async def _record_missing(tx: Tx, env: Envelope, request: NoticeRequest, m: MissingContact,
                          now: datetime, urgent: bool, topic: str, d: Directory) -> None:
    recipient_id = m.person_id or f"{m.role.value}@{request.unit_id or env.unit_id or '-'}"
    reason = (f"no {m.channel.value} contact for the {m.role.value} in the roster" if m.person_id
              else f"nobody holds the role {m.role.value} on the roster today")
    row = store.NewNotice(
        source_event_id=env.event_id, source_event_type=env.event_type,
        correlation_id=env.correlation_id, unit_id=request.unit_id or env.unit_id,
        kind=request.kind.value, recipient_id=recipient_id, recipient_role=m.role.value,
        recipient_name=None, channel=m.channel.value, address=None, fallback=[], urgent=urgent,
        context={}, subject=None, body_text=None, body_html=None, not_before=now,
        created_at=now, status="failed", last_reason=reason)
    d.add_notice(row)
    log.warning("notice cannot be delivered", notice_id=row.notice_id, reason=reason)
    # Emitted without asking whether the row is new (that would be a round trip per notice):
    # its event id is derived from the notice, so an event applied twice (without the inbox)
    # repeats the same NoticeFailed, which the outbox and every consumer's inbox drop.
    await tx.emit(topic, events_out.notice_failed(
        notice_id=row.notice_id, source_event_id=env.event_id, correlation_id=env.correlation_id,
        unit_id=row.unit_id, recipient_id=recipient_id, channel=m.channel.value, reason=reason,
        permanent=True, at=now, tag="planned"))
