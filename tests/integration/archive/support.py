"""Driving the members' archive over HTTP as a browser without JavaScript would: the sign-in link
comes out of the email the real Sender composes, every form's token out of its page."""

from __future__ import annotations

import re
from datetime import datetime

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from notifier.db.models import Network, Topic
from notifier.db.session import unit_of_work
from notifier.repositories import networks as network_repo
from notifier.repositories.archive import item_by_key
from notifier.services.sources import publishing
from tests.integration.admin_web.support import AdminWeb, csrf_from, make_admin_web
from tests.support.fakes import RecordingQueue

READER_LINK = re.compile(r"http://127\.0\.0\.1:8000(/archive/[a-z0-9-]+/sign-in/[A-Za-z0-9_.\-]+)")

__all__ = ["AdminWeb", "announce", "ask_to_sign_in", "make_admin_web", "reader_link", "sign_in_reader"]


def announce(sessions: sessionmaker[Session], slug: str, topic_slug: str, subject: str, body: str) -> int:
    """An announcement sent now to one topic, through the publishing service; its archive item's id."""
    with unit_of_work(sessions) as uow:
        network = network_repo.get_network_by_slug(uow.session, slug)
        assert network is not None
        topic = network_repo.get_topic_by_slug(uow.session, network.id, topic_slug)
        assert isinstance(topic, Topic) and isinstance(network, Network)
        message = publishing.announce(uow, RecordingQueue(), network, topic, subject=subject, body=body)
        item = item_by_key(uow.session, network.id, f"event:{message.event_id}")
        assert item is not None
        return item.id


def ask_to_sign_in(web: AdminWeb, client: TestClient, slug: str, email: str) -> int:
    token = csrf_from(client, f"/archive/{slug}/sign-in")
    answer = client.post(
        f"/archive/{slug}/sign-in", data={"email": email, "csrf_token": token}, follow_redirects=False
    )
    return answer.status_code


def reader_link(web: AdminWeb) -> str:
    found = READER_LINK.search(web.gateway.sent[-1].body)
    assert found, web.gateway.sent[-1].body
    return found.group(1)


def sign_in_reader(web: AdminWeb, slug: str, email: str, *, at: datetime | None = None) -> TestClient:
    client = web.browser()
    sent_before = len(web.gateway.sent)
    assert ask_to_sign_in(web, client, slug, email) == 303
    web.send_queued()
    assert len(web.gateway.sent) == sent_before + 1, "no sign-in email was sent"
    path = reader_link(web)
    done = client.post(path, data={"csrf_token": csrf_from(client, path)}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == f"/archive/{slug}", done.text
    return client
