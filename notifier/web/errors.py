"""What the web app answers when the database fails: 503, with nothing stored and nothing logged
that a person could be found by (SQLAlchemy's message would carry the statement's parameters)."""

from __future__ import annotations

import structlog
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError

log = structlog.get_logger(__name__)

RETRY_AFTER_SECONDS = 30


async def _database_failed(request: Request, exc: Exception) -> JSONResponse:
    # The unit of work rolled back before this runs, so nothing of the request was stored.
    route = request.scope.get("route")
    log.error(
        "web.database_error",
        error=type(exc).__name__,
        dbapi_error=type(getattr(exc, "orig", None)).__name__,
        route=getattr(route, "path", "?"),
    )
    return JSONResponse(
        {"detail": "The service could not store this request. Nothing was stored; try again shortly."},
        status_code=503,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def add_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DBAPIError, _database_failed)
