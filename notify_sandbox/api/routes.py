"""The Notify v2 API: send, read back, list, templates, preview (facts §2)."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

from notify_sandbox.api.auth import Authenticator, Caller
from notify_sandbox.api.views import notification_json, template_json
from notify_sandbox.behaviour.faults import RequestFault
from notify_sandbox.behaviour.limits import rate_limit_error
from notify_sandbox.behaviour.sandbox import SandboxState, ServiceState
from notify_sandbox.behaviour.schema import (
    PREVIEW_FIELDS,
    validate_list_query,
    validate_object,
    validate_templates_query,
)
from notify_sandbox.behaviour.sending import parse_json_body
from notify_sandbox.config.faults import TimeoutMode
from notify_sandbox.config.settings import TemplateSpec
from notify_sandbox.rendering.message import html_body
from notify_sandbox.rendering.templating import Values, fill, placeholder_names, render_subject
from notify_sandbox.state.store import FAILED_ALIAS
from notify_sandbox.transport.errors import (
    DropConnection,
    NotifyError,
    bad_request,
    internal_error,
    no_result,
    validation_errors,
)
from notify_sandbox.transport.http import Request, Response, Router

API_PAGE_SIZE = 250
AuthedHandler = Callable[[Request, Caller], Awaitable[Response]]


def register_v2(router: Router, state: SandboxState) -> None:
    api = _V2(state)
    router.add("POST", "/v2/notifications/email", api.guarded(api.send_email, is_send=True))
    router.add("POST", "/v2/notifications/sms", api.guarded(api.not_permitted("text messages"), is_send=True))
    router.add("POST", "/v2/notifications/letter", api.guarded(api.not_permitted("letters"), is_send=True))
    router.add("GET", "/v2/notifications", api.guarded(api.list_notifications))
    router.add("GET", "/v2/notifications/{id}", api.guarded(api.get_notification))
    router.add("GET", "/v2/template/{id}", api.guarded(api.get_template))
    router.add("GET", "/v2/template/{id}/version/{version:int}", api.guarded(api.get_template_version))
    router.add("POST", "/v2/template/{id}/preview", api.guarded(api.preview))
    router.add("GET", "/v2/templates", api.guarded(api.list_templates))
    router.add("GET", "/v2/received-text-messages", api.guarded(api.received_texts))


def _uuid_or_error(value: str, field: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError as e:
        raise validation_errors([f"{field} is not a valid UUID"]) from e


def _email_address(raw: bytes) -> object:
    try:
        document = json.loads(raw)
    except ValueError:
        return None
    return document.get("email_address") if isinstance(document, dict) else None


class _V2:
    def __init__(self, state: SandboxState) -> None:
        self._state = state
        self._authenticator = Authenticator(state.config.services)

    def guarded(
        self, handler: AuthedHandler, *, is_send: bool = False
    ) -> Callable[[Request], Awaitable[Response]]:
        """Latency, auth, limits and request faults around a handler, in Notify's order."""
        state = self._state
        authenticator = self._authenticator

        async def run(request: Request) -> Response:
            faults = state.faults
            if faults.applies_to(is_send) and (delay := faults.latency_seconds()):
                await asyncio.sleep(delay)
            caller = authenticator.authenticate(request.header("authorization"))
            if is_send:
                service = state.services[caller.service_id]
                if faults.throttled_now():
                    raise rate_limit_error(caller.key.key_type, service.config.rate_limit)
                service.limits.check(caller.key.key_type)
            if faults.applies_to(is_send):
                fault = faults.request_fault()
                if fault is RequestFault.SERVER_ERROR:
                    raise internal_error()
                if fault is RequestFault.RESET:
                    raise DropConnection
            return await handler(request, caller)

        return run

    def _service(self, caller: Caller) -> ServiceState:
        return self._state.services[caller.service_id]

    async def send_email(self, request: Request, caller: Caller) -> Response:
        if self._state.faults.settings.server_error_addresses and self._state.faults.fails_address(
            _email_address(request.body)
        ):
            raise internal_error()
        sender = self._service(caller).sender
        body, stored = sender.send(caller.key.key_type, request.body, request.url_root)
        response = Response.json(body, 201)
        if stored is not None and self._state.faults.times_out():
            if self._state.faults.settings.timeout_mode is TimeoutMode.DROP:
                raise DropConnection
            response.hold_seconds = self._state.faults.settings.timeout_hold_seconds
        return response

    @staticmethod
    def not_permitted(what: str) -> AuthedHandler:
        async def refuse(request: Request, caller: Caller) -> Response:
            raise bad_request(f"Service is not allowed to send {what}")

        return refuse

    async def get_notification(self, request: Request, caller: Caller) -> Response:
        notification_id = _uuid_or_error(request.path_params[0], "notification_id")
        notification = self._state.store.get(notification_id)
        if notification is None or notification.service_id != caller.service_id:
            raise no_result()  # another service's notification is "not found", as in Notify
        return Response.json(notification_json(notification, request.url_root))

    async def list_notifications(self, request: Request, caller: Caller) -> Response:
        query = request.query()
        if messages := validate_list_query(query):
            raise validation_errors(messages)
        template_types = set(query.get("template_type", []))
        statuses = _expand_statuses(query.get("status"))
        reference = query["reference"][0] if "reference" in query else None
        older_than = str(uuid.UUID(query["older_than"][0])) if "older_than" in query else None
        rows = (
            []
            if template_types and "email" not in template_types
            else self._state.store.for_api(
                caller.service_id,
                caller.key.key_type,
                statuses=statuses,
                reference=reference,
                older_than=older_than,
                limit=API_PAGE_SIZE,
            )
        )
        links = {"current": _list_url(request.url_root, query)}
        if rows:
            links["next"] = _list_url(request.url_root, {**query, "older_than": [rows[-1].id]})
        return Response.json(
            {"notifications": [notification_json(n, request.url_root) for n in rows], "links": links}
        )

    def _template(self, caller: Caller, raw_id: str) -> TemplateSpec:
        template = self._service(caller).sender.templates.get(_uuid_or_error(raw_id, "id"))
        if template is None:
            raise no_result()
        return template

    async def get_template(self, request: Request, caller: Caller) -> Response:
        template = self._template(caller, request.path_params[0])
        return Response.json(
            template_json(template, template.latest(), template.version, self._state.config.created_at)
        )

    async def get_template_version(self, request: Request, caller: Caller) -> Response:
        template = self._template(caller, request.path_params[0])
        number = int(request.path_params[1])
        version = template.at_version(number)
        if version is None:
            raise no_result()
        return Response.json(template_json(template, version, number, self._state.config.created_at))

    async def list_templates(self, request: Request, caller: Caller) -> Response:
        query = request.query()
        if messages := validate_templates_query(query):
            raise validation_errors(messages)
        wanted = query.get("type", [None])[0]
        templates = sorted(
            (
                t
                for t in self._service(caller).sender.templates.values()
                if not t.archived and (wanted is None or t.type == wanted)
            ),
            key=lambda t: (t.name, t.type),
        )
        created_at = self._state.config.created_at
        return Response.json(
            {"templates": [template_json(t, t.latest(), t.version, created_at) for t in templates]}
        )

    async def preview(self, request: Request, caller: Caller) -> Response:
        data = _preview_body(request.body)
        if messages := validate_object({**data, "id": request.path_params[0]}, PREVIEW_FIELDS):
            raise validation_errors(messages)
        template = self._template(caller, request.path_params[0])
        values = Values(data.get("personalisation"))
        if missing := values.missing(placeholder_names(template.subject, template.body)):
            raise bad_request(f"Missing personalisation: {', '.join(missing)}")
        is_email = template.type == "email"
        return Response.json(
            {
                "id": template.id,
                "type": template.type,
                "version": template.version,
                "body": fill(template.body, values).strip(),
                "html": html_body(template.body, values) if is_email else None,
                "subject": render_subject(template.subject or "", values) if template.type != "sms" else None,
                "postage": None,
            }
        )

    async def received_texts(self, request: Request, caller: Caller) -> Response:
        return Response.json(
            {
                "received_text_messages": [],
                "links": {"current": f"{request.url_root}v2/received-text-messages"},
            }
        )


def _preview_body(raw: bytes) -> dict[str, Any]:
    if not raw.strip():
        return {}
    data = parse_json_body(raw)
    if not isinstance(data, dict):
        raise NotifyError(400, [("ValidationError", f"{data!r} is not of type object".replace("'", ""))])
    return data


def _expand_statuses(statuses: list[str] | None) -> set[str] | None:
    if not statuses:
        return None
    expanded = set(statuses)
    if "failed" in expanded:
        expanded |= FAILED_ALIAS
    return expanded


def _list_url(url_root: str, query: dict[str, list[str]]) -> str:
    encoded = urlencode(query, doseq=True)
    return f"{url_root}v2/notifications" + (f"?{encoded}" if encoded else "")
