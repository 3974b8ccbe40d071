"""Revoked means revoked, on both databases: once an admin is removed, nothing they had still works. The
test lists everything they could reach before (their web session, an emailed sign-in link, the token
they made on the web admin for someone else, a token held in their name) and checks that the list is
empty after; their tokens answer 401. A web session is the person's, checked against their roles on
every request: it reaches no network where they hold no live role. Lowering a role revokes their
tokens above the new role, and erasing an admin revokes theirs as removal does."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from notifier.db.models import AdminMember, AdminSession, ApiToken, Subscriber
from notifier.db.session import unit_of_work
from notifier.domain.sources import AdminRole
from notifier.repositories import admins as admin_repo
from notifier.repositories import networks as network_repo
from notifier.services.privacy.erasure import erase_subscribers
from tests.integration.admin_web.support import (
    AdminWeb,
    ask_for_link,
    csrf_from,
    invite,
    make_admin_web,
    sign_in,
    use_link,
)
from tests.support.seeding import issue_test_token, network_with_topics

ALICE = "alice.admin@cabinetoffice.gov.uk"
BEN = "ben.admin@cabinetoffice.gov.uk"
CY = "cy.approver@cabinetoffice.gov.uk"
BOT = "site.bot@cabinetoffice.gov.uk"
API = "/admin/api/networks/alpha"
SECRET = re.compile(r"ntf_[A-Za-z0-9_\-]+")


@pytest.fixture
def web(sessions: sessionmaker[Session]) -> AdminWeb:
    with unit_of_work(sessions) as uow:
        network_with_topics(uow.session, "alpha", ["news"])
    admin_web = make_admin_web(sessions)
    invite(admin_web, "alpha", ALICE, AdminRole.ADMIN, name="Alice Admin")
    invite(admin_web, "alpha", BEN, AdminRole.ADMIN, name="Ben Admin")
    # A third who can approve: without Ben (or with Ben an editor) the team keeps two approvers.
    invite(admin_web, "alpha", CY, AdminRole.APPROVER, name="Cy Approver")
    return admin_web


def _cli_token(web: AdminWeb, holder: str, role: AdminRole = AdminRole.ADMIN) -> str:
    with unit_of_work(web.sessions) as uow:
        network = network_repo.get_network_by_slug(uow.session, "alpha")
        assert network is not None
        return issue_test_token(uow.session, network, role, holder, "cli").secret


def _made_on_the_web(web: AdminWeb, client: TestClient, role: AdminRole) -> str:
    page = "/admin/alpha/settings"
    fields = {"csrf_token": csrf_from(client, page), "label": "Site CI", "email": BOT, "role": role.value}
    made = client.post(f"{page}/tokens", data=fields)
    assert made.status_code == 200, made.text
    found = SECRET.search(made.text)
    assert found, made.text
    return found.group(0)


def _answers(client: TestClient, secret: str) -> tuple[int, int]:
    """(reading messages, changing branding) with this token."""
    bearer = {"Authorization": f"Bearer {secret}"}
    read = client.get(f"{API}/messages", headers=bearer).status_code
    changed = client.put(f"{API}/branding", json={"colour": "#5b2c86"}, headers=bearer).status_code
    return read, changed


def _signs_in(client: TestClient, link: str) -> bool:
    """Whether the emailed link still opens a session (its page offers the button, and pressing it works)."""
    page = client.get(link)
    if page.status_code != 200 or 'name="csrf_token"' not in page.text:
        return False
    return use_link(client, link).headers.get("location") == "/admin/alpha"


def _admin(web: AdminWeb, email: str) -> AdminMember:
    with unit_of_work(web.sessions) as uow:
        return uow.session.scalars(
            select(AdminMember)
            .join(Subscriber, Subscriber.id == AdminMember.subscriber_id)
            .where(Subscriber.email == email)
        ).one()


def _live_tokens_and_sessions(web: AdminWeb, admin: AdminMember) -> list[str]:
    """What the database would still honour for this admin in their network: live tokens they made or
    hold, and their person's live sessions while they hold a live role there."""
    with unit_of_work(web.sessions) as uow:
        tokens = uow.session.scalars(
            select(ApiToken.label).where(
                ApiToken.network_id == admin.network_id,
                ApiToken.revoked_at.is_(None),
                (ApiToken.created_by_admin_id == admin.id) | (func.lower(ApiToken.holder_email) == BEN),
            )
        ).all()
        email_hash = uow.session.get_one(Subscriber, admin.subscriber_id).email_hash
        sessions = uow.session.scalars(
            select(AdminSession.id).where(
                AdminSession.email_hash == email_hash, AdminSession.ended_at.is_(None)
            )
        ).all()
        reaches = admin_repo.role_of_address(uow.session, admin.network_id, email_hash) is not None
    return [f"token {label}" for label in tokens] + [f"session {s}" for s in sessions if reaches]


def test_a_removed_admin_can_reach_nothing(web: AdminWeb) -> None:
    alice, ben = sign_in(web, "alpha", ALICE), sign_in(web, "alpha", BEN)
    made = _made_on_the_web(web, ben, AdminRole.ADMIN)  # for the site's CI, held by someone else
    held = _cli_token(web, BEN.upper())  # issued by the CLI in Ben's name
    alices = _cli_token(web, ALICE)
    draft = "/admin/alpha/announcements/new"  # written as himself, signed in: no token is made for it
    fields = {"csrf_token": csrf_from(ben, draft), "topic": "news", "subject": "Hi", "body": "Hello"}
    assert ben.post(draft, data=fields, follow_redirects=False).status_code == 303
    assert ask_for_link(web, web.browser(), "alpha", BEN).status_code == 303
    web.send_queued()
    unused_link = web.last_link()
    api = web.browser()
    assert _answers(api, made) == (200, 200) and _answers(api, held) == (200, 200)
    ben_admin = _admin(web, BEN)
    assert len(_live_tokens_and_sessions(web, ben_admin)) == 3  # two tokens and his session

    team = "/admin/alpha/team"
    removed = alice.post(
        f"{team}/{ben_admin.id}/remove",
        data={"csrf_token": csrf_from(alice, team), "confirmed": "yes"},
        follow_redirects=False,
    )
    assert removed.status_code == 303

    reach = {
        "his web session": ben.get("/admin/alpha", follow_redirects=False).status_code == 200,
        "his emailed sign-in link": _signs_in(web.browser(), unused_link),
        "the token he made, to read": _answers(api, made)[0] == 200,
        "the token he made, to change": _answers(api, made)[1] == 200,
        "the token in his name, to read": _answers(api, held)[0] == 200,
        "the token in his name, to change": _answers(api, held)[1] == 200,
    }
    assert [what for what, reached in reach.items() if reached] == []
    assert _answers(api, made) == (401, 401) and _answers(api, held) == (401, 401)
    assert _live_tokens_and_sessions(web, ben_admin) == []
    assert _answers(api, alices) == (200, 200)  # nobody else's access changed
    assert alice.get("/admin/alpha").status_code == 200


def test_lowering_a_role_revokes_their_tokens_above_it(web: AdminWeb) -> None:
    alice, ben = sign_in(web, "alpha", ALICE), sign_in(web, "alpha", BEN)
    made_admin = _made_on_the_web(web, ben, AdminRole.ADMIN)
    made_editor = _made_on_the_web(web, ben, AdminRole.EDITOR)
    held_admin = _cli_token(web, BEN, AdminRole.ADMIN)  # tokens never have the approver role
    held_editor = _cli_token(web, BEN, AdminRole.EDITOR)
    team = "/admin/alpha/team"
    changed = alice.post(
        f"{team}/{_admin(web, BEN).id}/role",
        data={"csrf_token": csrf_from(alice, team), "role": "editor"},
        follow_redirects=False,
    )
    assert changed.status_code == 303
    api = web.browser()
    bearer = {"Authorization": f"Bearer {made_admin}"}
    assert api.get(f"{API}/messages", headers=bearer).status_code == 401
    bearer = {"Authorization": f"Bearer {held_admin}"}
    assert api.get(f"{API}/messages", headers=bearer).status_code == 401
    for still in (made_editor, held_editor):
        assert api.get(f"{API}/messages", headers={"Authorization": f"Bearer {still}"}).status_code == 200
    assert ben.get("/admin/alpha/announcements/new").status_code == 200  # still an editor


def test_erasing_an_admin_revokes_their_tokens(web: AdminWeb) -> None:
    ben = sign_in(web, "alpha", BEN)
    made, held = _made_on_the_web(web, ben, AdminRole.ADMIN), _cli_token(web, BEN)
    ben_admin = _admin(web, BEN)
    with unit_of_work(web.sessions) as uow:
        erase_subscribers(uow.session, ben_admin.network_id, [ben_admin.subscriber_id])
    api = web.browser()
    for secret in (made, held):
        assert api.get(f"{API}/messages", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    assert ben.get("/admin/alpha", follow_redirects=False).status_code != 200
