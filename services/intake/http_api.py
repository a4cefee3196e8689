"""The HTTP door: one POST route per inbound type (same bodies as the Kafka doors), OpenAPI
documented, API-key authenticated, optionally signed, idempotent. Routes stay thin: auth, parse
JSON, hand over to submit.apply, turn the outcome into a status code."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any

from fastapi import FastAPI, Header, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.intake.auth import AuthError, Caller, KeyStore, authenticate
from services.intake.commands import COMMANDS, Command
from services.intake.context import Topics
from services.intake.domain.errors import InputError
from services.intake.domain.roster import holders
from services.intake.roster_cache import RosterCache
from services.intake.store import Store
from services.intake.submit import InvalidBody, apply
from shared.clock import Clock, SystemClock
from shared.events.vocab import Role
from shared.logs import get_logger
from shared.messaging.errors import is_infrastructure_error
from shared.messaging.pipeline import Tx

log = get_logger(__name__)
ERROR_SCHEMA = {"type": "object", "properties": {
    "error": {"type": "string"},
    "errors": {"type": "array", "items": {"type": "object", "properties": {
        "field": {"type": "string"}, "reason": {"type": "string"}}}}}}
RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"description": d, "content": {"application/json": {"schema": ERROR_SCHEMA}}}
    for code, d in [(400, "Body is not a JSON object"), (401, "Missing/wrong key or signature"),
                    (409, "Conflicts with the case's state or a used Idempotency-Key"),
                    (422, "A field is invalid or names an unknown unit/person/case"),
                    (503, "The database is unavailable for a moment: nothing was recorded, "
                          "retry (Retry-After)")]}


@dataclass
class HttpDeps:
    sessions: async_sessionmaker[AsyncSession]
    schema: str
    clock: Clock
    topics: Topics = field(default_factory=Topics)
    wake: Callable[[], None] = lambda: None  # the outbox relay's wake-up
    # Signature timestamps are checked against real time, whatever the business clock says
    # (the demo runs a virtual clock; callers sign with their wall clock).
    wall_clock: Clock = field(default_factory=SystemClock)
    cache: RosterCache = field(default_factory=RosterCache)


def error(status: int, code: str, errors: list[tuple[str, str]]) -> JSONResponse:
    return JSONResponse({"error": code, "errors": [{"field": f, "reason": r} for f, r in errors]},
                        status_code=status)


class Door:
    def __init__(self, deps: HttpDeps) -> None:
        self.deps, self.keys = deps, KeyStore(deps.schema)

    async def caller(self, session: AsyncSession, request: Request, body: bytes) -> Caller:
        h = request.headers
        async with session.begin():
            return await authenticate(session, self.keys, key=h.get("x-api-key"),
                                      ts_header=h.get("x-xn-timestamp"),
                                      sig=h.get("x-xn-signature"), path=request.url.path,
                                      body=body, now=self.deps.wall_clock.now())

    async def handle(self, cmd: Command, request: Request, idem_key: str | None) -> JSONResponse:
        body = await request.body()
        d = self.deps
        async with d.sessions() as session:
            try:
                caller = await self.caller(session, request, body)
            except AuthError as e:
                log.warning("request refused: authentication", path=request.url.path,
                            field=e.field, reason=e.reason)
                return error(401, "unauthenticated", [(e.field, e.reason)])
            try:
                data = json.loads(body)
                if not isinstance(data, dict):
                    raise ValueError("must be a JSON object")
            except ValueError as e:
                log.warning("request refused: body", source=caller.system, reason=str(e))
                return error(400, "invalid_json", [("body", f"not a JSON object: {e}")])
            try:
                async with session.begin():
                    answer = await apply(Tx(session, d.schema, d.clock), d.topics,
                                         source=caller.system, key=idem_key, type_=cmd.type,
                                         raw_data=data, cache=d.cache)
            except InputError as e:
                errs = e.errors if isinstance(e, InvalidBody) else [(e.field, e.detail)]
                log.warning("request refused", type=cmd.type, source=caller.system,
                            status=e.status, reason=e.reason, body=data)
                return error(e.status, e.code, errs)
            except IntegrityError:  # a concurrent request created the same case first
                # Its own code: unlike a conflict with the case's state, a retry settles it
                # (the same request is then answered from the first one's record).
                busy = error(409, "concurrent_request", [("body", "a concurrent request "
                                                                     "changed this case; retry")])
                busy.headers["Retry-After"] = "1"
                return busy
        if answer.body["events"] and not answer.replayed:
            d.wake()
        headers = {"Idempotent-Replayed": "true"} if answer.replayed else {}
        return JSONResponse(answer.body, status_code=answer.status, headers=headers)


def _route(door: Door, cmd: Command):
    async def endpoint(
        request: Request,
        idempotency_key: Annotated[str | None, Header(
            alias="Idempotency-Key", max_length=200,
            description="Same key twice = same answer, one event")] = None,
        x_api_key: Annotated[str | None, Header(alias="X-Api-Key")] = None,
        x_xn_timestamp: Annotated[str | None, Header(alias="X-Xn-Timestamp")] = None,
        x_xn_signature: Annotated[str | None, Header(alias="X-Xn-Signature")] = None,
    ) -> JSONResponse:
        return await door.handle(cmd, request, idempotency_key)
    endpoint.__name__ = cmd.type.replace(".", "_")
    return endpoint


async def unavailable(request: Request, exc: Exception) -> JSONResponse:
    """The database went away (an outage, or a pooled connection that died with a restart: the
    pool does not ping before each use, so the first use after a restart fails and the pool is
    renewed). The request's transaction rolled back: a 503 tells the caller to send it again,
    which the Idempotency-Key makes safe. Anything else stays a 500."""
    if not is_infrastructure_error(exc):
        raise exc
    log.warning("request not served: database unavailable", path=request.url.path,
                error=repr(exc))
    return JSONResponse({"error": "unavailable", "errors": [
        {"field": "database", "reason": "temporarily unavailable; nothing was recorded, retry"}]},
        status_code=503, headers={"Retry-After": "1"})


def install_api(app: FastAPI, deps: HttpDeps) -> None:
    door = Door(deps)
    for cls in (DBAPIError, OSError, TimeoutError, PoolTimeout):
        app.add_exception_handler(cls, unavailable)
    components: dict[str, Any] = {}
    for cmd in COMMANDS.values():
        schema = cmd.model.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(schema.pop("$defs", {}))
        components[cmd.model.__name__] = schema
        app.add_api_route(
            cmd.path, _route(door, cmd), methods=["POST"], status_code=202,
            summary=cmd.summary, tags=[cmd.type.split(".")[0]], responses=RESPONSES,
            description=f"Publishes `{cmd.type}`. Same body as `data` on xn.in.{cmd.door}."
            if cmd.door else f"Publishes `{cmd.type}` (HTTP only).",
            openapi_extra={"requestBody": {"required": True, "content": {"application/json": {
                "schema": {"$ref": f"#/components/schemas/{cmd.model.__name__}"}}}}})

    @app.get("/v1/roster/units/{unit_id}/holders", tags=["unit"],
             summary="Who held a role in a unit on a date (e.g. who led unit X on day D)")
    async def role_holders(request: Request, unit_id: str, on: date,
                           role: Annotated[Role, Query()] = Role.leader) -> JSONResponse:
        async with deps.sessions() as session:
            try:
                await door.caller(session, request, b"")
            except AuthError as e:
                return error(401, "unauthenticated", [(e.field, e.reason)])
            store = Store(session, deps.schema)
            if await store.unit(unit_id) is None:
                return error(404, "unknown_reference", [("unit_id", f"unknown unit {unit_id!r}")])
            found = holders(await store.appointments(unit_id), unit_id, role, on)
        return JSONResponse({"unit_id": unit_id, "role": role.value, "on": on.isoformat(),
                             "person_ids": found})

    base = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            base().setdefault("components", {}).setdefault("schemas", {}).update(components)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
