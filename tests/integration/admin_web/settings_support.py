"""What the settings pages' tests share: two networks with an admin and an editor in the first and an
admin in the second, a form posted with the page's CSRF token, and what was stored and audited."""

from __future__ import annotations

import uuid
from typing import Any

import httpx2
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from notifier.db.models import AuditRecord, Network
from notifier.db.session import unit_of_work
from notifier.domain.sources import AdminRole
from tests.integration.admin_web.support import AdminWeb, csrf_from, invite, make_admin_web
from tests.support.seeding import network_with_topics

ADMIN = "alice.admin@cabinetoffice.gov.uk"
EDITOR = "eddie.editor@justice.gov.uk"
OTHER_ADMIN = "bob.beta@justice.gov.uk"
TEMPLATE = "f33517ff-2a88-4f6e-b855-c550268ce08a"


def fake_key(name: str, service: str = "26785a09-ab16-4eb0-8407-a37497a57506") -> str:
    """A Notify API key's shape (`{name}-{service id}-{secret}`), for entries that never reach Notify."""
    return f"{name}-{service}-{uuid.uuid4()}"


def two_networks(sessions: sessionmaker[Session], **overrides: object) -> AdminWeb:
    with unit_of_work(sessions) as uow:
        network_with_topics(uow.session, "alpha", ["news", "events", "pride"])
        network_with_topics(uow.session, "beta", ["news"])
    web = make_admin_web(sessions, **overrides)
    invite(web, "alpha", ADMIN, AdminRole.ADMIN, name="Alice Admin")
    invite(web, "alpha", EDITOR, AdminRole.EDITOR, name="Eddie Editor")
    invite(web, "beta", OTHER_ADMIN, AdminRole.ADMIN, name="Bob Beta")
    return web


def post_form(client: TestClient, page: str, action: str, **data: Any) -> httpx2.Response:
    """Post a form of `page` as a browser would: with the CSRF token the page carries."""
    return client.post(action, data={"csrf_token": csrf_from(client, page), **data}, follow_redirects=False)


def network_settings(web: AdminWeb, slug: str = "alpha") -> dict[str, Any]:
    with unit_of_work(web.sessions) as uow:
        return dict(uow.session.scalars(select(Network.settings).where(Network.slug == slug)).one())


def audit_trail(web: AdminWeb) -> list[tuple[str, str, dict[str, Any]]]:
    """(action, actor, detail) of every audit record, oldest first."""
    with unit_of_work(web.sessions) as uow:
        rows = uow.session.scalars(select(AuditRecord).order_by(AuditRecord.id))
        return [(row.action, row.actor, dict(row.detail or {})) for row in rows]
