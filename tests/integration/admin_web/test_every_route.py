"""Every admin page route of a network, found from the app itself (so a new page cannot slip
through): a POST without a session is refused, a GET without one goes to the sign-in page, another
network's admin gets 404 on every one of them, another network's ids in this network's pages are 404
and change nothing, and an id no row can have (0, -1, 2^63, 10^30) is 404. (The pages of no network,
`/admin` and its sign-in link, are the sign-in tests'.)"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.routing import APIRoute
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from notifier.db.base import Base, utcnow
from notifier.db.models import AdminMember, AdminSession, ApiToken, ArchiveItem, ContentPage, Message, Network
from notifier.db.session import UnitOfWork, unit_of_work
from notifier.domain.rights import DataRequestKind
from notifier.domain.sources import AdminRole
from notifier.repositories import networks as network_repo
from notifier.services.common.actors import token_actor_of
from notifier.services.privacy import rights
from notifier.services.privacy.contact import submit_enquiry
from notifier.services.sources import announcements, meeting_changes
from notifier.services.sources.meeting_changes import create_meeting
from notifier.services.sources.meetings import Audience, MeetingDetails, SourceDeps
from notifier.services.sources.site import inventory
from notifier.services.subscribers import memberships
from notifier.web.routes.admin_web import ROUTERS
from tests.integration.admin_web.support import AdminWeb, csrf_from, invite, make_admin_web, sign_in
from tests.support.seeding import issue_test_token, network_with_topics, subscriber

PUBLIC_PREFIX = "/admin/{slug}/sign-in"  # the sign-in pages are for people without a session
NETWORK_PREFIX = "/admin/{slug}"  # /admin and /admin/sign-in/... belong to no network


@pytest.fixture
def web(sessions: sessionmaker[Session]) -> AdminWeb:
    with unit_of_work(sessions) as uow:
        network_with_topics(uow.session, "alpha", ["news"])
        network_with_topics(uow.session, "beta", ["news"])
    admin_web = make_admin_web(sessions)
    invite(admin_web, "alpha", "ada.admin@cabinetoffice.gov.uk", AdminRole.ADMIN)
    invite(admin_web, "beta", "bob.beta@justice.gov.uk", AdminRole.ADMIN)
    return admin_web


def _networks_page(route: object) -> bool:
    if not isinstance(route, APIRoute):
        return False
    return route.path.startswith(NETWORK_PREFIX) and not route.path.startswith(PUBLIC_PREFIX)


def _admin_routes() -> list[tuple[str, str]]:
    """Every route of the routers the app installs for the admin pages (admin_web.ROUTERS)."""
    values = {"slug": "alpha", "fmt": "csv"}
    found: list[tuple[str, str]] = []
    for router in ROUTERS:
        for route in router.routes:
            if not _networks_page(route):
                continue
            path = re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), "1"), route.path)
            found.extend((method, path) for method in sorted(route.methods or ()))
    return found


def test_every_admin_route_needs_a_session_of_its_own_network(web: AdminWeb) -> None:
    routes = _admin_routes()
    posts = [path for method, path in routes if method == "POST"]
    gets = [path for method, path in routes if method == "GET"]
    assert len(posts) >= 20 and len(gets) >= 20, routes
    anonymous = web.browser()
    for path in posts:
        refused = anonymous.post(path, data={"csrf_token": "x"}, follow_redirects=False)
        assert refused.status_code == 403, (path, refused.status_code)
    for path in gets:
        sent = anonymous.get(path, follow_redirects=False)
        assert sent.status_code == 303 and sent.headers["location"] == "/admin/alpha/sign-in", path
    bob = sign_in(web, "beta", "bob.beta@justice.gov.uk")
    token = csrf_from(bob, "/admin/beta")
    for path in gets:
        assert bob.get(path, follow_redirects=False).status_code == 404, path
    for path in posts:
        assert bob.post(path, data={"csrf_token": token}, follow_redirects=False).status_code == 404, path


# Another network's rows, and ids no row can have --------------------------------------------------

OUT_OF_RANGE = (0, -1, 2**63, 10**30)
# A valid value for each path segment that is not an id, so an id is the only thing that can be wrong.
WORDS = {"step": "remove", "action": "approve", "change": "cancel", "fmt": "csv", "decision": "approve"}
STEP_BY_PAGE = {"announcements": "approve", "requests": "verify", "team": "remove"}


def _beta_rows(web: AdminWeb) -> dict[str, int]:
    """One row of every kind an admin route names by id, all in network beta."""
    now = utcnow()
    with unit_of_work(web.sessions) as uow:
        beta = network_repo.get_network_by_slug(uow.session, "beta")
        assert beta is not None
        news = network_repo.get_topic_by_slug(uow.session, beta.id, "news")
        assert news is not None
        person = subscriber(uow.session, beta, "pat.beta@justice.gov.uk", [news])
        issued = issue_test_token(uow.session, beta, AdminRole.ADMIN, "ci@justice.gov.uk", "beta ci")
        token = token_actor_of(uow.session.get_one(ApiToken, issued.token_id))
        draft = announcements.create_draft(uow, beta, token, topic_slug="news", subject="Hello", body="Hi.")
        deps = SourceDeps.from_settings(web.settings, web.queue)
        start = (now + timedelta(days=30)).replace(microsecond=0, tzinfo=None)
        meeting = create_meeting(
            uow, deps, beta, MeetingDetails("Forum", start, start + timedelta(hours=1), "Room 1", "", ""),
            Audience(["news"], []), actor=token,
        )  # fmt: skip
        beta.requires_sign_off = True  # the next meeting's invitation waits: an approval request to name
        waiting = create_meeting(
            uow, deps, beta, MeetingDetails("Later", start, start + timedelta(hours=1), "Room 2", "", ""),
            Audience(["news"], []), actor=token,
        )  # fmt: skip
        approval_id = meeting_changes.waiting_request_id(uow.session, waiting)
        request = rights.request_from_preferences(
            uow,
            web.queue,
            rights.RightsContext.from_settings(web.settings),
            person,
            DataRequestKind.ACCESS,
            {},
            now,
        )
        membership = memberships.request_membership(uow.session, beta, person, now=now)
        enquiry = submit_enquiry(
            uow.session, beta, name="Casey Beta", email="casey@example.org", message="Hello", now=now
        )
        page_id = _known_page(uow, web, beta)
        message_id = uow.session.scalars(select(Message.id).where(Message.network_id == beta.id)).first()
        admin = uow.session.scalars(
            select(AdminMember).where(AdminMember.network_id == beta.id).order_by(AdminMember.id)
        ).first()
        admin_session = uow.session.scalars(select(AdminSession).order_by(AdminSession.id)).first()  # Bob's
        item_id = uow.session.scalars(select(ArchiveItem.id).where(ArchiveItem.network_id == beta.id)).one()
        assert message_id is not None and admin is not None and admin_session is not None
        return {
            "subscriber_id": person.id, "token_id": issued.token_id, "announcement_id": draft.id,
            "meeting_id": meeting.id, "request_id": request.id, "membership_id": membership.id,
            "message_id": message_id, "admin_id": admin.id, "session_id": admin_session.id,
            "item_id": item_id,  # the meeting's archive item
            "page_id": page_id, "enquiry_id": enquiry.id,
            "approval_id": approval_id,
        }  # fmt: skip


def _known_page(uow: UnitOfWork, web: AdminWeb, network: Network) -> int:
    """A page of the network's site, recorded as its site is connected (one that could be sent on purpose)."""
    listed = inventory.ListedPage(
        path="_posts/2026-01-05-forum.md", url="https://beta.example.gov.uk/forum/", revision="r1",
        collection="posts", layout="post", front_matter="title: Forum notes", explicit={},
    )  # fmt: skip
    listing = inventory.PageList(inventory.ListMode.CONNECT, [listed])
    inventory.receive_list(uow, web.queue, network, listing, now=utcnow())
    page = uow.session.scalars(select(ContentPage).where(ContentPage.network_id == network.id)).one()
    assert page.email, "a page without an email could not be sent from any network"
    return page.id


def _fingerprint(web: AdminWeb, slug: str) -> str:
    """Every row of the network, in every table that names one, as text."""
    with unit_of_work(web.sessions) as uow:
        network = network_repo.get_network_by_slug(uow.session, slug)
        assert network is not None
        lines = [repr(sorted(vars(network).items(), key=str)[1:])]
        for table in Base.metadata.sorted_tables:
            if "network_id" not in table.c:
                continue
            rows = uow.session.execute(
                select(table).where(table.c.network_id == network.id).order_by(*table.primary_key.columns)
            )
            lines.extend(f"{table.name} {tuple(row)}" for row in rows)
        return "\n".join(lines)


def _id_routes() -> list[tuple[str, str, list[str]]]:
    """(method, path template, id parameters) for every admin route that names a row by id."""
    found = []
    for router in ROUTERS:
        for route in router.routes:
            if not _networks_page(route):
                continue
            ids = [name for name in re.findall(r"\{(\w+)\}", route.path) if name.endswith("_id")]
            if ids:
                found.extend((method, route.path, ids) for method in sorted(route.methods or ()))
    return found


def _path(template: str, ids: dict[str, object]) -> str:
    page = template.split("/")[3]
    words = {**WORDS, "step": STEP_BY_PAGE.get(page, WORDS["step"]), "slug": "alpha"}
    return re.sub(r"\{(\w+)\}", lambda m: str(ids.get(m.group(1), words.get(m.group(1), "1"))), template)


def test_another_networks_ids_are_not_found_on_every_route_and_change_nothing(web: AdminWeb) -> None:
    sign_in(web, "beta", "bob.beta@justice.gov.uk")  # beta's admin has a session to name
    beta_ids = _beta_rows(web)
    ada = sign_in(web, "alpha", "ada.admin@cabinetoffice.gov.uk")
    before = _fingerprint(web, "beta")
    token = csrf_from(ada, "/admin/alpha")
    routes = _id_routes()
    assert {name for _m, _p, ids in routes for name in ids} <= set(beta_ids), routes
    for method, template, _ids in routes:
        path = _path(template, beta_ids)
        answer = ada.request(method, path, data={"csrf_token": token} if method == "POST" else None)
        assert answer.status_code == 404, (method, path, answer.status_code)
    assert _fingerprint(web, "beta") == before


@pytest.mark.parametrize("number", OUT_OF_RANGE)
def test_ids_no_row_can_have_are_not_found_on_every_route(web: AdminWeb, number: int) -> None:
    ada = sign_in(web, "alpha", "ada.admin@cabinetoffice.gov.uk")
    token = csrf_from(ada, "/admin/alpha")
    for method, template, ids in _id_routes():
        path = _path(template, dict.fromkeys(ids, number))
        answer = ada.request(method, path, data={"csrf_token": token} if method == "POST" else None)
        assert answer.status_code == 404, (method, path, answer.status_code)
        assert "Page not found" in answer.text, path
