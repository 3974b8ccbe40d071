"""Each kind of reader gets its own "why you are getting this" line; a test send has no links to
unsubscribe or manage preferences (it is not a subscription email)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from notifier.rendering.contexts import AnnouncementEmail, FooterReason
from notifier.rendering.emails import EmailKind, render_email
from tests.unit.rendering.samples import SERVICE, SITE, footer

LINES = {
    FooterReason.TOPIC: "You're getting this email because you subscribed to Events from LGBT+ Network.",
    FooterReason.MEMBER: "You're getting this email because you're a member of LGBT+ Network.",
    FooterReason.INVITEE: "You're getting this email because LGBT+ Network invited you to this meeting.",
    FooterReason.ATTENDEE: "You're getting this email because you told LGBT+ Network you're coming to "
    "Steering group.",
    FooterReason.DIGEST: "You're getting this summary because you chose to get emails from LGBT+ Network "
    "as a daily or weekly summary.",
    FooterReason.TEST: "This is a test sent only to you, because you asked for one.",
    FooterReason.ARCHIVE: "This is LGBT+ Network's archive copy of an email sent to Events.",
}


def _body(reason: FooterReason) -> str:
    context = AnnouncementEmail(
        "LGBT+ Network",
        "AGM",
        "Come along.",
        replace(footer(), reason=reason, meeting_title="Steering group"),
    )
    return render_email(EmailKind.ANNOUNCEMENT, context, allowed_origins=(SITE, SERVICE)).body


@pytest.mark.parametrize("reason", list(FooterReason))
def test_each_reader_is_told_why_they_get_the_email(reason: FooterReason) -> None:
    body = " ".join(_body(reason).replace("\\", "").split())
    assert LINES[reason] in body, body
    for other, line in LINES.items():
        if other is not reason:
            assert line not in body
    assert "from LGBT+ Network from LGBT+ Network" not in body
    assert "privacy notice" in body


@pytest.mark.parametrize("reason", [FooterReason.TEST, FooterReason.ARCHIVE])
def test_a_test_send_and_the_archive_copy_carry_no_unsubscribe_or_preferences_link(
    reason: FooterReason,
) -> None:
    body = _body(reason)
    assert "/unsubscribe/" not in body and "/subscriptions/manage/" not in body
    assert "Unsubscribe" not in body
    for other in set(FooterReason) - {FooterReason.TEST, FooterReason.ARCHIVE}:
        assert "/unsubscribe/tok123" in _body(other)
