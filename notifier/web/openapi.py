"""The published OpenAPI declares every status a route answers, with the body it really has.

FastAPI declares only the success status and its own 422. The error answers are added here, by the
kind of route, so the routers stay as they are: JSON errors (`{"detail": ...}`, a message or a list of
field problems) on the admin API, the hooks and the Notify callback; GOV.UK pages for the people-facing
routes; 400 on every route and 413 on every route with a body (`web/request_guard.py` refuses text that
is not UTF-8 and bodies over their limit before any route runs); and 503 on every route (a database
failure, `web/errors.py`). `tests/integration/contract/`
runs Schemathesis against it.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

ERROR_BODY = {"$ref": "#/components/schemas/ErrorBody"}
SCHEMAS: dict[str, Any] = {
    "Problem": {
        "title": "Problem",
        "type": "object",
        "description": "One field of the request and what is wrong with it.",
        "required": ["field", "message"],
        "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
    },
    "ErrorBody": {
        "title": "ErrorBody",
        "type": "object",
        "description": "A refusal: a message, or the fields at fault (ours, or FastAPI's validation errors).",
        "required": ["detail"],
        "properties": {
            "detail": {
                "anyOf": [
                    {"type": "string"},
                    {
                        "type": "array",
                        "items": {
                            "anyOf": [
                                {"$ref": "#/components/schemas/Problem"},
                                {"$ref": "#/components/schemas/ValidationError"},
                            ]
                        },
                    },
                ]
            }
        },
    },
}
VALIDATION_ERROR = {  # FastAPI's own, present whenever any route takes parameters; kept for a bare app
    "title": "ValidationError",
    "type": "object",
    "required": ["loc", "msg", "type"],
    "properties": {
        "loc": {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}},
        "msg": {"type": "string"},
        "type": {"type": "string"},
    },
}
DESCRIPTIONS = {
    400: "Bad request: the form has errors, the link is not valid, the body could not be read, or text "
    "in the query, form or JSON is not UTF-8 (or holds a NUL)",
    401: "No valid credentials (bearer token, signature or callback token)",
    403: "The token's role does not allow this",
    404: "No such network, object or person (also for ids out of range and other networks' objects)",
    409: "The object is not in a state that allows this",
    410: "The link has expired",
    413: "The body is too large",
    422: "The request does not fit the schema; the fields at fault are named",
    429: "Too many submissions from this client; see Retry-After",
    503: "The database could not store or read this; nothing was stored. See Retry-After",
}
FORMS_WITH_A_LIMIT = {"/subscribe/{slug}", "/join/{slug}", "/contact/{slug}"}


def _statuses(path: str, method: str, has_body: bool) -> tuple[set[int], bool]:
    """(error statuses, whether they are pages) for one operation."""
    if path.startswith("/admin/api/"):
        return {400, 401, 403, 404, 409, 422} if has_body or method != "get" else {401, 403, 404, 422}, False
    if path.startswith("/hooks/"):
        return {400, 401, 404, 413, 422}, False
    if path == "/notify/receipts":
        return {400, 401, 404, 422}, False
    if path in ("/healthz", "/metrics", "/openapi.json"):
        return set(), False
    statuses = {400, 404, 422}
    if method == "post" and path in FORMS_WITH_A_LIMIT:
        statuses.add(429)
    if method == "post" and path.startswith("/unsubscribe/"):
        statuses.add(413)
    return statuses, True


def _error(code: int, page: bool) -> dict[str, Any]:
    content: dict[str, Any] = {"application/json": {"schema": ERROR_BODY}}
    if page and code != 422:  # a GOV.UK page; FastAPI's own refusals of a malformed request stay JSON
        content["text/html"] = {"schema": {"type": "string"}}
    return {"description": DESCRIPTIONS[code], "content": content}


def declare_errors(app: FastAPI) -> None:
    plain = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = plain()
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.update(SCHEMAS)
        components.setdefault("ValidationError", VALIDATION_ERROR)
        for path, operations in schema.get("paths", {}).items():
            for method, operation in operations.items():
                has_body = "requestBody" in operation
                statuses, page = _statuses(path, method, has_body)
                guarded = {400, 413} if has_body else {400}
                responses = operation.setdefault("responses", {})
                for code in sorted(statuses | guarded | {503}):
                    responses[str(code)] = _error(code, page)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
