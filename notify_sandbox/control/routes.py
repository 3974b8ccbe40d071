"""`/_sandbox/*`: what tests and people use to look inside and to steer the sandbox. No auth: local only.

- GET    /_sandbox/outbox.json   ?to= ?reference= ?service= ?limit= (default 100, max 1000) ?cursor=
                                 ?order=newest|oldest
                                 ?render=false (skip HTML/text). Newest first by default; pass the
                                 returned `next_cursor` as `cursor` for the next page.
- GET    /_sandbox/ledger.json   counts for exactly-once checks (?to=, ?service=, ?recipients=true)
- DELETE /_sandbox/outbox        forget every notification
- GET    /_sandbox/outbox        the HTML page; POST /_sandbox/outbox/{id}/unsubscribe presses the button
- GET    /_sandbox/clock, POST /_sandbox/clock {"advance_seconds": N}
- GET    /_sandbox/faults, POST /_sandbox/faults {partial FaultSettings}, DELETE /_sandbox/faults
- POST   /_sandbox/notifications/{id}/status {"status": "technical-failure"}
- GET    /_sandbox/service.json  keys, templates, reply-to ids and limits of the first service
                                 (?service=NAME or ID for another one)
- GET    /_sandbox/services.json every hosted service, as service.json describes one

`?service=` takes a service's name or id; an unknown one is a 404.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

from notify_sandbox.behaviour.sandbox import SandboxState
from notify_sandbox.config.faults import FaultSettings
from notify_sandbox.config.settings import ServiceConfig
from notify_sandbox.control.outbox_page import outbox_page
from notify_sandbox.rendering.message import outbox_entry
from notify_sandbox.rendering.timestamps import iso
from notify_sandbox.state.store import NotificationStatus, StoredNotification
from notify_sandbox.transport.errors import AppLevelError
from notify_sandbox.transport.http import Request, Response, Router

DEFAULT_OUTBOX_LIMIT = 100
MAX_OUTBOX_LIMIT = 1000
PAGE_LIMIT = 50


def register_control(router: Router, state: SandboxState) -> None:
    control = _Control(state)
    router.add("GET", "/_sandbox/outbox.json", control.outbox_json)
    router.add("GET", "/_sandbox/ledger.json", control.ledger)
    router.add("DELETE", "/_sandbox/outbox", control.clear)
    router.add("GET", "/_sandbox/outbox", control.page)
    router.add("POST", "/_sandbox/outbox/{id}/unsubscribe", control.unsubscribe)
    router.add("GET", "/_sandbox/clock", control.clock)
    router.add("POST", "/_sandbox/clock", control.advance_clock)
    router.add("GET", "/_sandbox/faults", control.faults)
    router.add("POST", "/_sandbox/faults", control.change_faults)
    router.add("DELETE", "/_sandbox/faults", control.clear_faults)
    router.add("POST", "/_sandbox/notifications/{id}/status", control.force_status)
    router.add("GET", "/_sandbox/service.json", control.service)
    router.add("GET", "/_sandbox/services.json", control.services)
    router.add("GET", "/_sandbox/health", control.health)


def _bad(message: str, status: int = 400) -> AppLevelError:
    return AppLevelError(status, message)


def _int_param(request: Request, name: str, default: int | None, maximum: int | None = None) -> int | None:
    raw = request.query_value(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as e:
        raise _bad(f"{name} must be a whole number") from e
    if value < 0:
        raise _bad(f"{name} must not be negative")
    return min(value, maximum) if maximum is not None else value


def _json_object(request: Request) -> dict[str, Any]:
    try:
        data = json.loads(request.body or b"{}")
    except ValueError as e:
        raise _bad("the body must be JSON") from e
    if not isinstance(data, dict):
        raise _bad("the body must be a JSON object")
    return data


class _Control:
    def __init__(self, state: SandboxState) -> None:
        self._state = state

    def _chosen_service(self, request: Request) -> ServiceConfig | None:
        """The `?service=` (name or id) asked for, None when not asked; unknown ones are a 404."""
        wanted = request.query_value("service")
        return self._state.service_named(wanted).config if wanted else None

    def _entries(self, request: Request, default_limit: int) -> tuple[list[StoredNotification], int | None]:
        limit = _int_param(request, "limit", default_limit, MAX_OUTBOX_LIMIT) or 0
        chosen = self._chosen_service(request)
        order = request.query_value("order") or "newest"
        if order not in ("newest", "oldest"):
            raise _bad("order must be newest or oldest")
        rows = self._state.store.outbox(
            to=request.query_value("to") or None,
            reference=request.query_value("reference") or None,
            cursor=_int_param(request, "cursor", None),
            limit=limit,
            oldest_first=order == "oldest",
            service_id=chosen.service_id if chosen else None,
        )
        next_cursor = rows[-1].seq if rows and len(rows) == limit else None
        return rows, next_cursor

    async def outbox_json(self, request: Request) -> Response:
        rows, next_cursor = self._entries(request, DEFAULT_OUTBOX_LIMIT)
        render = (request.query_value("render") or "true").lower() not in ("false", "0", "no")
        state = self._state
        return Response.json(
            {
                "entries": [outbox_entry(n, state.service_of(n.service_id), render=render) for n in rows],
                "next_cursor": next_cursor,
                "total": len(self._state.store),
            }
        )

    async def ledger(self, request: Request) -> Response:
        include = (request.query_value("recipients") or "").lower() in ("true", "1", "yes")
        chosen = self._chosen_service(request)
        return Response.json(
            self._state.store.ledger(
                to=request.query_value("to") or None,
                include_recipients=include,
                service_id=chosen.service_id if chosen else None,
            )
        )

    async def clear(self, request: Request) -> Response:
        cleared = len(self._state.store)
        self._state.store.clear()
        return Response.json({"cleared": cleared})

    async def page(self, request: Request) -> Response:
        rows, next_cursor = self._entries(request, PAGE_LIMIT)
        chosen = self._chosen_service(request)
        return Response.html(outbox_page(rows, self._state.config, next_cursor, request.query(), chosen))

    async def unsubscribe(self, request: Request) -> Response:
        notification = self._state.store.get(request.path_params[0])
        if notification is None or not notification.one_click_unsubscribe_url:
            raise _bad("no such email with a List-Unsubscribe header", 404)
        notification.unsubscribe_result = await self._state.unsubscriber.post(
            notification.one_click_unsubscribe_url
        )
        return Response.redirect(f"/_sandbox/outbox#n-{notification.id}")

    async def clock(self, request: Request) -> Response:
        clock = self._state.clock
        return Response.json({"now": iso(clock.now()), "offset_seconds": clock.offset_seconds})

    async def advance_clock(self, request: Request) -> Response:
        seconds = _json_object(request).get("advance_seconds")
        if not isinstance(seconds, int | float) or isinstance(seconds, bool) or seconds < 0:
            raise _bad("advance_seconds must be a number of seconds, not negative")
        self._state.clock.advance(float(seconds))
        self._state.lifecycle.wake()
        return await self.clock(request)

    async def faults(self, request: Request) -> Response:
        return Response.json(self._state.faults.settings.model_dump(mode="json"))

    async def change_faults(self, request: Request) -> Response:
        try:
            self._state.faults.update(_json_object(request))
        except ValidationError as e:
            raise _bad(f"invalid faults: {e.errors(include_url=False)}") from e
        return await self.faults(request)

    async def clear_faults(self, request: Request) -> Response:
        self._state.faults.replace(FaultSettings())
        return await self.faults(request)

    async def force_status(self, request: Request) -> Response:
        notification = self._state.store.get(request.path_params[0])
        if notification is None:
            raise _bad("no such notification", 404)
        try:
            status = NotificationStatus(str(_json_object(request).get("status")))
        except ValueError as e:
            raise _bad(f"status must be one of {[s.value for s in NotificationStatus]}") from e
        self._state.lifecycle.force(notification, status)
        return Response.json({"id": notification.id, "status": notification.status.value})

    async def service(self, request: Request) -> Response:
        return Response.json(_service_json(self._chosen_service(request) or self._state.config))

    async def services(self, request: Request) -> Response:
        return Response.json({"services": [_service_json(s) for s in self._state.config.services]})

    async def health(self, request: Request) -> Response:
        return Response.json(
            {
                "ok": True,
                "stored": len(self._state.store),
                "pending_events": self._state.lifecycle.pending_events(),
                "callbacks_in_flight": self._state.lifecycle.callbacks_in_flight(),
            }
        )


def _service_json(config: ServiceConfig) -> dict[str, Any]:
    return {
        "name": config.name,
        "service_id": config.service_id,
        "service_name": config.service_name,
        "from_email": config.from_address,
        "trial_mode": config.trial_mode,
        "rate_limit": config.rate_limit,
        "daily_limit": config.effective_daily_limit,
        "keys": [
            {
                "name": k.name,
                "key_type": k.key_type.value,
                "revoked": k.revoked,
                "key": f"{k.name}-{config.service_id}-{k.secret}",
            }
            for k in config.api_keys
        ],
        "templates": [
            {"id": t.id, "name": t.name, "type": t.type, "version": t.version} for t in config.all_templates()
        ],
        "reply_to": [r.model_dump() for r in config.reply_to],
        "team_members": list(config.team_members),
        "guest_list": list(config.guest_list),
        "callback_url": config.callback_url,
    }
