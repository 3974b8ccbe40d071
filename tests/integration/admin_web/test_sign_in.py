"""Signing in to the web admin over HTTP on both databases: the emailed one-time link (one for every
network the address administers), the session cookie, timeouts, signing out, CSRF, roles and networks
sealed off from each other, the sign-in limits of their own, invitations, all audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from notifier.cli import app as cli
from notifier.db.base import utcnow
from notifier.db.models import AdminMember, AdminSession, AuditRecord, Message, Network, Subscriber
from notifier.db.session import unit_of_work
from notifier.domain.sources import AdminRole
from notifier.domain.statuses import Lane
from notifier.services.common import form_limits
from tests.integration.admin_web.support import (
    AdminWeb,
    ask_for_link,
    csrf_from,
    invite,
    make_admin_web,
    sign_in,
    use_link,
)
from tests.support.seeding import network_with_topics
from tests.support.webapp import WEB_SECRET_KEY

pytestmark = pytest.mark.dates

ALICE = "alice.admin@cabinetoffice.gov.uk"
BOB = "bob.beta@justice.gov.uk"


@pytest.fixture
def web(sessions: sessionmaker[Session]) -> AdminWeb:
    with unit_of_work(sessions) as uow:
        network_with_topics(uow.session, "alpha", ["news", "events"])
        network_with_topics(uow.session, "beta", ["news"])
    admin_web = make_admin_web(sessions)
    invite(admin_web, "alpha", ALICE, AdminRole.ADMIN, name="Alice Admin")
    invite(admin_web, "beta", BOB, AdminRole.ADMIN, name="Bob Beta")
    return admin_web


def _actions(web: AdminWeb, slug: str) -> list[tuple[str, str, dict[str, object]]]:
    with unit_of_work(web.sessions) as uow:
        network_id = uow.session.scalars(select(Network.id).where(Network.slug == slug)).one()
        rows = uow.session.execute(
            select(AuditRecord.actor, AuditRecord.action, AuditRecord.detail)
            .where(AuditRecord.network_id == network_id)
            .order_by(AuditRecord.id)
        ).all()
    return [(actor, action, detail) for actor, action, detail in rows]


def test_the_emailed_link_signs_in_once_with_a_locked_down_cookie(web: AdminWeb) -> None:
    client = web.browser()
    assert client.get("/admin/alpha", follow_redirects=False).headers["location"] == "/admin/alpha/sign-in"
    asked = ask_for_link(web, client, "alpha", ALICE)
    assert asked.status_code == 303 and asked.headers["location"] == "/admin/alpha/sign-in/check-email"
    assert [lane for *_ids, lane in web.queue.sends] == [Lane.TRANSACTIONAL]
    with unit_of_work(web.sessions) as uow:
        message = uow.session.scalars(select(Message)).one()
        assert message.email_kind == "admin_sign_in" and ALICE not in str(message.context)
    web.send_queued()
    (email,) = web.gateway.sent
    assert email.email_address == ALICE and email.reference.isdigit()  # the delivery id, no address
    assert "works once" in email.body and "15 minutes" in email.body
    path = web.last_link()
    assert client.get(path).status_code == 200  # a link scanner's GET signs nobody in
    with unit_of_work(web.sessions) as uow:
        assert not uow.session.scalars(select(AdminSession)).all()

    done = use_link(client, path)
    assert done.status_code == 303 and done.headers["location"] == "/admin/alpha"
    cookie = done.headers["set-cookie"]
    for flag in ("notifier_admin=", "HttpOnly", "Secure", "SameSite=lax", "Path=/admin", "Max-Age=43200"):
        assert flag.lower() in cookie.lower(), cookie
    dashboard = client.get("/admin/alpha")
    assert dashboard.status_code == 200 and "Alice Admin" in dashboard.text
    with unit_of_work(web.sessions) as uow:
        (row,) = uow.session.scalars(select(AdminSession)).all()
        assert row.secret_hash not in cookie  # the cookie holds the secret, the row its hash

    stolen = web.browser()  # the same link again, from another browser
    shown = stolen.get(path)
    assert shown.status_code == 400 and "already been used" in shown.text
    token = csrf_from(stolen, "/admin/alpha/sign-in")
    posted = stolen.post(path, data={"csrf_token": token}, follow_redirects=False)
    assert posted.status_code == 400 and "already been used" in posted.text
    assert "set-cookie" not in posted.headers or "notifier_admin" not in posted.headers["set-cookie"]
    assert stolen.get("/admin/alpha", follow_redirects=False).status_code == 303
    audited = _actions(web, "alpha")
    assert [action for _actor, action, _detail in audited] == [
        "admin_invited",
        "sign_in_link_sent",
        "signed_in",
        "sign_in_failed",
        "sign_in_failed",
    ]
    assert [detail for _a, action, detail in audited if action == "sign_in_failed"] == [
        {"reason": "used"}
    ] * 2
    assert all(ALICE not in str(row) and "Alice" not in str(row) for row in audited)


def test_an_unknown_address_gets_the_same_page_and_no_email(web: AdminWeb) -> None:
    client = web.browser()
    asked = ask_for_link(web, client, "alpha", "nobody@cabinetoffice.gov.uk")
    assert asked.status_code == 303 and asked.headers["location"] == "/admin/alpha/sign-in/check-email"
    assert not web.queue.sends
    for typed, shown in (("", "Enter your work email address"), ("not an address", "correct format")):
        form_error = ask_for_link(web, client, "alpha", typed)  # a form error: asked nothing, not counted
        assert form_error.status_code == 400 and shown in form_error.text
    refused = [row for row in _actions(web, "alpha") if row[1] == "sign_in_refused"]
    assert refused == [("anonymous", "sign_in_refused", {})]


def test_an_admin_of_another_network_gets_a_link_to_theirs(web: AdminWeb) -> None:
    """The page says the same either way; Bob's email lists the network he administers, not alpha."""
    client = web.browser()
    asked = ask_for_link(web, client, "alpha", BOB)
    assert asked.status_code == 303 and asked.headers["location"] == "/admin/alpha/sign-in/check-email"
    web.send_queued()
    (email,) = web.gateway.sent
    assert "Beta Network" in email.body and "Alpha Network" not in email.body
    done = use_link(client, web.last_link())
    assert done.headers["location"] == "/admin"  # the list of his networks: alpha is not one
    assert client.get("/admin/alpha", follow_redirects=False).status_code == 404


def test_one_sign_in_at_admin_reaches_every_network_of_the_address(web: AdminWeb) -> None:
    invite(web, "beta", ALICE, AdminRole.EDITOR, name="Alice Admin")
    client = web.browser()
    form = client.get("/admin")
    assert form.status_code == 200 and "Work email address" in form.text
    token = csrf_from(client, "/admin")
    asked = client.post("/admin", data={"email": ALICE, "csrf_token": token}, follow_redirects=False)
    assert asked.status_code == 303 and asked.headers["location"] == "/admin/check-email"
    web.send_queued()
    (email,) = web.gateway.sent
    assert "Alpha Network" in email.body and "Beta Network" in email.body  # one link, both networks
    done = use_link(client, web.last_link())
    assert done.status_code == 303 and done.headers["location"] == "/admin"
    listed = client.get("/admin")
    assert listed.status_code == 200 and "/admin/alpha" in listed.text and "/admin/beta" in listed.text
    assert "Alice Admin (admin)" in client.get("/admin/alpha").text
    assert "Alice Admin (editor)" in client.get("/admin/beta").text  # her role in each network
    with unit_of_work(web.sessions) as uow:
        assert len(uow.session.scalars(select(AdminSession)).all()) == 1  # one session for both
        members = uow.session.scalars(select(AdminMember).where(AdminMember.last_signed_in_at.is_not(None)))
        assert len(members.all()) == 2  # her last sign-in counts in each network
    assert [a for _, a, _ in _actions(web, "beta") if a == "signed_in"] == ["signed_in"]
    token = csrf_from(client, "/admin")
    out = client.post("/admin/sign-out", data={"csrf_token": token}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/admin?signed_out=1"
    for path in ("/admin/alpha", "/admin/beta"):
        assert client.get(path, follow_redirects=False).status_code == 303, path


def test_the_link_goes_through_the_network_asked_at(web: AdminWeb) -> None:
    """Alice holds roles in alpha and beta; asked at beta's page, the email is beta's message, so it goes
    out from beta's own Notify service when it has one (the sender uses the message's network)."""
    invite(web, "beta", ALICE, AdminRole.EDITOR, name="Alice Admin")
    client = web.browser()
    asked = ask_for_link(web, client, "beta", ALICE)
    assert asked.status_code == 303
    with unit_of_work(web.sessions) as uow:
        beta_id = uow.session.scalars(select(Network.id).where(Network.slug == "beta")).one()
        sent = uow.session.scalars(select(Message.network_id).where(Message.email_kind == "admin_sign_in"))
        assert sent.all()[-1] == beta_id


def test_sign_in_limits_count_real_requests_apart_from_the_forms(sessions: sessionmaker[Session]) -> None:
    """Per work address and per client, in their own window; form errors are not counted, and the
    lock-out page says how long to wait. The subscribe form's allowance is untouched."""
    with unit_of_work(sessions) as uow:
        network_with_topics(uow.session, "alpha", ["news"])
    web = make_admin_web(
        sessions, admin_sign_in_address_limit=2, admin_sign_in_client_limit=3,
        admin_sign_in_window_seconds=600, subscribe_rate_limit=1,
    )  # fmt: skip
    invite(web, "alpha", ALICE, AdminRole.ADMIN)
    client = web.browser()
    start = utcnow().replace(microsecond=0)
    with time_machine.travel(start, tick=False) as clock:
        for _ in range(5):
            assert ask_for_link(web, client, "alpha", "not an address").status_code == 400  # not counted
        for _ in range(2):
            assert ask_for_link(web, client, "alpha", ALICE).status_code == 303
        clock.shift(timedelta(minutes=3))
        locked = ask_for_link(web, client, "alpha", ALICE)  # the address's third request
        assert locked.status_code == 429 and "wait 7 minutes" in locked.text
        assert locked.headers["retry-after"] == "420"
        assert ask_for_link(web, client, "alpha", BOB).status_code == 303  # the client's third: allowed
        assert ask_for_link(web, client, "alpha", "x@justice.gov.uk").status_code == 429  # its fourth
        clock.shift(timedelta(minutes=7) - timedelta(seconds=1))  # one second before the window ends
        assert ask_for_link(web, client, "alpha", ALICE).status_code == 429
        clock.shift(timedelta(seconds=1))  # at the end: both first requests have left the window
        assert ask_for_link(web, client, "alpha", ALICE).status_code == 303
    with unit_of_work(web.sessions) as uow:  # the public forms' own allowance (1) was never spent here
        assert form_limits.allow_attempt(
            uow.session,
            hash_key=WEB_SECRET_KEY,
            client="testclient",
            limit=1,
            window_seconds=600,
            now=utcnow(),
        )


def test_links_and_sessions_expire(sessions: sessionmaker[Session]) -> None:
    with unit_of_work(sessions) as uow:
        network_with_topics(uow.session, "alpha", ["news"])
    web = make_admin_web(sessions, admin_session_hours=1, admin_session_idle_minutes=30)
    invite(web, "alpha", ALICE, AdminRole.EDITOR)
    client = web.browser()
    with time_machine.travel(utcnow(), tick=True) as clock:
        ask_for_link(web, client, "alpha", ALICE)
        web.send_queued()
        clock.shift(timedelta(minutes=16))
        late = client.get(web.last_link())
        assert late.status_code == 400 and "expired" in late.text

        client = sign_in(web, "alpha", ALICE)
        clock.shift(timedelta(minutes=31))  # idle too long
        assert (
            client.get("/admin/alpha", follow_redirects=False).headers["location"] == "/admin/alpha/sign-in"
        )

        client = sign_in(web, "alpha", ALICE)
        for _ in range(2):  # kept busy, but past the absolute limit at the end
            clock.shift(timedelta(minutes=25))
            assert client.get("/admin/alpha").status_code == 200
        clock.shift(timedelta(minutes=11))
        assert client.get("/admin/alpha", follow_redirects=False).status_code == 303


def test_posts_need_a_session_and_its_csrf_token(web: AdminWeb) -> None:
    anonymous = web.browser()
    refused = anonymous.post("/admin/alpha/sign-out", data={"csrf_token": "x"}, follow_redirects=False)
    assert refused.status_code == 403 and "not signed in" in refused.text
    client = sign_in(web, "alpha", ALICE)
    forged = client.post("/admin/alpha/sign-out", data={"csrf_token": "forged"}, follow_redirects=False)
    assert forged.status_code == 403 and "could not be checked" in forged.text
    assert client.get("/admin/alpha").status_code == 200  # still signed in: nothing was changed
    token = csrf_from(client, "/admin/alpha")
    out = client.post("/admin/alpha/sign-out", data={"csrf_token": token}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/admin/alpha/sign-in?signed_out=1"
    assert client.get("/admin/alpha", follow_redirects=False).status_code == 303
    with unit_of_work(web.sessions) as uow:
        (row,) = uow.session.scalars(select(AdminSession)).all()
        assert row.ended_reason == "signed_out" and row.ended_at is not None


def test_sessions_are_listed_and_revocable(web: AdminWeb) -> None:
    laptop = sign_in(web, "alpha", ALICE)
    phone = sign_in(web, "alpha", ALICE)
    listed = laptop.get("/admin/alpha/sessions")
    assert listed.status_code == 200 and listed.text.count("/revoke") == 2
    with unit_of_work(web.sessions) as uow:
        phone_id = max(uow.session.scalars(select(AdminSession.id)).all())
    token = csrf_from(laptop, "/admin/alpha/sessions")
    gone = laptop.post(
        f"/admin/alpha/sessions/{phone_id}/revoke", data={"csrf_token": token}, follow_redirects=False
    )
    assert gone.status_code == 303
    assert phone.get("/admin/alpha", follow_redirects=False).status_code == 303
    assert laptop.get("/admin/alpha").status_code == 200
    assert "session_revoked" in [action for _a, action, _d in _actions(web, "alpha")]


def test_another_networks_session_gets_404_everywhere(web: AdminWeb) -> None:
    bob = sign_in(web, "beta", BOB)
    assert bob.get("/admin/beta").status_code == 200
    for path in ("/admin/alpha", "/admin/alpha/sessions", "/admin/nowhere"):
        assert bob.get(path, follow_redirects=False).status_code == 404, path
    sign_in(web, "alpha", ALICE)
    token = csrf_from(bob, "/admin/beta")
    with unit_of_work(web.sessions) as uow:
        alpha_session_id = max(uow.session.scalars(select(AdminSession.id)).all())  # Alice's
    posted = bob.post(f"/admin/alpha/sessions/{alpha_session_id}/revoke", data={"csrf_token": token})
    assert posted.status_code == 404
    crossed = bob.post(f"/admin/beta/sessions/{alpha_session_id}/revoke", data={"csrf_token": token})
    assert crossed.status_code == 404  # not Bob's session


@pytest.mark.own_database  # the CLI opens its own engine
def test_admin_invite_from_the_cli(
    web: AdminWeb, isolated_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NOTIFIER_DATABASE_URL", isolated_database_url)
    monkeypatch.setenv("NOTIFIER_SECRET_KEY", WEB_SECRET_KEY)
    monkeypatch.setenv("NOTIFIER_TASK_QUEUE_FACTORY", "tests.support.fakes:recorded_queue")
    runner = CliRunner()
    args = ["admin", "invite", "--network", "alpha", "--email", "Cat.Editor@HMRC.gov.uk", "--name", "Cat"]
    added = runner.invoke(cli, [*args, "--role", "editor"])
    assert added.exit_code == 0 and "as editor" in added.output, added.output
    again = runner.invoke(cli, [*args, "--role", "editor"])
    assert again.exit_code == 1 and "already an admin" in again.output
    outside = runner.invoke(
        cli, ["admin", "invite", "--network", "alpha", "--email", "x@gmail.com", "--name", "X"]
    )
    assert outside.exit_code == 1 and "--email" in outside.output
    with unit_of_work(web.sessions) as uow:
        person = uow.session.scalars(
            select(Subscriber).where(Subscriber.email == "cat.editor@hmrc.gov.uk")
        ).one()
        member = uow.session.scalars(select(AdminMember).where(AdminMember.subscriber_id == person.id)).one()
        assert member.role is AdminRole.EDITOR and member.invited_by == "cli"
        invitation = uow.session.scalars(
            select(Message).where(Message.email_kind == "admin_invitation")
        ).one()
        assert invitation.context["invited_by"] == "The command line" and "cat" not in str(invitation.context)
    assert sign_in(web, "alpha", "cat.editor@hmrc.gov.uk").get("/admin/alpha").status_code == 200
