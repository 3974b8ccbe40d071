"""Calendar files that mail clients accept as invitations, checked against RFC 5545/5546 with two
parsers (icalendar and vobject): each reader's email links to their own file, an iTIP REQUEST (then
CANCEL) with ORGANIZER and the reader as ATTENDEE, the method in the Content-Type too, and the joining
link only while the meeting stands; the link without a reader is a PUBLISH."""

from __future__ import annotations

import re
from typing import Any

import pytest
import vobject
from icalendar import Calendar
from sqlalchemy import select

from notifier.db.base import utcnow
from notifier.db.models import AuditRecord, Meeting, Message, Network, Subscriber
from notifier.db.session import unit_of_work
from notifier.services.delivery.emails import TemplateComposer
from notifier.services.sources.meeting_audience import change_audience
from notifier.services.sources.meetings import Audience, SourceDeps
from notifier.services.sources.organiser import ORGANISER_SETTING, OrganiserError, set_organiser
from tests.support.admin_api import API, PUBLIC, Admins

# Its meetings and announcements are dated in 2030: the clock is kept before them.
pytestmark = [pytest.mark.dates, pytest.mark.usefixtures("clock_in_2029")]

MEETING = {
    "title": "Leaders of Networks",
    "start": "2030-03-05T18:00:00",
    "end": "2030-03-05T19:30:00",
    "location": "Room 4",
    "online_url": "https://teams.example.com/meet/abc",
    "agenda": "1. Welcome",
    "invitees": ["invitee@dept.gov.uk"],
    "topics": ["events"],
}
# RFC 5546 section 3.2: what each method's VEVENT must carry.
REQUIRED = {
    "PUBLISH": {"DTSTAMP", "DTSTART", "ORGANIZER", "SUMMARY", "UID"},
    "REQUEST": {"ATTENDEE", "DTSTAMP", "DTSTART", "ORGANIZER", "SEQUENCE", "SUMMARY", "UID"},
    "CANCEL": {"ATTENDEE", "DTSTAMP", "ORGANIZER", "SEQUENCE", "UID"},
}


def _reader_calendar_url(admins: Admins, email: str, kind: str) -> str:
    """The calendar link in the email `email` gets for the latest message of `kind`."""
    composer = TemplateComposer.from_settings(admins.web.settings)
    with unit_of_work(admins.web.sessions) as uow:
        person = uow.session.scalars(select(Subscriber).where(Subscriber.email == email)).one()
        message = uow.session.scalars(
            select(Message).where(Message.email_kind == kind).order_by(Message.id.desc())
        ).first()
        assert message is not None
        body = composer.compose(uow.session, message, person).body
    found = re.search(r"\((\S+/calendar\.ics\?attendee=[^)\s]+)\)", body)
    assert found is not None, body
    return found.group(1)


def _fetch(admins: Admins, url: str) -> tuple[str, bytes]:
    response = admins.web.client.get(url.removeprefix(PUBLIC))
    assert response.status_code == 200, response.text
    return response.headers["content-type"], response.content


def _checked(content_type: str, body: bytes) -> tuple[str, Any, Any]:
    """Both parsers read the file alike; the method agrees with the Content-Type and RFC 5546."""
    calendar = Calendar.from_ical(body)
    method = str(calendar["METHOD"])
    assert content_type == f"text/calendar; charset=utf-8; method={method}"
    (event,) = calendar.walk("VEVENT")
    assert REQUIRED[method] <= set(event.keys()), (method, sorted(event.keys()))
    assert str(calendar["VERSION"]) == "2.0" and calendar.get("PRODID")
    assert body.count(b"\r\n") >= 10 and all(len(line) <= 75 for line in body.split(b"\r\n"))
    second = vobject.readOne(body.decode("utf-8"))
    assert second.method.value == method
    assert second.vevent.uid.value == str(event["UID"])
    assert second.vevent.dtstart.value == event.decoded("DTSTART")
    assert second.vevent.organizer.value == str(event["ORGANIZER"])
    assert [a.value for a in second.vevent.contents.get("attendee", [])] == [
        str(a) for a in ([event["ATTENDEE"]] if "ATTENDEE" in event else [])
    ]
    return method, event, second.vevent


def test_each_reader_gets_an_invitation_naming_them_then_its_cancellation(admins: Admins) -> None:
    created = admins.web.client.post(f"{API}/meetings", json=MEETING, headers=admins.editor).json()
    for email in ("invitee@dept.gov.uk", "reader@dept.gov.uk"):  # an invitee, a topic's subscriber
        url = _reader_calendar_url(admins, email, "meeting")
        method, event, other = _checked(*_fetch(admins, url))
        assert method == "REQUEST"
        assert str(event["ATTENDEE"]) == f"mailto:{email}" and other.attendee.params["RSVP"] == ["FALSE"]
        assert str(event["ORGANIZER"]) == "mailto:meetings@alpha.example.gov.uk"  # the network's setting
        assert event["ORGANIZER"].params["CN"] == "Alpha Network"
        assert "/join" in str(event["DESCRIPTION"]) and str(event["STATUS"]) == "CONFIRMED"
    cancelled = admins.web.client.post(
        f"{API}/meetings/{created['id']}/cancel", json={}, headers=admins.editor
    )
    assert cancelled.status_code == 200
    url = _reader_calendar_url(admins, "invitee@dept.gov.uk", "meeting_cancelled")
    method, event, _ = _checked(*_fetch(admins, url))
    assert method == "CANCEL" and str(event["STATUS"]) == "CANCELLED" and int(event["SEQUENCE"]) == 1
    assert "/join" not in str(event.get("DESCRIPTION", "")) and "teams" not in str(event)
    assert str(event["ATTENDEE"]) == "mailto:invitee@dept.gov.uk"
    public, _, _ = _checked(*_fetch(admins, created["calendar_url"]))  # the page's link: no reader
    assert public == "PUBLISH"


def _alpha(uow: Any) -> Network:
    return uow.session.scalars(select(Network).where(Network.slug == "alpha")).one()


def test_the_organizer_is_the_networks_setting_and_reader_links_cannot_be_moved(admins: Admins) -> None:
    with unit_of_work(admins.web.sessions) as uow:
        alpha = _alpha(uow)  # the contact address is not the organiser: changing it changes no file
        alpha.settings = {**alpha.settings, "steering_group_email": "steering@alpha.example.gov.uk"}
    first = admins.web.client.post(f"{API}/meetings", json=MEETING, headers=admins.editor).json()
    url = _reader_calendar_url(admins, "invitee@dept.gov.uk", "meeting")
    _, event, _ = _checked(*_fetch(admins, url))
    assert str(event["ORGANIZER"]) == "mailto:meetings@alpha.example.gov.uk"
    second = admins.web.client.post(f"{API}/meetings", json=MEETING, headers=admins.editor).json()
    attendee = url.split("?attendee=")[1]
    moved = f"{second['calendar_url']}?attendee={attendee}"  # this reader's token on another meeting
    assert admins.web.client.get(moved.removeprefix(PUBLIC)).status_code == 404
    forged = f"{first['calendar_url']}?attendee={attendee[:-2]}xx"
    assert admins.web.client.get(forged.removeprefix(PUBLIC)).status_code == 404


def test_no_invitation_before_the_organiser_is_set(admins: Admins) -> None:
    with unit_of_work(admins.web.sessions) as uow:
        alpha = _alpha(uow)
        alpha.settings = {k: v for k, v in alpha.settings.items() if k != ORGANISER_SETTING}
    refused = admins.web.client.post(f"{API}/meetings", json=MEETING, headers=admins.editor)
    assert refused.status_code == 422
    (problem,) = refused.json()["detail"]
    assert problem["field"] == "organiser" and "Settings (Meeting invitations)" in problem["message"]
    with unit_of_work(admins.web.sessions) as uow:
        assert uow.session.scalars(select(Meeting)).first() is None
        assert uow.session.scalars(select(Message)).first() is None


def test_a_new_organiser_raises_the_sequence_of_meetings_to_come(admins: Admins) -> None:
    called_off = admins.web.client.post(f"{API}/meetings", json=MEETING, headers=admins.editor).json()
    admins.web.client.post(f"{API}/meetings/{called_off['id']}/cancel", json={}, headers=admins.editor)
    standing = admins.web.client.post(f"{API}/meetings", json=MEETING, headers=admins.editor).json()
    url = _reader_calendar_url(admins, "invitee@dept.gov.uk", "meeting")  # the standing meeting's
    before = _checked(*_fetch(admins, url))[1]
    with unit_of_work(admins.web.sessions) as uow:
        with pytest.raises(OrganiserError, match="organiser: Enter the organiser's email address"):
            set_organiser(uow.session, _alpha(uow), "not an address", actor="cli", now=utcnow())
        raised = set_organiser(
            uow.session, _alpha(uow), " Chair@Alpha.example.gov.uk ", actor="cli", now=utcnow()
        )
        assert raised == 1  # the cancelled meeting's files stay as they are
        assert (
            set_organiser(uow.session, _alpha(uow), "chair@alpha.example.gov.uk", actor="cli", now=utcnow())
            == 0
        )
    after = _checked(*_fetch(admins, url))[1]
    assert str(after["ORGANIZER"]) == "mailto:chair@alpha.example.gov.uk"
    assert int(after["SEQUENCE"]) == int(before["SEQUENCE"]) + 1 and after["UID"] == before["UID"]
    with unit_of_work(admins.web.sessions) as uow:
        assert uow.session.get_one(Meeting, standing["id"]).sequence == 1
        assert uow.session.get_one(Meeting, called_off["id"]).sequence == 1  # its cancel only
        audited = uow.session.scalars(
            select(AuditRecord).where(AuditRecord.action == "meeting_organiser_changed")
        ).all()
        assert [a.detail for a in audited] == [{"meetings": 1}]


def test_a_reader_taken_off_the_audience_gets_a_cancel_for_themselves_and_a_new_one_a_request(
    admins: Admins,
) -> None:
    """RFC 5546 3.2.5: uninviting an attendee is a CANCEL naming them, without STATUS (the meeting
    itself stands); the newly invited reader's file is a REQUEST at the raised SEQUENCE."""
    created = admins.web.client.post(f"{API}/meetings", json=MEETING, headers=admins.editor).json()
    with unit_of_work(admins.web.sessions) as uow:
        network = uow.session.scalars(select(Network).where(Network.slug == "alpha")).one()
        meeting = uow.session.get_one(Meeting, created["id"])
        deps = SourceDeps.from_settings(admins.web.settings, admins.web.queue)
        change = change_audience(
            uow, deps, network, meeting, Audience(["news"], ["invitee@dept.gov.uk"]), note="", actor="cli"
        )
    assert (change.invited, change.withdrawn) == (1, 1)  # sam.editor (news) in, reader (events) out
    url = _reader_calendar_url(admins, "reader@dept.gov.uk", "meeting_withdrawn")
    method, event, _ = _checked(*_fetch(admins, url))
    assert method == "CANCEL" and "STATUS" not in event and int(event["SEQUENCE"]) == 1
    assert str(event["ATTENDEE"]) == "mailto:reader@dept.gov.uk" and "teams" not in str(event)
    url = _reader_calendar_url(admins, "sam.editor@dept.gov.uk", "meeting")
    method, event, _ = _checked(*_fetch(admins, url))
    assert method == "REQUEST" and str(event["STATUS"]) == "CONFIRMED" and int(event["SEQUENCE"]) == 1
    still = _reader_calendar_url(admins, "invitee@dept.gov.uk", "meeting")  # named before and after
    assert _checked(*_fetch(admins, still))[0] == "REQUEST"
