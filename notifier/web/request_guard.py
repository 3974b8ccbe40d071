"""One guard in front of every route: a request body is bounded in size, and what a route will read as
text (the query string, a form's fields, JSON) must be UTF-8 without NUL characters.

Starlette reads a form field that is not UTF-8 as Latin-1 and a query string with replacement
characters, so `name=%FF%FE%80` would be stored as mojibake; PostgreSQL cannot store a NUL at all. Both
are refused here with 400, naming the field, before any route runs, so nothing is stored. A body over
its limit is refused with 413 before it is read (by its Content-Length) or as soon as it passes the
limit. The checked body is handed on to the app unchanged. Files in a multipart form are the route's
to read (the CSV import checks its own encoding); their size counts towards the limit.
"""

from __future__ import annotations

import re
from urllib.parse import unquote_to_bytes

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from notifier.services.subscribers.import_files import MAX_IMPORT_BYTES

MAX_BODY_BYTES = 1024 * 1024
MAX_UPLOAD_BYTES = MAX_IMPORT_BYTES + 256 * 1024  # multipart: the CSV import's file and its fields
_JSON_ESCAPE = re.compile(rb"\\(?:u([0-9a-fA-F]{4})|.)", re.DOTALL)
NOT_TEXT = "is not valid UTF-8 text"
HAS_NUL = "contains a NUL character, which cannot be stored"


class RequestRefused(Exception):
    def __init__(self, status: int, detail: str | list[dict[str, str]]) -> None:
        super().__init__(detail)
        self.status, self.detail = status, detail


def _refuse_field(field: str, message: str) -> RequestRefused:
    return RequestRefused(400, [{"field": field, "message": message}])


def check_text(field: str, raw: bytes) -> str:
    """The field's text; refused when it is not UTF-8 or holds a NUL."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _refuse_field(field, NOT_TEXT) from None
    if "\x00" in text:
        raise _refuse_field(field, HAS_NUL)
    return text


def check_urlencoded(raw: bytes, *, where: str) -> None:
    """A query string or form body: every name and value, once percent-decoded."""
    for pair in raw.split(b"&"):
        name, _, value = pair.partition(b"=")
        decoded_name = check_text(where, unquote_to_bytes(name.replace(b"+", b" ")))
        check_text(decoded_name or where, unquote_to_bytes(value.replace(b"+", b" ")))


def check_json(raw: bytes) -> None:
    """UTF-8, and no escape that names a NUL or half a surrogate pair (neither can be stored)."""
    check_text("body", raw)
    half_pair = _refuse_field("body", f"{NOT_TEXT} (half a surrogate pair)")
    low_due_at = -1  # after a high surrogate: where its low half must start
    for escape in _JSON_ESCAPE.finditer(raw):
        code = int(escape.group(1), 16) if escape.group(1) else -1
        is_low = 0xDC00 <= code <= 0xDFFF
        if is_low != (low_due_at >= 0) or (is_low and escape.start() != low_due_at):
            raise half_pair
        if code == 0:
            raise _refuse_field("body", HAS_NUL)
        low_due_at = escape.end() if 0xD800 <= code <= 0xDBFF else -1
    if low_due_at >= 0:
        raise half_pair


def check_multipart(raw: bytes, content_type: str) -> None:
    """Each field that is not a file: its name and value. A malformed body is left for the form
    parser to refuse, as it does."""
    _, options = parse_options_header(content_type)
    boundary = options.get(b"boundary")
    if not boundary:
        return
    for name, value in _text_parts(raw, boundary):
        field = check_text("form field name", name) or "form field"
        check_text(field, value)


class _TextParts:
    """python-multipart's callbacks, keeping (name, value) of each part that is not a file."""

    def __init__(self) -> None:
        self.found: list[tuple[bytes, bytes]] = []
        self.header_name, self.header_value, self.disposition = b"", b"", b""
        self.data = bytearray()

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self.header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self.header_value += data[start:end]

    def on_header_end(self) -> None:
        if self.header_name.strip().lower() == b"content-disposition":
            self.disposition = self.header_value
        self.header_name = self.header_value = b""

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        self.data.extend(data[start:end])

    def on_part_end(self) -> None:
        _, options = parse_options_header(self.disposition)
        if b"filename" not in options:
            self.found.append((options.get(b"name", b""), bytes(self.data)))
        self.disposition, self.data = b"", bytearray()


def _text_parts(raw: bytes, boundary: bytes) -> list[tuple[bytes, bytes]]:
    parts = _TextParts()
    callbacks = {
        name: getattr(parts, name)
        for name in ("on_header_field", "on_header_value", "on_header_end", "on_part_data", "on_part_end")
    }
    try:
        parser = MultipartParser(boundary, callbacks)  # type: ignore[arg-type]
        parser.write(raw)
        parser.finalize()
    except MultipartParseError:
        pass  # malformed: the route's form parser refuses it as it always has
    return parts.found


def check_body(content_type: str, raw: bytes) -> None:
    kind = content_type.split(";", 1)[0].strip().lower()
    if kind == "application/x-www-form-urlencoded":
        check_urlencoded(raw, where="form field")
    elif kind == "application/json" or kind.endswith("+json"):
        check_json(raw)
    elif kind == "multipart/form-data":
        check_multipart(raw, content_type)


async def _read_body(receive: Receive, limit: int) -> bytes:
    body = bytearray()
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return bytes(body)  # the client went away; the app sees an empty body
        body.extend(message.get("body", b""))
        if len(body) > limit:
            raise RequestRefused(413, f"The request body is over {limit} bytes (the limit)")
        if not message.get("more_body", False):
            return bytes(body)


class RequestGuard:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        content_type = headers.get("content-type", "")
        limit = MAX_UPLOAD_BYTES if content_type.lower().startswith("multipart/") else MAX_BODY_BYTES
        try:
            check_urlencoded(scope.get("query_string", b""), where="query")
            declared = headers.get("content-length", "")
            if declared.isascii() and declared.isdigit() and int(declared) > limit:
                raise RequestRefused(413, f"The request body is over {limit} bytes (the limit)")
            body = await _read_body(receive, limit)
            check_body(content_type, body)
        except RequestRefused as refused:
            await JSONResponse({"detail": refused.detail}, status_code=refused.status)(scope, receive, send)
            return
        await self.app(scope, _replay(body, receive), send)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()  # after the body: the disconnect, when it comes
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay
