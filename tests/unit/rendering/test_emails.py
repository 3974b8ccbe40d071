"""Rendering every kind of email: strict context, inert outside values, links only where allowed."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from jinja2 import DictLoader, UndefinedError

from notifier.domain.statuses import EventKind
from notifier.rendering.emails import (
    EMAIL_KINDS,
    NOTIFY_MAX_BODY_BYTES,
    AnnouncementEmail,
    ConfirmEmailChangeEmail,
    ConfirmSubscriptionEmail,
    ContentEmail,
    DataRequestVerifyEmail,
    DigestEmail,
    DigestPeriod,
    EmailKind,
    EmailTooLongError,
    EventDetails,
    MeetingEmail,
    MinutesEmail,
    render_email,
)
from notifier.rendering.environment import TEMPLATES_DIR, build_environment
from tests.unit.rendering.notify_markdown_model import client_linkable, linkable_in_text, parse, visible
from tests.unit.rendering.samples import CONTACT, GMT_START, ORIGINS, SITE, footer, sample_context

ALL_KINDS = list(EmailKind)
TRANSACTIONAL = {
    EmailKind.CONFIRM_SUBSCRIPTION,
    EmailKind.DATA_REQUEST_VERIFY,
    EmailKind.CONFIRM_EMAIL_CHANGE,
    EmailKind.NEW_LINKS,
    EmailKind.ADMIN_SIGN_IN,
    EmailKind.ADMIN_WAITING,
    EmailKind.MEETING_PLACE,  # one person: the first on a meeting's waiting list
    EmailKind.ARCHIVE_SIGN_IN,
    EmailKind.ADMIN_INVITATION,
    EmailKind.APPROVAL_NEEDED,
    EmailKind.ADMIN_TERM_ENDING,
    EmailKind.ACCESS_REVIEW,
    EmailKind.ADMIN_SUSPENDED,
    EmailKind.MEMBERSHIP_DECIDED,  # one person: the answer to their request to join
}
WHY_YOU_GET_THIS = "You're getting this email because you subscribed to Events from LGBT+ Network."
ESCAPED_CONTACT = CONTACT.replace(".", "\\.")
INLINE_ONLY_STRUCTURES = {"bracket", "url", "placeholder", "table", "character reference"}

HOSTILE_PAYLOADS = [
    "[x](https://evil.example)",
    "# Heading",
    "((body))",
    "* item",
    "^ inset",
    "<script>alert(1)</script>",
    "https://evil.example/login and evil.example",
    "Title\n===\n---\n    code\n1. one\n• two",
    "&#91;x&#93;&#40;https://evil.example&#41; Learn C#",
]


def _skeleton(body: str) -> list[str]:
    """The body's shape: its block openers in order, and where each link goes. A web address typed
    in a paragraph of text (an announcement, a summary, an agenda) is a link Notify makes of the
    address as shown, so it is no part of the shape; `_addresses` checks those."""
    structures, links = parse(body)
    return [structure.kind for structure in structures if structure.kind != "url"] + [
        link.url for link in links
    ]


def _addresses(body: str) -> list[str]:
    structures, _ = parse(body)
    return [structure.detail for structure in structures if structure.kind == "url"]


def _collapsed(text: str) -> str:
    return " ".join(text.split())


def test_registry_covers_every_kind_with_both_templates() -> None:
    assert set(EMAIL_KINDS) == set(EmailKind)
    for spec in EMAIL_KINDS.values():
        assert (TEMPLATES_DIR / spec.subject_template).is_file()
        assert (TEMPLATES_DIR / spec.body_template).is_file()
    assert {kind for kind, spec in EMAIL_KINDS.items() if spec.transactional} == TRANSACTIONAL


def test_each_event_kind_has_the_email_kind_of_the_same_value() -> None:
    assert {str(kind) for kind in EventKind} <= {str(kind) for kind in EmailKind}


def test_environment_is_built_once_per_process() -> None:
    assert build_environment() is build_environment()


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_every_kind_renders(kind: EmailKind) -> None:
    email = render_email(kind, sample_context(kind), allowed_origins=ORIGINS)
    assert email.subject
    assert email.subject == " ".join(email.subject.split())
    assert email.body.endswith("\n")
    assert not email.body.endswith("\n\n")
    assert "\n\n\n" not in email.body
    structures, links = parse(email.body)
    assert not [structure for structure in structures if structure.kind in INLINE_ONLY_STRUCTURES]
    assert links
    assert all(link.url.startswith(ORIGINS) for link in links)
    assert [structure for structure in structures if structure.kind == "heading"]
    if kind in TRANSACTIONAL:
        assert "nsubscribe" not in email.body
        assert "---" not in email.body
    else:
        shown = visible(email.body)
        assert shown.count(WHY_YOU_GET_THIS) == 1
        assert [link.url for link in links][-3:] == [
            footer().manage_url,
            footer().unsubscribe_url,
            footer().privacy_notice_url,
        ]
        assert "\n\n---\n\n" in email.body


@pytest.mark.parametrize("payload", HOSTILE_PAYLOADS)
@pytest.mark.parametrize("kind", ALL_KINDS)
def test_hostile_values_come_out_inert(kind: EmailKind, payload: str) -> None:
    benign = render_email(kind, sample_context(kind), allowed_origins=ORIGINS)
    hostile = render_email(kind, sample_context(kind, lambda _: payload), allowed_origins=ORIGINS)

    assert _skeleton(hostile.body) == _skeleton(benign.body)
    # Addresses typed in paragraphs of text are shown as typed, and link to just what they show.
    assert all(address.startswith("https://evil.example") for address in _addresses(hostile.body))
    assert _addresses(benign.body) == []
    # Besides them, the event's contact address is the one thing a mail client may link (as mailto:).
    linkable = client_linkable(hostile.body.replace(ESCAPED_CONTACT, "contact"))
    assert set(linkable) <= set(linkable_in_text(payload))
    shown = _collapsed(visible(hostile.body))
    assert _collapsed(payload) in shown or _collapsed(payload.replace("[", "(").replace("]", ")")) in shown
    assert "\n" not in hostile.subject
    assert _collapsed(payload) in hostile.subject or kind in TRANSACTIONAL


def test_values_are_escaped_in_bodies_but_kept_plain_in_subjects() -> None:
    value = "Vote now!\n[Ballot](https://evil.example) ((body))"
    context = sample_context(EmailKind.ANNOUNCEMENT, lambda _: value)
    email = render_email(EmailKind.ANNOUNCEMENT, context, allowed_origins=ORIGINS)
    assert email.subject == (
        "Vote now! [Ballot](https://evil.example) ((body)): Vote now! [Ballot](https://evil.example) ((body))"
    )
    heading = "# Vote now\\! \\[Ballot\\]\\(https:\u200b//evil\\.\u200bexample\\) \\(\\(body\\)\\)\n"
    assert heading in email.body


LINK_FIELDS = [
    (EmailKind.CONTENT, "url"),
    (EmailKind.MEETING, "online_url"),
    (EmailKind.MEETING, "calendar_url"),
    (EmailKind.MEETING_REMINDER, "meeting_url"),
    (EmailKind.MINUTES, "minutes_url"),
    (EmailKind.MINUTES, "meeting_url"),
    (EmailKind.CONFIRM_SUBSCRIPTION, "confirm_url"),
    (EmailKind.CONFIRM_SUBSCRIPTION, "privacy_notice_url"),
    (EmailKind.DATA_REQUEST_VERIFY, "verify_url"),
    (EmailKind.CONFIRM_EMAIL_CHANGE, "confirm_url"),
]


@pytest.mark.parametrize(("kind", "field"), LINK_FIELDS)
def test_links_to_other_hosts_are_refused(kind: EmailKind, field: str) -> None:
    original: Any = sample_context(kind)
    context = dataclasses.replace(original, **{field: "https://evil.example/login"})
    with pytest.raises(ValueError, match=r"not allowed: evil\.example"):
        render_email(kind, context, allowed_origins=ORIGINS)


@pytest.mark.parametrize("field", ["manage_url", "unsubscribe_url", "privacy_notice_url"])
def test_footer_links_to_other_hosts_are_refused(field: str) -> None:
    original: Any = sample_context(EmailKind.ANNOUNCEMENT)
    context = dataclasses.replace(
        original, footer=dataclasses.replace(footer(), **{field: "http://evil.example/"})
    )
    with pytest.raises(ValueError, match=r"must be https: evil\.example"):
        render_email(EmailKind.ANNOUNCEMENT, context, allowed_origins=ORIGINS)


def test_digest_item_links_are_checked() -> None:
    digest = sample_context(EmailKind.DIGEST)
    assert isinstance(digest, DigestEmail)
    bad_item = dataclasses.replace(digest.items[0], url="https://evil.example/")
    bad_digest = dataclasses.replace(digest, items=(bad_item,))
    with pytest.raises(ValueError, match=r"evil\.example"):
        render_email(EmailKind.DIGEST, bad_digest, allowed_origins=ORIGINS)


def test_dev_mode_service_links_on_loopback_http() -> None:
    dev = "http://127.0.0.1:8000"
    original: Any = sample_context(EmailKind.CONFIRM_SUBSCRIPTION)
    context = dataclasses.replace(original, confirm_url=f"{dev}/subscriptions/confirm/tok")
    email = render_email(EmailKind.CONFIRM_SUBSCRIPTION, context, allowed_origins=(SITE, dev))
    assert f"[Confirm your subscription]({dev}/subscriptions/confirm/tok)" in email.body
    with pytest.raises(ValueError, match="must be https"):
        render_email(EmailKind.CONFIRM_SUBSCRIPTION, context, allowed_origins=(SITE, "http://dev.test:8000"))


def test_missing_context_fails_loudly() -> None:
    variables: dict[str, Any] = {
        field.name: getattr(sample_context(EmailKind.ANNOUNCEMENT), field.name)
        for field in dataclasses.fields(AnnouncementEmail)
    }
    del variables["footer"]
    template = build_environment().get_template("email/announcement/body.md")
    with pytest.raises(UndefinedError, match="footer"):
        template.render(variables, allowed_origins=ORIGINS)


def test_printing_none_fails_loudly() -> None:
    with pytest.raises(TypeError, match="printed None"):
        build_environment().from_string("Location: {{ location }}").render(location=None)


def test_markdown_in_a_subject_template_is_refused() -> None:
    environment = build_environment().overlay(loader=DictLoader({"bad/subject.txt": "{{ text|block }}"}))
    with pytest.raises(TypeError, match="markdown printed in plain-text template"):
        environment.get_template("bad/subject.txt").render(text="x")


def test_wrong_context_type_is_refused() -> None:
    with pytest.raises(TypeError, match="minutes needs a MinutesEmail, not AnnouncementEmail"):
        render_email(EmailKind.MINUTES, sample_context(EmailKind.ANNOUNCEMENT), allowed_origins=ORIGINS)


def test_bad_contact_email_is_refused() -> None:
    content = sample_context(EmailKind.CONTENT)
    assert isinstance(content, ContentEmail)
    assert content.event is not None
    event = dataclasses.replace(content.event, contact_email="[x](https://evil.example)")
    with pytest.raises(ValueError, match="not an email address"):
        render_email(EmailKind.CONTENT, dataclasses.replace(content, event=event), allowed_origins=ORIGINS)


def test_body_over_notify_limit_is_refused() -> None:
    huge = AnnouncementEmail("Network", "Big", "word " * (NOTIFY_MAX_BODY_BYTES // 5), footer())
    with pytest.raises(EmailTooLongError, match="2,000,000 byte limit"):
        render_email(EmailKind.ANNOUNCEMENT, huge, allowed_origins=ORIGINS)


def test_optional_parts_are_left_out_cleanly() -> None:
    bare = ContentEmail("LGBT+ Network", "Hello", f"{SITE}/hello/", footer())
    body = render_email(EmailKind.CONTENT, bare, allowed_origins=ORIGINS).body
    assert body.startswith("LGBT\\+ Network has published something new on its website.\n\n# Hello\n\n[Read")
    for left_out in ("By ", "Event details", "Tagged"):
        assert left_out not in body


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: MeetingEmail("N", "T", datetime(2026, 3, 3, 14, 30), footer()), "timezone-aware"),  # noqa: DTZ001
        (lambda: MeetingEmail("N", "T", GMT_START, footer(), end=GMT_START - timedelta(hours=1)), "end must"),
        (lambda: MinutesEmail("N", "T", date(2026, 3, 3), footer()), "minutes_url or a minutes_body"),
        (lambda: DigestEmail("N", DigestPeriod.DAILY, (), footer()), "at least one item"),
        (lambda: AnnouncementEmail("N", "Subject", "  \n ", footer()), "body must not be empty"),
        (lambda: EventDetails(start=datetime(2026, 3, 3)), "timezone-aware"),  # noqa: DTZ001
        (lambda: ConfirmSubscriptionEmail("N", f"{SITE}/c", 7, (), f"{SITE}/p"), "topic"),
        (lambda: DataRequestVerifyEmail("N", "Erase my data", f"{SITE}/v", 0), "expiry_days"),
        (lambda: ConfirmEmailChangeEmail("N", f"{SITE}/e", 0), "expiry_days"),
    ],
)
def test_contexts_refuse_bad_values(build: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build()


def test_a_request_to_join_says_request_to_join_not_subscription() -> None:
    original: Any = sample_context(EmailKind.CONFIRM_SUBSCRIPTION)
    joining = dataclasses.replace(original, membership=True, topic_names=())
    email = render_email(EmailKind.CONFIRM_SUBSCRIPTION, joining, allowed_origins=ORIGINS)
    assert email.subject == f"Confirm your request to join {original.network_name}"
    assert f"[Confirm your request to join]({original.confirm_url})" in email.body
    assert "Confirm your subscription" not in email.body and "You also asked" not in email.body
    with_topics = dataclasses.replace(joining, topic_names=("News",))
    assert (
        "You also asked for emails about:\n\n* News"
        in render_email(EmailKind.CONFIRM_SUBSCRIPTION, with_topics, allowed_origins=ORIGINS).body
    )
