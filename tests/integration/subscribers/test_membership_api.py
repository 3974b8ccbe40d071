"""The steering group's membership decisions through the admin API, on both databases."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from notifier.db.base import utcnow
from notifier.db.models import AuditRecord, Topic
from notifier.db.session import unit_of_work
from notifier.domain.sources import AdminRole
from notifier.repositories import subscribers as subscriber_repo
from notifier.services.admin.networks import create_topic
from notifier.services.subscribers import memberships
from tests.support.seeding import issue_test_token, network_with_topics, subscriber
from tests.support.webapp import web_app

PATH = "/admin/api/networks/alpha/memberships"


def _seed(sessions: sessionmaker[Session]) -> tuple[int, int, dict[str, str]]:
    with unit_of_work(sessions) as uow:
        network, (news,) = network_with_topics(uow.session, "alpha")
        other, _ = network_with_topics(uow.session, "beta")
        business = create_topic(uow.session, network, slug="business", name="Business", members_only=True)
        person = subscriber(uow.session, network, "pat@justice.gov.uk", [news])
        request = memberships.request_membership(uow.session, network, person, now=utcnow())
        tokens = {
            role: issue_test_token(uow.session, network, role, "chair@dft.gov.uk", role.value).secret
            for role in (AdminRole.EDITOR, AdminRole.ADMIN)  # no token has the approver role
        }
        elsewhere = issue_test_token(uow.session, other, AdminRole.ADMIN, "b@dft.gov.uk", "b")
        return (
            request.id,
            business.id,
            {
                "editor": tokens[AdminRole.EDITOR],
                "deciding": tokens[AdminRole.ADMIN],
                "elsewhere": elsewhere.secret,
            },
        )


def test_approve_then_revoke_with_roles_network_isolation_and_audit(sessions: sessionmaker[Session]) -> None:
    request_id, business_id, tokens = _seed(sessions)
    client = web_app(sessions).client

    def call(method: str, path: str, token: str, **kwargs: Any) -> tuple[int, dict[str, Any]]:
        answer = client.request(method, path, headers={"Authorization": f"Bearer {token}"}, **kwargs)
        return answer.status_code, answer.json()

    assert call("GET", PATH, tokens["editor"])[0] == 403
    assert call("GET", PATH, tokens["elsewhere"])[0] == 404
    code, listed = call("GET", PATH, tokens["deciding"], params={"status": "requested"})
    assert code == 200 and [m["id"] for m in listed["memberships"]] == [request_id]
    assert "pat" not in str(listed)

    for _ in range(2):  # a double submit approves once
        code, approved = call("POST", f"{PATH}/{request_id}/approve", tokens["deciding"])
        assert code == 200 and approved["status"] == "approved"
    with unit_of_work(sessions) as uow:
        person_id = int(str(approved["subscriber_id"]))
        assert subscriber_repo.active_subscription(uow.session, person_id, business_id) is not None

    assert call("POST", f"{PATH}/{request_id}/decline", tokens["deciding"], json={})[0] == 409
    code, revoked = call("POST", f"{PATH}/{request_id}/revoke", tokens["deciding"], json={"note": "left"})
    assert code == 200 and revoked["status"] == "revoked"
    with unit_of_work(sessions) as uow:
        assert subscriber_repo.active_subscription(uow.session, person_id, business_id) is None
        actions = [a.action for a in uow.session.scalars(select(AuditRecord).order_by(AuditRecord.id))]
        assert uow.session.scalars(select(Topic).where(Topic.id == business_id)).one().members_only
    assert actions.count("membership.approve") == 1 and actions[-1] == "membership.revoke"
