"""The members page's bulk actions over HTTP, on both databases (admin role): the people ticked are
asked by email to confirm a topic, or subscribed with a reason kept with their consent; taken off a
topic; downloaded as CSV (audited, like every export); removed with their data after a check page that
names them. Nothing is changed for a refused form, which keeps what was chosen; ids of another network
change nothing; editors have no bulk form and their posts are refused."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from notifier.db.models import AuditRecord, ConsentEvent, Signup, Subscriber, Subscription
from notifier.db.session import unit_of_work
from notifier.domain.sources import AdminRole
from notifier.services.admin.networks import create_topic
from tests.integration.admin_web.support import AdminWeb, csrf_from, invite, make_admin_web, sign_in
from tests.support.seeding import network_with_topics, subscriber

ADMIN, EDITOR = "ada.admin@cabinetoffice.gov.uk", "eddie.editor@dwp.gov.uk"
REASON = "They asked at the AGM to get events emails"


@pytest.fixture
def web(sessions: sessionmaker[Session]) -> AdminWeb:
    with unit_of_work(sessions) as uow:
        alpha, (news, _events) = network_with_topics(uow.session, "alpha", ["news", "events"])
        create_topic(uow.session, alpha, slug="business", name="Business", members_only=True)
        for name in ("Pat One", "Sam Two", "Kim Three"):
            person = subscriber(uow.session, alpha, f"{name.split()[0].lower()}@hmrc.gov.uk", [news])
            person.name = name
        beta, (beta_news,) = network_with_topics(uow.session, "beta", ["news"])
        subscriber(uow.session, beta, "outsider@dwp.gov.uk", [beta_news]).name = "Beta Person"
    admin_web = make_admin_web(sessions)
    invite(admin_web, "alpha", ADMIN, AdminRole.ADMIN, name="Ada Admin")
    invite(admin_web, "alpha", EDITOR, AdminRole.EDITOR, name="Eddie Editor")
    return admin_web


def _ids(web: AdminWeb, *names: str) -> list[int]:
    with unit_of_work(web.sessions) as uow:
        return list(
            uow.session.scalars(
                select(Subscriber.id).where(Subscriber.name.in_(names)).order_by(Subscriber.id)
            )
        )


def _post(client, path: str, people: list[int], **fields: str):  # type: ignore[no-untyped-def]
    data = {
        "csrf_token": csrf_from(client, "/admin/alpha/members"),
        "person": [str(i) for i in people],
        **fields,
    }
    return client.post(f"/admin/alpha/members/{path}", data=data)


def _audit(web: AdminWeb, action: str) -> list[dict[str, object]]:
    with unit_of_work(web.sessions) as uow:
        return [
            r.detail for r in uow.session.scalars(select(AuditRecord).where(AuditRecord.action == action))
        ]


def test_adding_asks_each_person_by_default_or_records_consent_with_a_reason(web: AdminWeb) -> None:
    ada = sign_in(web, "alpha", ADMIN)
    pat_sam = _ids(web, "Pat One", "Sam Two")
    asked = _post(ada, "add", pat_sam, to_topic="events", to_frequency="weekly")
    assert (
        asked.status_code == 200
        and "Added to Events:" in asked.text
        and "2 asked by email to confirm" in asked.text
    )
    web.send_queued()
    assert len([e for e in web.gateway.sent if e.subject == "Do you want emails from Alpha Network?"]) == 2
    with unit_of_work(web.sessions) as uow:
        assert uow.session.scalar(select(func.count()).select_from(Signup)) == 2
    refused = _post(ada, "add", _ids(web, "Kim Three"), to_topic="events", consent="record")
    assert refused.status_code == 400 and "Enter why you are recording their consent" in refused.text
    assert 'value="record" checked' in refused.text and "checked" in refused.text.split("select-")[1][:120]
    recorded = _post(
        ada, "add", _ids(web, "Kim Three", "Pat One"), to_topic="events", consent="record", reason=REASON
    )
    assert "2 subscribed, with your reason kept" in recorded.text and "asked by email" not in recorded.text
    with unit_of_work(web.sessions) as uow:
        reasons = set(
            uow.session.scalars(select(ConsentEvent.reason).where(ConsentEvent.reason.is_not(None)))
        )
    assert reasons == {REASON}
    assert _audit(web, "people_added_to_topic")[-1] == {
        "asked": 0, "subscribed": 2, "already": 0, "suppressed": 0, "restricted": 0, "consent_recorded": True,
    }  # fmt: skip
    members_only = _post(ada, "add", pat_sam, to_topic="business")
    assert members_only.status_code == 400 and "Select a topic" in members_only.text
    nobody = _post(ada, "add", [], to_topic="events")
    assert nobody.status_code == 400 and "Select at least one person" in nobody.text


def test_taking_off_a_topic_and_downloading_the_selection(web: AdminWeb) -> None:
    ada = sign_in(web, "alpha", ADMIN)
    outsider = _ids(web, "Beta Person")
    off = _post(ada, "take-off", [*_ids(web, "Pat One", "Sam Two"), *outsider], to_topic="news")
    assert off.status_code == 200 and "2 taken off News." in off.text
    with unit_of_work(web.sessions) as uow:
        active = uow.session.scalar(
            select(func.count()).select_from(Subscription).where(Subscription.ended_at.is_(None))
        )
    assert active == 2  # Kim's News and the beta person's: another network's id changes nothing
    exported = _post(ada, "export", [*_ids(web, "Kim Three", "Pat One"), *outsider])
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    assert sorted(r["email"] for r in csv.DictReader(io.StringIO(exported.text))) == [
        "kim@hmrc.gov.uk",
        "pat@hmrc.gov.uk",
    ]
    assert _audit(web, "people_exported")[-1]["selected"] == 3


def test_removing_people_shows_whom_first_then_erases_them(web: AdminWeb) -> None:
    ada = sign_in(web, "alpha", ADMIN)
    chosen = _ids(web, "Pat One", "Sam Two")
    check = _post(ada, "remove-check", chosen)
    assert check.status_code == 200 and "Remove these people and their data?" in check.text
    assert "Pat One (pat@hmrc.gov.uk)" in check.text and "Remove 2 people and their data" in check.text
    with unit_of_work(web.sessions) as uow:
        assert uow.session.scalar(select(func.count()).select_from(Subscriber)) == 6  # nothing yet
    done = ada.post(
        "/admin/alpha/members/remove",
        data={"csrf_token": csrf_from(ada, "/admin/alpha/members"), "person": [str(i) for i in chosen]},
    )
    assert done.status_code == 200 and "Removed 2 people and their data." in done.text
    with unit_of_work(web.sessions) as uow:
        names = set(uow.session.scalars(select(Subscriber.name)))
    assert names == {"Kim Three", "Beta Person", "Ada Admin", "Eddie Editor"}
    assert len(_audit(web, "person_removed")) == 2


def test_editors_see_no_bulk_form_and_cannot_post_one(web: AdminWeb) -> None:
    eddie = sign_in(web, "alpha", EDITOR)
    page = eddie.get("/admin/alpha/members")
    assert (
        page.status_code == 200 and 'name="person"' not in page.text and "Download this list" not in page.text
    )
    for path in ("add", "take-off", "export", "remove-check", "remove"):
        answer = _post(eddie, path, _ids(web, "Pat One"), to_topic="news")
        assert answer.status_code == 403, path
