"""Notify's two error shapes: the v2 one for handled errors, and Flask's app-level one for routing."""

from __future__ import annotations

from typing import Any

NOT_FOUND_MESSAGE = (
    "The requested URL was not found on the server. If you entered the URL manually "
    "please check your spelling and try again."
)
METHOD_NOT_ALLOWED_MESSAGE = "The method is not allowed for the requested URL."


class NotifyError(Exception):
    """An error answered in the v2 shape `{"status_code": N, "errors": [{"error", "message"}, ...]}`."""

    def __init__(self, status_code: int, errors: list[tuple[str, str]]) -> None:
        super().__init__(errors[0][1] if errors else "")
        self.status_code = status_code
        self.errors = errors

    @classmethod
    def one(cls, status_code: int, error: str, message: str) -> NotifyError:
        return cls(status_code, [(error, message)])

    def body(self) -> dict[str, Any]:
        return {
            "status_code": self.status_code,
            "errors": [{"error": error, "message": message} for error, message in self.errors],
        }


def auth_error(status_code: int, message: str) -> NotifyError:
    return NotifyError.one(status_code, "AuthError", message)


def bad_request(message: str) -> NotifyError:
    return NotifyError.one(400, "BadRequestError", message)


def validation_errors(messages: list[str]) -> NotifyError:
    return NotifyError(400, [("ValidationError", m) for m in messages])


def no_result() -> NotifyError:
    return NotifyError.one(404, "NoResultFound", "No result found")


def internal_error() -> NotifyError:
    return NotifyError.one(500, "InternalServerError", "Internal server error")


class AppLevelError(Exception):
    """Routing errors, answered by Flask at app level as `{"result": "error", "message": ...}`."""

    def __init__(self, status_code: int, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message

    def body(self) -> dict[str, Any]:
        return {"result": "error", "message": self.message}


class DropConnection(Exception):
    """Raised by a handler to reset the client's connection instead of answering (fault injection)."""
