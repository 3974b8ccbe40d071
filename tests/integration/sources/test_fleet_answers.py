"""Answers to a meeting on a real fleet (PostgreSQL + Redis + web + worker + beat + the sandbox), every
link read out of the emails in the sandbox's outbox: a meeting with two places (its invitation
approved by a second person, as the fleet's network requires), three Yes answers (the third waits),
one Yes changed to No, the waiting person offered the place by email and taking it through the link;
opening any answer link (GET, as a mail scanner does) changes nothing; the admin's counts and CSV
agree with what was answered."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select

from notifier.db.models import MeetingAnswer, Subscriber
from notifier.db.session import unit_of_work
from tests.integration.sources.test_fleet_sources import (
    ADA,
    ANN,
    BEN,
    DORA,
    LONDON,
    World,
    approve,
    readable,
    signed_in,
    world,
)

__all__ = ["world"]  # the module's fleet, built as test_fleet_sources.py builds it
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
ANSWER_LINK = re.compile(r"https?://[^/\s)]+(/meetings/answer/[\w.\-]+)\?choice=(yes|no|maybe)")


def _answer_links(entry: dict[str, Any], choices: tuple[str, ...] = ("yes", "no", "maybe")) -> dict[str, str]:
    """The email's answer links (choice -> path with its query)."""
    found = {
        m.group(2): f"{m.group(1)}?choice={m.group(2)}" for m in ANSWER_LINK.finditer(str(entry["body"]))
    }
    assert set(found) == set(choices), entry["body"]
    return found


def _stored(world: World) -> dict[str, tuple[str, str | None]]:
    with unit_of_work(world.sessions) as uow:
        rows = uow.session.execute(
            select(Subscriber.email, MeetingAnswer.answer, MeetingAnswer.place).join(
                MeetingAnswer, MeetingAnswer.subscriber_id == Subscriber.id
            )
        ).all()
    return {email: (answer.value, place.value if place else None) for email, answer, place in rows}


def _press(client: httpx.Client, link: str) -> str:
    """Open the link and press the button with the choice it preselected; the page that answers."""
    page = client.get(link)
    assert page.status_code == 200, page.text
    token = CSRF.search(page.text)
    assert token is not None
    path, choice = link.split("?choice=")
    saved = client.post(path, data={"csrf_token": token.group(1), "choice": choice})
    assert saved.status_code == 200, saved.text
    return " ".join(re.sub(r"<[^>]+>", " ", saved.text).split())


def test_two_places_three_yes_a_no_and_the_offer_taken_through_the_emails(world: World) -> None:
    api = f"{world.fleet.web_url}/admin/api/networks/alpha"
    start = (datetime.now(LONDON) + timedelta(days=5)).replace(second=0, microsecond=0, tzinfo=None)
    meeting = {
        "title": "Book launch",
        "start": start.isoformat(),
        "end": (start + timedelta(hours=2)).isoformat(),
        "location": "The library",
        "topics": ["events"],  # ann, ben and dora (daily, but an invitation goes at once)
        "capacity": 2,
    }
    created = httpx.post(f"{api}/meetings", json=meeting, headers=world.editor, timeout=10)
    assert created.status_code == 201, created.text
    # The fleet's network requires sign-off: the invitation goes once Ben approves it.
    approve(world.approver(), f"/admin/alpha/approvals/{created.json()['approval_request_id']}")
    invitations = world.wait_for("Invitation: Book launch", {ANN, BEN, DORA})
    links = {person: _answer_links(entry) for person, entry in invitations.items()}
    reader = httpx.Client(base_url=world.fleet.web_url, timeout=10)
    for person_links in links.values():  # every link opened, as a mail scanner would: nothing saved
        for link in person_links.values():
            assert reader.get(link).status_code == 200
    assert _stored(world) == {}
    assert "Your answer has been saved" in _press(reader, links[ANN]["yes"])
    assert "Your answer has been saved" in _press(reader, links[BEN]["yes"])
    assert "you are number 1 on the waiting list" in _press(reader, links[DORA]["yes"])
    assert _stored(world) == {ANN: ("yes", "confirmed"), BEN: ("yes", "confirmed"), DORA: ("yes", "waiting")}
    _press(reader, links[BEN]["no"])
    offer = world.wait_for("A place is free for you: Book launch", {DORA})[DORA]
    assert _stored(world)[DORA] == ("yes", "offered")
    assert "Book launch" in readable(offer)
    offered = _answer_links(offer, ("yes",))  # "Confirm your place"
    same_reader = offered["yes"].split(".")[0] == links[DORA]["yes"].split(".")[0]
    assert same_reader  # the same meeting and reader as the invitation's link, signed later
    before = _stored(world)
    for link in [*offered.values(), *(link for person in links.values() for link in person.values())]:
        assert reader.get(link).status_code == 200
    assert _stored(world) == before  # GET on every answer link changes nothing
    _press(reader, offered["yes"])
    answers = {ANN: ("yes", "confirmed"), BEN: ("no", None), DORA: ("yes", "confirmed")}
    assert _stored(world) == answers
    admin = signed_in(world, ADA)
    page = admin.get(f"/admin/alpha/meetings/{created.json()['id']}/answers")
    assert page.status_code == 200, page.text
    text = " ".join(re.sub(r"<[^>]+>", " ", page.text).split())
    for counted in ("Coming 2 of 2 places", "Offered a place 0", "Waiting list 0", "Maybe 0", "Not coming 1"):
        assert counted in text, text
    exported = admin.get(f"/admin/alpha/meetings/{created.json()['id']}/answers.csv")
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    rows = {
        row["email"]: (row["answer"], row["place"] or None)
        for row in csv.DictReader(io.StringIO(exported.text))
    }
    assert rows == answers
