"""Text that is not UTF-8 (or holds a NUL) in a form, JSON or query string is refused with 400 naming
the field, and nothing is stored; bodies over their limit get 413; good text of any script passes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from notifier.db.models import Announcement, Signup, Subscriber
from notifier.db.session import unit_of_work
from notifier.web.request_guard import HAS_NUL, MAX_BODY_BYTES, MAX_UPLOAD_BYTES, NOT_TEXT
from tests.integration.subscribers.forms import csrf_from
from tests.support.admin_api import API, Admins, build_admins

FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def admins(sessions: sessionmaker[Session]) -> Admins:
    return build_admins(sessions)


def _counts(sessions: sessionmaker[Session]) -> tuple[int, int, int]:
    with unit_of_work(sessions) as uow:
        return tuple(  # type: ignore[return-value]
            uow.session.scalar(select(func.count()).select_from(t)) or 0
            for t in (Subscriber, Signup, Announcement)
        )


def _signup_body(admins: Admins, name: bytes) -> bytes:
    fields = {
        "email": "pat.lee@dept.gov.uk",
        "department": "Ministry of Justice",
        "topics": "news",
        "frequency": "immediate",
        "consent": "yes",
        "csrf_token": csrf_from(admins.web.client, "/subscribe/alpha"),
    }
    return b"name=" + name + b"&" + urlencode(fields).encode()


@pytest.mark.parametrize(
    ("raw_name", "message"),
    [
        (b"%FF%FE%80", NOT_TEXT),  # the report's case
        (b"\xff\xfe", NOT_TEXT),  # the same bytes sent raw
        (b"Pat%00Lee", HAS_NUL),
    ],
)
def test_a_form_field_that_is_not_text_is_refused_and_nothing_is_stored(
    admins: Admins, sessions: sessionmaker[Session], raw_name: bytes, message: str
) -> None:
    before = _counts(sessions)
    answer = admins.web.client.post(
        "/subscribe/alpha", content=_signup_body(admins, raw_name), headers={"Content-Type": FORM}
    )
    assert answer.status_code == 400
    assert answer.json() == {"detail": [{"field": "name", "message": message}]}
    assert _counts(sessions) == before
    assert admins.web.queue.sends == [] and admins.web.queue.fanouts == []


def test_text_in_any_script_is_accepted(admins: Admins, sessions: sessionmaker[Session]) -> None:
    name = "Zoë Ōkubo-Ní Bhriain 😀".encode()
    answer = admins.web.client.post(
        "/subscribe/alpha",
        content=_signup_body(admins, urlencode({"n": name})[2:].encode()),
        headers={"Content-Type": FORM},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    with unit_of_work(sessions) as uow:
        stored = uow.session.scalars(select(Subscriber.name).where(Subscriber.email == "pat.lee@dept.gov.uk"))
        assert stored.one() == name.decode()


def _announce(admins: Admins, raw: bytes) -> int:
    headers = {**admins.editor, "Content-Type": "application/json"}  # an editor's token writes drafts
    return admins.web.client.post(f"{API}/announcements", content=raw, headers=headers).status_code


@pytest.mark.parametrize(
    "subject",
    [rb'"Half \ud83d a pair"', rb'"Low \ude00 alone"', rb'"A \u0000 NUL"', b'"\xff\xfe"'],
)
def test_json_that_is_not_text_is_refused_and_nothing_is_stored(
    admins: Admins, sessions: sessionmaker[Session], subject: bytes
) -> None:
    before = _counts(sessions)
    raw = b'{"topic": "news", "subject": ' + subject + b', "body": "Words."}'
    assert _announce(admins, raw) == 400
    assert _counts(sessions) == before


def test_json_with_escaped_text_in_any_script_is_accepted(
    admins: Admins, sessions: sessionmaker[Session]
) -> None:
    body = json.dumps({"topic": "news", "subject": "Ōkubo 😀 \\u0000 is words", "body": "Words."})
    assert "\\ud83d\\ude00" in body  # json.dumps escapes the emoji as a surrogate pair
    assert _announce(admins, body.encode()) == 201


def test_a_query_string_that_is_not_text_is_refused(admins: Admins) -> None:
    answer = admins.web.client.get("/accessibility?network=%FF")
    assert answer.status_code == 400
    assert answer.json()["detail"] == [{"field": "network", "message": NOT_TEXT}]
    assert admins.web.client.get("/accessibility?network=alpha").status_code == 200


def test_a_multipart_text_field_that_is_not_text_is_refused(admins: Admins) -> None:
    boundary = "b0undary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="topic"\r\n\r\n'.encode()
        + b"\xff\xfe"
        + f'\r\n--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="p.csv"\r\n'
        f"Content-Type: text/csv\r\n\r\n".encode()
        + b"\xff binary is the route's to judge\r\n"
        + f"--{boundary}--\r\n".encode()
    )
    answer = admins.web.client.post(
        "/admin/alpha/import",
        content=body,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert answer.status_code == 400
    assert answer.json()["detail"] == [{"field": "topic", "message": NOT_TEXT}]


def _chunks(total: int) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        yield b"x" * 65_536
        sent += 65_536


def test_a_body_over_its_limit_is_refused_whether_declared_or_streamed(admins: Admins) -> None:
    too_big = b'{"a": "' + b"x" * MAX_BODY_BYTES + b'"}'
    declared = admins.web.client.post(
        f"{API}/announcements",
        content=too_big,
        headers={**admins.editor, "Content-Type": "application/json"},
    )
    assert declared.status_code == 413
    assert declared.json()["detail"] == f"The request body is over {MAX_BODY_BYTES} bytes (the limit)"
    streamed = admins.web.client.post(
        "/contact/alpha", content=_chunks(MAX_BODY_BYTES + 1), headers={"Content-Type": FORM}
    )
    assert streamed.status_code == 413
    upload = admins.web.client.post(
        "/admin/alpha/import",
        content=_chunks(MAX_UPLOAD_BYTES + 1),
        headers={"Content-Type": "multipart/form-data; boundary=x"},
    )
    assert upload.status_code == 413
