"""A meeting's page offers only what the meeting service would do, on both databases: no cancelling
once it has been held or has minutes, minutes plainly only after its end, and before that only when
the admin says, in words, that it took place (the API's held_override, audited). Each POST the page
does not offer is refused by the service all the same."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from notifier.db.models import AuditRecord, Meeting, Message
from notifier.db.session import unit_of_work
from notifier.domain.sources import AdminRole
from tests.integration.admin_web.support import AdminWeb, csrf_from, invite, make_admin_web, sign_in
from tests.support.seeding import network_with_topics, subscriber

# Its meetings are dated in 2030: the clock is kept before them, and moved past one to hold it.
pytestmark = [pytest.mark.dates, pytest.mark.usefixtures("clock_in_2029")]

EDITOR = "eddie.editor@justice.gov.uk"
FIELDS = {
    "title": "Steering group",
    "start": "2030-03-05 18:00",
    "end": "2030-03-05 19:00",
    "location": "102 Petty France",
    "topics": ["news"],
}
ENDS = datetime(2030, 3, 5, 19, 0, tzinfo=UTC)  # 19:00 GMT is 19:00 UTC in March
OVERRIDE_WORDS = "The meeting took place"


@pytest.fixture
def web(sessions: sessionmaker[Session]) -> AdminWeb:
    with unit_of_work(sessions) as uow:
        alpha, (news,) = network_with_topics(uow.session, "alpha", ["news"])
        subscriber(uow.session, alpha, "reader.one@hmrc.gov.uk", [news])
    admin_web = make_admin_web(sessions)
    invite(admin_web, "alpha", EDITOR, AdminRole.EDITOR, name="Eddie Editor")
    return admin_web


def _arrange(web: AdminWeb) -> str:
    eddie = sign_in(web, "alpha", EDITOR)
    form = "/admin/alpha/meetings/new"
    sent = eddie.post(
        form, data={"csrf_token": csrf_from(eddie, form), **FIELDS, "step": "send"}, follow_redirects=False
    )
    assert sent.status_code == 303
    return str(sent.headers["location"].split("?")[0])


def _kinds(web: AdminWeb) -> list[str]:
    with unit_of_work(web.sessions) as uow:
        query = select(Message.email_kind).where(Message.topic_id.is_not(None)).order_by(Message.id)
        return list(uow.session.scalars(query))


def _minutes_records(web: AdminWeb) -> list[dict[str, object]]:
    with unit_of_work(web.sessions) as uow:
        query = select(AuditRecord).where(AuditRecord.action == "meeting.minutes")
        return [record.detail for record in uow.session.scalars(query)]


def test_before_its_end_minutes_go_only_when_the_admin_says_it_took_place(web: AdminWeb) -> None:
    page = _arrange(web)
    eddie = sign_in(web, "alpha", EDITOR)
    shown = eddie.get(page).text
    assert "Cancel the meeting" in shown and "Change the meeting" in shown
    assert "Publish the minutes" not in shown  # no plain offer before the end...
    assert 'id="held-override"' in shown and OVERRIDE_WORDS in shown  # ...only the question, in words
    assert "you can publish its minutes once it ends" in shown and "held_override" not in shown

    token = csrf_from(eddie, page)
    minutes = {"csrf_token": token, "minutes_body": "We met early.", "step": "send"}
    refused = eddie.post(f"{page}/minutes", data=minutes)
    assert refused.status_code == 409 and "has not ended yet" in refused.text
    assert f"tick “{OVERRIDE_WORDS}”" in refused.text and "held_override" not in refused.text
    assert _kinds(web) == ["meeting"] and _minutes_records(web) == []

    check = eddie.post(f"{page}/minutes", data={**minutes, "held": "yes", "step": "check"})
    assert check.status_code == 200 and "You have said the meeting took place" in check.text
    assert 'name="held" value="yes"' in check.text  # carried to the send
    sent = eddie.post(f"{page}/minutes", data={**minutes, "held": "yes"}, follow_redirects=False)
    assert sent.status_code == 303
    assert _kinds(web) == ["meeting", "minutes"]
    assert _minutes_records(web) == [
        {"held_override": True, "not_held": "has not ended yet", "access_needs_deleted": 0,
         "sign_off": "not_required"}
    ]  # fmt: skip

    # Its minutes are out: it was held, so it is no longer offered for cancelling, nor cancelled.
    after = eddie.get(page).text
    assert "Cancel the meeting" not in after and "Publish the minutes" not in after
    cancel = eddie.post(f"{page}/cancel", data={"csrf_token": token, "step": "send"})
    assert cancel.status_code == 409 and "has its minutes published" in cancel.text
    with unit_of_work(web.sessions) as uow:
        assert uow.session.scalars(select(Meeting.status)).one().value == "scheduled"


@pytest.mark.parametrize(
    ("moment", "ended"),
    [
        (datetime(2030, 3, 5, 18, 59, 59, tzinfo=UTC), False),  # one second before the end
        (ENDS, True),  # at the end
        (datetime(2030, 3, 5, 19, 0, 1, tzinfo=UTC), True),  # one second after
    ],
)
def test_at_its_end_minutes_are_offered_and_cancelling_is_not(
    web: AdminWeb, moment: datetime, ended: bool
) -> None:
    page = _arrange(web)
    with time_machine.travel(moment, tick=False):
        eddie = sign_in(web, "alpha", EDITOR)  # a session of its own: the one from 2029 has expired
        shown = eddie.get(page).text
        assert ("Publish the minutes" in shown) is ended
        assert ("Cancel the meeting" in shown) is not ended
        assert ("Change the meeting" in shown) is not ended
        assert (OVERRIDE_WORDS in shown) is not ended
        token = csrf_from(eddie, page)
        cancel = eddie.post(f"{page}/cancel", data={"csrf_token": token, "step": "send"})
        if ended:  # not offered, and refused when posted all the same
            assert cancel.status_code == 409 and "has already been held" in cancel.text
            minutes = {"csrf_token": token, "minutes_body": "We met.", "step": "send"}
            assert eddie.post(f"{page}/minutes", data=minutes, follow_redirects=False).status_code == 303
            assert _minutes_records(web)[0]["held_override"] is False
        else:
            assert cancel.status_code == 200
    assert _kinds(web) == ["meeting", "minutes" if ended else "meeting_cancelled"]


def test_a_cancelled_meeting_that_went_ahead_takes_minutes_only_by_the_override(web: AdminWeb) -> None:
    page = _arrange(web)
    eddie = sign_in(web, "alpha", EDITOR)
    token = csrf_from(eddie, page)
    assert eddie.post(f"{page}/cancel", data={"csrf_token": token, "step": "send"}).status_code == 200
    shown = eddie.get(page).text
    assert "Cancel the meeting" not in shown and "Change the meeting" not in shown
    assert "The meeting went ahead after all?" in shown and "This meeting is cancelled." in shown
    minutes = {"csrf_token": token, "minutes_body": "We met anyway.", "step": "send"}
    refused = eddie.post(f"{page}/minutes", data=minutes)
    assert refused.status_code == 409 and "The meeting is cancelled" in refused.text
    again = eddie.post(f"{page}/cancel", data={"csrf_token": token, "step": "send"})
    assert again.status_code == 409 and "already cancelled" in again.text
    sent = eddie.post(f"{page}/minutes", data={**minutes, "held": "yes"}, follow_redirects=False)
    assert sent.status_code == 303
    assert _minutes_records(web)[0]["not_held"] == "is cancelled"
