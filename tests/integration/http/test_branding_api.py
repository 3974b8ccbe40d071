"""A network's admin sets its colour and logo through the admin API; the pages wear them at once.
Bad values are a 422 naming the field with nothing stored; other roles and networks cannot."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from notifier.db.models import AuditRecord
from notifier.db.session import unit_of_work
from notifier.domain.sources import AdminRole
from tests.support.seeding import issue_test_token, network_with_topics
from tests.support.webapp import web_app

PATH = "/admin/api/networks/alpha/branding"


def test_an_admin_sets_the_colour_and_logo_and_the_pages_wear_them(sessions: sessionmaker[Session]) -> None:
    with unit_of_work(sessions) as uow:
        network, _ = network_with_topics(uow.session, "alpha")
        other, _ = network_with_topics(uow.session, "beta")
        tokens = {
            role: issue_test_token(uow.session, network, role, "c@dft.gov.uk", role.value).secret
            for role in (AdminRole.EDITOR, AdminRole.ADMIN)
        }
        elsewhere = issue_test_token(uow.session, other, AdminRole.ADMIN, "b@dft.gov.uk", "b")
    client = web_app(sessions).client

    def put(token: str, body: dict[str, Any]) -> tuple[int, Any]:
        answer = client.put(PATH, json=body, headers={"Authorization": f"Bearer {token}"})
        return answer.status_code, answer.json()

    assert put(tokens[AdminRole.EDITOR], {"colour": "#5b2c86"})[0] == 403
    assert put(elsewhere.secret, {"colour": "#5b2c86"})[0] == 404
    status, body = put(
        tokens[AdminRole.ADMIN], {"colour": "#ffdd00", "logo_url": "https://alpha.example.gov.uk/l.png"}
    )
    assert status == 422 and body["detail"][0]["field"] == "colour"
    status, body = put(
        tokens[AdminRole.ADMIN], {"colour": "#5b2c86", "logo_url": "http://alpha.example.gov.uk/l.png"}
    )
    assert status == 422 and body["detail"][0]["field"] == "logo_url"
    status, body = put(
        tokens[AdminRole.ADMIN],
        {"colour": "#5b2c86", "logo_url": "https://169.254.169.254/latest/meta-data/"},
    )
    assert status == 422 and body["detail"][0]["field"] == "logo_url"
    assert "169.254.169.254 is an IP address" in body["detail"][0]["message"]
    assert "background-color: #0b0c0c" in client.get("/subscribe/alpha").text  # nothing half-stored

    status, body = put(
        tokens[AdminRole.ADMIN], {"colour": "#5B2C86", "logo_url": "https://alpha.example.gov.uk/l.png"}
    )
    assert (status, body) == (200, {"colour": "#5b2c86", "logo_url": "https://alpha.example.gov.uk/l.png"})
    page = client.get("/subscribe/alpha").text
    assert "background-color: #5b2c86" in page and 'src="https://alpha.example.gov.uk/l.png"' in page
    assert "background-color: #5b2c86" not in client.get("/subscribe/beta").text
    assert put(tokens[AdminRole.ADMIN], {"remove_logo": True})[1] == {"colour": "#5b2c86", "logo_url": None}
    with unit_of_work(sessions) as uow:
        actions = uow.session.scalars(
            select(AuditRecord.action).where(
                AuditRecord.network_id == network.id,
                AuditRecord.action != "admin_invited",  # the tokens' maker
            )
        )
        assert list(actions) == ["network.branding", "network.branding"]
