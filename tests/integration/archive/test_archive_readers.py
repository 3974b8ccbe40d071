"""The members' archive on both databases: what is kept (no reader's personalisation), who may read
what (topics, members-only topics, the "from the date they joined" choice, admins, other networks),
withdrawal, search, the private feed and its revocation, and readers' sessions."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from notifier.db.base import utcnow
from notifier.db.models import ArchiveItem, ArchiveSession, AuditRecord, Network, Subscriber
from notifier.db.session import unit_of_work
from notifier.domain.sources import AdminRole
from notifier.domain.statuses import ConsentSource, SubscriptionEndReason
from notifier.repositories import networks as network_repo
from notifier.services.archive.management import restore, set_reading_from_joining, withdraw
from notifier.services.common.links import LinkBuilder, SubscriberRef
from notifier.services.common.scope import network_by_slug
from notifier.services.subscribers.memberships import approve, request_membership
from notifier.services.subscribers.subscriptions import unsubscribe
from tests.integration.admin_web.support import csrf_from, invite
from tests.integration.archive.support import (
    AdminWeb,
    announce,
    ask_to_sign_in,
    make_admin_web,
    sign_in_reader,
)
from tests.support.seeding import network_with_topics, subscriber

READER = "rita.reader@justice.gov.uk"
MEMBER = "mo.member@justice.gov.uk"
ADMIN = "ada.admin@cabinetoffice.gov.uk"
BETA = "bea.beta@justice.gov.uk"

pytestmark = pytest.mark.dates


@pytest.fixture
def web(sessions: sessionmaker[Session]) -> AdminWeb:
    with unit_of_work(sessions) as uow:
        _alpha, topics = network_with_topics(uow.session, "alpha", ["news", "events", "members"])
        topics[2].members_only = True
        network_with_topics(uow.session, "beta", ["news"])
    return make_admin_web(sessions)


def _join(web: AdminWeb, slug: str, email: str, *topic_slugs: str, member: bool = False) -> int:
    with unit_of_work(web.sessions) as uow:
        network = network_repo.get_network_by_slug(uow.session, slug)
        assert network is not None
        topics = [network_repo.get_topic_by_slug(uow.session, network.id, t) for t in topic_slugs]
        person = subscriber(uow.session, network, email, [t for t in topics if t is not None])
        if member:
            membership = request_membership(uow.session, network, person, now=utcnow())
            approve(uow.session, network, membership.id, now=utcnow())
        return person.id


def _item_ids(page: str) -> set[int]:
    return {int(i) for i in re.findall(r'href="/archive/[a-z]+/items/(\d+)"', page)}


def test_a_kept_email_holds_no_reader_and_is_read_by_who_joined_later(web: AdminWeb) -> None:
    before = announce(web.sessions, "alpha", "news", "Spring social", "Meet us at the canteen on Friday.")
    _join(web, "alpha", READER, "news")
    with unit_of_work(web.sessions) as uow:
        item = uow.session.get_one(ArchiveItem, before)
        assert item.context == {"subject": "Spring social", "body": "Meet us at the canteen on Friday."}
    client = sign_in_reader(web, "alpha", READER)
    assert before in _item_ids(client.get("/archive/alpha").text)
    page = client.get(f"/archive/alpha/items/{before}")
    assert page.status_code == 200
    assert "canteen" in page.text
    assert "archive copy of an email sent to News" in page.text
    assert "unsubscribe" not in page.text.lower() and READER not in page.text


def test_who_may_read_what(web: AdminWeb) -> None:
    news = announce(web.sessions, "alpha", "news", "News one", "Plain news.")
    events = announce(web.sessions, "alpha", "events", "Events one", "An event.")
    secret = announce(web.sessions, "alpha", "members", "Members only", "For members.")
    other = announce(web.sessions, "beta", "news", "Beta news", "Another network.")
    _join(web, "alpha", READER, "news", "members")  # subscribed, but not a member
    _join(web, "alpha", MEMBER, "members", member=True)
    invite(web, "alpha", ADMIN, AdminRole.ADMIN, name="Ada Admin")
    _join(web, "beta", BETA, "news")

    reader = sign_in_reader(web, "alpha", READER)
    assert _item_ids(reader.get("/archive/alpha").text) == {news}
    for hidden in (events, secret, other):
        assert reader.get(f"/archive/alpha/items/{hidden}").status_code == 404
    assert reader.get("/archive/alpha?topic=members").status_code == 404
    assert reader.get("/archive/alpha/search?q=members").text.count("/items/") == 0

    member = sign_in_reader(web, "alpha", MEMBER)
    assert _item_ids(member.get("/archive/alpha").text) == {secret}

    admin = sign_in_reader(web, "alpha", ADMIN)
    assert _item_ids(admin.get("/archive/alpha").text) == {news, events, secret}
    assert admin.get(f"/archive/alpha/items/{other}").status_code == 404
    # An alpha session is not a beta session, and a beta reader never sees alpha's items.
    assert admin.get("/archive/beta", follow_redirects=False).headers["location"] == "/archive/beta/sign-in"
    beta = sign_in_reader(web, "beta", BETA)
    assert _item_ids(beta.get("/archive/beta").text) == {other}
    assert beta.get(f"/archive/beta/items/{news}").status_code == 404


def test_from_the_date_they_joined(web: AdminWeb) -> None:
    with time_machine.travel(utcnow() - timedelta(days=3), tick=False):
        old = announce(web.sessions, "alpha", "news", "Old news", "Before you came.")
    _join(web, "alpha", READER, "news")
    with time_machine.travel(utcnow() + timedelta(seconds=1), tick=False):
        new = announce(web.sessions, "alpha", "news", "New news", "After you came.")
    client = sign_in_reader(web, "alpha", READER)
    assert _item_ids(client.get("/archive/alpha").text) == {old, new}
    with unit_of_work(web.sessions) as uow:
        set_reading_from_joining(network_by_slug(uow.session, "alpha"), True, actor="cli")
    assert _item_ids(client.get("/archive/alpha").text) == {new}
    assert client.get(f"/archive/alpha/items/{old}").status_code == 404


def test_a_withdrawn_item_is_gone_for_readers_and_audited(web: AdminWeb) -> None:
    item = announce(web.sessions, "alpha", "news", "Oops", "Sent with the wrong date: zeppelin.")
    _join(web, "alpha", READER, "news")
    client = sign_in_reader(web, "alpha", READER)
    assert client.get(f"/archive/alpha/items/{item}").status_code == 200
    with unit_of_work(web.sessions) as uow:
        withdraw(
            network_by_slug(uow.session, "alpha"), item, reason="wrong date", actor="admin:7", now=utcnow()
        )
    assert client.get(f"/archive/alpha/items/{item}").status_code == 404
    assert item not in _item_ids(client.get("/archive/alpha").text)
    assert item not in _item_ids(client.get("/archive/alpha/search?q=zeppelin").text)
    with unit_of_work(web.sessions) as uow:
        record = uow.session.scalars(
            select(AuditRecord).where(AuditRecord.action == "archive.withdraw")
        ).one()
        assert (record.actor, record.object_id, record.detail) == ("admin:7", item, {"reason": "wrong date"})
        restore(network_by_slug(uow.session, "alpha"), item, actor="admin:7")
    assert client.get(f"/archive/alpha/items/{item}").status_code == 200


def test_search_finds_by_stem_and_marks_matches_escaped(web: AdminWeb) -> None:
    hit = announce(
        web.sessions, "alpha", "news", "Allotments", "Seeds & <i>soil</i>: the gardening group meets."
    )
    miss = announce(web.sessions, "alpha", "news", "Choir", "Singing on Tuesdays.")
    _join(web, "alpha", READER, "news")
    client = sign_in_reader(web, "alpha", READER)
    page = client.get("/archive/alpha/search", params={"q": "garden meeting"}).text
    assert _item_ids(page) == {hit} and miss not in _item_ids(page)
    assert "<mark>gardening</mark>" in page and "Seeds &amp;" in page and "<i>soil" not in page
    assert _item_ids(client.get("/archive/alpha/search", params={"q": '" OR * NEAR('}).text) == set()


def test_the_private_feed_lists_what_they_may_read_until_revoked(web: AdminWeb) -> None:
    item = announce(web.sessions, "alpha", "news", "Feed me", "In the feed.")
    _join(web, "alpha", READER, "news")
    client = sign_in_reader(web, "alpha", READER)
    made = client.post(
        "/archive/alpha/feed-address",
        data={"csrf_token": csrf_from(client, "/archive/alpha/feed-address")},
        follow_redirects=False,
    )
    assert made.status_code == 303
    url = re.search(
        r'id="feed-url" type="text" value="http://127.0.0.1:8000([^"]+)"',
        client.get(made.headers["location"]).text,
    )
    assert url
    feed = web.browser().get(url.group(1))  # a feed reader: no cookie
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("application/atom+xml")
    assert f"/archive/alpha/items/{item}</id>" in feed.text and "In the feed" in feed.text
    assert web.browser().get(url.group(1).replace("/alpha/", "/beta/")).status_code == 404
    # Revoked from the preferences page (its signed link, as in every email's footer).
    with unit_of_work(web.sessions) as uow:
        person = uow.session.scalars(select(Subscriber).where(Subscriber.email == READER)).one()
        manage = LinkBuilder.from_settings(web.settings).manage_token(
            SubscriberRef(person.network_id, person.id, None)
        )
    preferences = web.browser()
    page = f"/preferences/{manage}"
    assert "Stop your feed" in preferences.get(page).text
    stopped = preferences.post(
        f"{page}/archive-feed/revoke",
        data={"csrf_token": csrf_from(preferences, page)},
        follow_redirects=False,
    )
    assert stopped.status_code == 303
    assert web.browser().get(url.group(1)).status_code == 404


def test_sessions_are_separate_single_use_limited_and_end(web: AdminWeb) -> None:
    _join(web, "alpha", READER, "news")
    stranger = web.browser()
    # The same answer for an address that may not read, and no email.
    sent = len(web.gateway.sent)
    assert ask_to_sign_in(web, stranger, "alpha", "nobody@justice.gov.uk") == 303
    web.send_queued()
    assert len(web.gateway.sent) == sent
    client = sign_in_reader(web, "alpha", READER)
    cookie = next(c for c in client.cookies.jar if c.name == "notifier_reader")
    assert cookie.secure and cookie.path == "/archive/alpha" and cookie.has_nonstandard_attr("HttpOnly")
    with unit_of_work(web.sessions) as uow:
        row = uow.session.scalars(select(ArchiveSession)).one()
        assert cookie.value not in row.secret_hash and len(row.secret_hash) == 64
    # The admin pages know nothing of a reader's session.
    assert client.get("/admin/alpha", follow_redirects=False).headers["location"] == "/admin/alpha/sign-in"
    # Idle past the limit: signed out.
    idle = timedelta(days=web.settings.archive_session_idle_days)
    with time_machine.travel(utcnow() + idle + timedelta(seconds=1), tick=False):
        assert client.get("/archive/alpha", follow_redirects=False).status_code == 303
    # Leaving every topic ends reading at once, session or not.
    again = sign_in_reader(web, "alpha", READER)
    with unit_of_work(web.sessions) as uow:
        network = uow.session.scalars(select(Network).where(Network.slug == "alpha")).one()
        person = uow.session.scalars(select(Subscriber).where(Subscriber.email == READER)).one()
        unsubscribe(uow.session, network, person, topic_id=None, source=ConsentSource.FORM,
                    reason=SubscriptionEndReason.UNSUBSCRIBED, now=utcnow())  # fmt: skip
    assert again.get("/archive/alpha", follow_redirects=False).status_code == 303
    # Signing out ends the session row.
    _join(web, "alpha", MEMBER, "news")
    third = sign_in_reader(web, "alpha", MEMBER)
    out = third.post(
        "/archive/alpha/sign-out",
        data={"csrf_token": csrf_from(third, "/archive/alpha")},
        follow_redirects=False,
    )
    assert out.status_code == 303
    assert third.get("/archive/alpha", follow_redirects=False).status_code == 303
    with unit_of_work(web.sessions) as uow:
        actions = set(uow.session.scalars(select(AuditRecord.action)))
    assert {"archive.sign_in_refused", "archive.signed_in", "archive.signed_out"} <= actions
