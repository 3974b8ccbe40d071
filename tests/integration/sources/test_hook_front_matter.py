"""The publish hook with front matter as real sites write it, and with arbitrary front matter and
bodies: every request gets a 2xx or a 4xx naming the field, never a 500, never half-stored; what is
queued renders as readable email."""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from notifier.db.models import ContentPage, Event, Message, Network, Subscriber
from notifier.db.session import unit_of_work
from notifier.services.delivery.emails import TemplateComposer
from notifier.services.sources import webhooks
from tests.support.seeding import network_with_topics, subscriber
from tests.support.webapp import WebApp, web_app

pytestmark = pytest.mark.dates

SITE = "https://alpha.example.gov.uk"


@pytest.fixture
def app(sessions: sessionmaker[Session]) -> tuple[WebApp, str]:
    with unit_of_work(sessions) as uow:
        network, (news, events) = network_with_topics(uow.session, "alpha", ("news", "events"))
        network.settings = {
            **network.settings,
            "routing": {"collections": {"events": ["events"]}, "tags": {"news": ["news"]}},
        }
        subscriber(uow.session, network, "reader@dept.gov.uk", [news, events])
        secret = network.webhook_secret
    return web_app(sessions), secret


def post(web: WebApp, secret: str, payload: dict[str, Any]) -> Any:
    body = json.dumps(payload).encode()
    headers = webhooks.signed_headers(secret, body, now=time.time())
    return web.client.post("/hooks/alpha/content", content=body, headers=headers)


def stored(sessions: sessionmaker[Session]) -> tuple[int, int, int]:
    with unit_of_work(sessions) as uow:
        count = [
            uow.session.scalar(select(func.count()).select_from(t)) or 0
            for t in (Event, Message, ContentPage)
        ]
    return count[0], count[1], count[2]


def rendered_bodies(web: WebApp) -> list[str]:
    """Every queued message composed for the reader, as the sender would."""
    public = web.settings.model_copy(update={"public_base_url": "https://notifier.example.gov.uk"})
    composer = TemplateComposer.from_settings(public)
    with unit_of_work(web.sessions) as uow:
        reader = uow.session.scalars(select(Subscriber)).one()
        messages = uow.session.scalars(select(Message).order_by(Message.id)).all()
        bodies = [composer.compose(uow.session, m, reader).body for m in messages]
    # Read as a person would: without Notify-markdown's escaping backslashes and zero-width spaces.
    return [re.sub(r"\\(.)", r"\1", body).replace("\u200b", "") for body in bodies]


EVENT_PAGE = """\
layout: event
title: "Spring forum: allies & networks"
date: 2025-03-05 09:00:00 +0000
categories: [events]
author:
  name: Sam Patel
published: yes
event:
  location: 10 South Colonnade, London
  start: 2025-03-20 18:00
  end: '2025-03-20 20:00'
  registration_deadline: 2025-03-18
  contact_email: events@alpha.example.gov.uk
"""
EVENT_BODY = """\
<!-- facilities haven't confirmed the room yet -->
{% include event-banner.html %}
Our **spring forum** brings members and allies together. [Book a place]({{ site.baseurl }}/book).
{: .govuk-body-l}

{% raw %}{{ not a variable }}{% endraw %}
"""


def test_an_event_page_with_an_event_block_becomes_a_readable_email(app: tuple[WebApp, str]) -> None:
    web, secret = app
    page = {"url": f"{SITE}/events/spring-forum/", "collection": "events", "front_matter": EVENT_PAGE}
    # Posted before its registration deadline (a deadline already past is left out of the email).
    with time_machine.travel(datetime(2025, 3, 6, 12, 0, tzinfo=UTC), tick=True):
        response = post(web, secret, {**page, "body": EVENT_BODY})
    assert response.status_code == 202, response.text
    assert "warnings" not in response.json()
    (body,) = rendered_bodies(web)
    assert "Spring forum: allies & networks" in body and "By Sam Patel" in body
    assert "Our spring forum brings members and allies together. Book a place." in body
    assert "Location: 10 South Colonnade, London" in body
    assert "Thursday 20 March 2025, 6pm to 8pm" in body
    assert "Register by: Tuesday 18 March 2025 at 11:59pm" in body
    assert "events@alpha.example.gov.uk" in body
    for leaked in ("<!--", "facilities", "{%", "{{", "{:", "**"):
        assert leaked not in body


@pytest.mark.parametrize(
    ("posted_at", "kept"),
    [
        (datetime(2025, 3, 18, 23, 58, 59, tzinfo=UTC), True),  # a second before the deadline
        (datetime(2025, 3, 18, 23, 59, 0, tzinfo=UTC), True),  # at it: 11:59pm London (GMT)
        (datetime(2025, 3, 18, 23, 59, 1, tzinfo=UTC), False),  # a second after: left out, with a warning
    ],
)
def test_a_registration_deadline_is_kept_until_it_passes(
    app: tuple[WebApp, str], posted_at: datetime, kept: bool
) -> None:
    web, secret = app
    page = {"url": f"{SITE}/events/spring-forum/", "collection": "events", "front_matter": EVENT_PAGE}
    with time_machine.travel(posted_at, tick=False):
        response = post(web, secret, {**page, "body": EVENT_BODY})
    assert response.status_code == 202, response.text
    warned = [w["field"] for w in response.json().get("warnings", [])]
    assert warned == ([] if kept else ["front_matter.event.registration_deadline"])
    (body,) = rendered_bodies(web)
    assert ("Register by: Tuesday 18 March 2025 at 11:59pm" in body) is kept
    assert "Thursday 20 March 2025, 6pm to 8pm" in body


def test_unpublished_preview_duplicate_and_changed_pages(app: tuple[WebApp, str]) -> None:
    web, secret = app
    url = f"{SITE}/2025/03/05/forum.html"
    base = "title: Forum\ntags: news\n"
    assert (
        post(web, secret, {"url": url, "front_matter": base + "published: false\n"}).json()["status"]
        == "ignored"
    )
    assert (
        post(web, secret, {"url": url, "front_matter": base + "preview: true\n"}).json()["status"]
        == "ignored"
    )
    assert stored(web.sessions) == (0, 0, 0)
    assert post(web, secret, {"url": url, "front_matter": base}).status_code == 202
    assert post(web, secret, {"url": url, "front_matter": base}).json()["status"] == "duplicate"
    changed = post(web, secret, {"url": url, "front_matter": base, "body": "A new paragraph."})
    assert changed.json()["status"] == "ignored" and "does not ask" in changed.json()["reason"]
    update = post(web, secret, {"url": url, "front_matter": base + "notify_update: true\n", "body": "Now."})
    assert update.status_code == 202
    bodies = rendered_bodies(web)
    assert len(bodies) == 2 and "Updated: Forum" in bodies[1]
    assert stored(web.sessions) == (2, 2, 1)


@pytest.mark.parametrize(
    ("front_matter", "field"),
    [
        ("title: [unclosed\n", "front_matter"),
        ("date: 2025-03-05\n", "front_matter.title"),
        ("title: {nested: map}\n", "front_matter.title"),
        ("title: ''\n", "front_matter.title"),
    ],
)
def test_only_what_makes_an_email_impossible_gets_a_422_naming_the_field(
    app: tuple[WebApp, str], front_matter: str, field: str
) -> None:
    web, secret = app
    response = post(web, secret, {"url": f"{SITE}/x/", "front_matter": front_matter})
    assert response.status_code == 422, response.text
    assert [d["field"] for d in response.json()["detail"]] == [field]
    assert stored(web.sessions) == (0, 0, 0)


@pytest.mark.parametrize(
    ("front_matter", "fields"),
    [
        ("title: x\ndate: next tuesday\n", ["front_matter.date"]),
        ("title: x\nevent:\n  location: Leeds\n", ["front_matter.event.start"]),
        (
            "title: x\nevent:\n  start: 2025-03-05 18:00\n  end: 2025-03-05 17:00\n",
            ["front_matter.event.end"],
        ),
        (
            "title: x\nevent:\n  start: 2025-03-05\n  contact_email: not-an-address\n",
            ["front_matter.event.contact_email"],
        ),
        (
            "title: x\nevent:\n  start: 2025-03-05\n  registration_deadline: 2025-03-01\n",
            ["front_matter.event.registration_deadline"],
        ),
        ("title: x\ntags: {a: 1}\n", ["front_matter.tags"]),
        ("title: x\npublished: maybe\n", ["front_matter.published"]),
        ("title: x\ndate: 2025-02-30\n", []),  # Ruby's Time.parse rolls over: 2 March
    ],
)
def test_a_fault_in_an_optional_field_drops_that_field_with_a_warning(
    app: tuple[WebApp, str], front_matter: str, fields: list[str]
) -> None:
    web, secret = app
    response = post(web, secret, {"url": f"{SITE}/x/", "front_matter": front_matter})
    assert response.status_code == 202, response.text
    assert [w["field"] for w in response.json().get("warnings", [])] == fields
    assert stored(web.sessions) == (1, 2, 1)
    with unit_of_work(web.sessions) as uow:
        event = uow.session.scalars(select(Event)).one()
        assert [w["field"] for w in event.payload["warnings"]] == fields  # kept with the event's record
        if "2025-02-30" in front_matter:
            assert event.payload["date"].startswith("2025-03-02")
    assert len(rendered_bodies(web)) == 2


def test_a_url_with_a_space_is_encoded_as_a_browser_would(app: tuple[WebApp, str]) -> None:
    web, secret = app
    response = post(web, secret, {"url": f"{SITE}/events/agm 2025/café", "front_matter": "title: AGM"})
    assert response.status_code == 202, response.text
    with unit_of_work(web.sessions) as uow:
        assert uow.session.scalars(select(ContentPage.url)).one() == f"{SITE}/events/agm%202025/caf%C3%A9"
    assert f"{SITE}/events/agm%202025/caf%C3%A9" in rendered_bodies(web)[0]


# Front matter lines as people (and broken tools) write them.
KEYS = st.sampled_from(
    [
        "title",
        "date",
        "excerpt",
        "author",
        "tags",
        "categories",
        "published",
        "preview",
        "notify_update",
        "description",
        "layout",
        "permalink",
        "excerpt_separator",
        "x",
    ]
)
ODD_VALUES = st.sampled_from(
    [
        "yes",
        "no",
        "~",
        "[a, b]",
        "{a: 1}",
        "'quoted'",
        '"2025-03-05"',
        "2025-03-05 18:00:00 +0100",
        "2025-02-30",
        "next week",
        "!!binary aGk=",
        "&a anchor",
        "*a",
        "'unterminated",
        "- item",
        "|",
        ">",
        "!!python/object:os.system x",
        "1e400",
        "0x1F",
        ":sym",
        "{{ page.title }}",
        "<!-- c -->",
        "@x",
        "`x`",
    ]
)
LINES = st.tuples(KEYS, st.one_of(ODD_VALUES, st.text(max_size=30))).map(lambda kv: f"{kv[0]}: {kv[1]}")
EVENT_BLOCK = st.lists(
    st.tuples(
        st.sampled_from(["start", "end", "location", "registration_deadline", "contact_email", "y"]),
        st.one_of(ODD_VALUES, st.text(max_size=20)),
    ),
    max_size=5,
).map(lambda kvs: "event:\n" + "".join(f"  {k}: {v}\n" for k, v in kvs))
FRONT_MATTER_TEXT = st.one_of(
    st.lists(LINES, max_size=8).map("\n".join),
    st.tuples(st.lists(LINES, max_size=5).map("\n".join), EVENT_BLOCK).map(
        lambda p: f"title: T\n{p[0]}\n{p[1]}"
    ),
    st.text(max_size=200),
)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=10,
)
FRONT_MATTER = st.one_of(FRONT_MATTER_TEXT, st.dictionaries(KEYS, JSON_VALUES, max_size=6))
BODY = st.one_of(
    st.none(),
    st.text(max_size=300),
    st.lists(
        st.sampled_from(
            [
                "<!-- x -->",
                "{% if a %}",
                "{{ b }}",
                "{: .c}",
                "**d**",
                "[e](f)",
                "\n\n",
                "<p>g</p>",
                "{::comment}h{:/comment}",
                "# i",
                "word",
            ]
        ),
        max_size=12,
    ).map("".join),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(front_matter=FRONT_MATTER, body=BODY, collection=st.sampled_from(["posts", "events", ""]))
def test_arbitrary_front_matter_gets_2xx_or_a_4xx_naming_the_field(
    app: tuple[WebApp, str], front_matter: str | dict[str, Any], body: str | None, collection: str
) -> None:
    web, secret = app
    before = stored(web.sessions)
    payload = {"url": f"{SITE}/p/{time.monotonic_ns()}/", "front_matter": front_matter, "body": body}
    response = post(web, secret, {**payload, "collection": collection} if collection else payload)
    # 400: text no database can store (a NUL), refused by the request guard before the hook reads it.
    assert response.status_code in (200, 202, 400, 422), response.text
    after = stored(web.sessions)
    if response.status_code in (400, 422):
        assert all(d["field"] for d in response.json()["detail"]), response.text
        assert after == before
    elif response.json()["status"] == "ignored":
        assert after == before
    else:
        assert after[0] == before[0] + 1 and after[2] == before[2] + 1
        for email in rendered_bodies(web)[before[1] :]:
            assert "<!--" not in email and "{%" not in email and "{:" not in email


def test_the_network_is_checked_before_anything_is_read(app: tuple[WebApp, str]) -> None:
    web, secret = app
    with unit_of_work(web.sessions) as uow:
        assert uow.session.scalars(select(Network)).one().slug == "alpha"
    response = post(web, secret, {"url": "https://elsewhere.example.com/x/", "front_matter": "title: x"})
    assert response.status_code == 422 and response.json()["detail"][0]["field"] == "url"
