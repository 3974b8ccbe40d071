"""A sample context for every email kind; `text` lets a test swap every outside text value."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from notifier.rendering.emails import (
    AccessReviewEmail,
    AdminInvitationEmail,
    AdminSignInEmail,
    AdminSuspendedEmail,
    AdminWaitingEmail,
    AnnouncementEmail,
    ApprovalNeededEmail,
    ArchiveSignInEmail,
    ConfirmEmailChangeEmail,
    ConfirmSubscriptionEmail,
    ContentEmail,
    DataRequestVerifyEmail,
    DigestEmail,
    DigestItem,
    DigestPeriod,
    EmailContext,
    EmailKind,
    EventDetails,
    Footer,
    MeetingEmail,
    MeetingPlaceEmail,
    MembershipDecidedEmail,
    MinutesEmail,
    NewLinksEmail,
    ReviewLine,
    TermEndingEmail,
    render_email,
)
from notifier.rendering.markdown import TrustedMarkdown
from notifier.services.delivery.email_previews import without_footer

SITE = "https://lgbt.network.example"
SERVICE = "https://notifier.service.example"
ORIGINS = (SITE, SERVICE)
CONTACT = "events@lgbt.network.example"

GMT_START = datetime(2026, 3, 3, 14, 30, tzinfo=UTC)  # 2:30pm in London
GMT_END = datetime(2026, 3, 3, 16, 0, tzinfo=UTC)
BST_START = datetime(2026, 7, 7, 13, 30, tzinfo=UTC)  # 2:30pm in London
BST_END = datetime(2026, 7, 7, 15, 0, tzinfo=UTC)

Text = Callable[[str], str]


def footer(text: Text = str) -> Footer:
    return Footer(
        network_name=text("LGBT+ Network"),
        topic_name=text("Events"),
        manage_url=f"{SERVICE}/subscriptions/manage/tok123",
        unsubscribe_url=f"{SERVICE}/unsubscribe/tok123",
        privacy_notice_url=f"{SITE}/privacy/",
    )


def _content(text: Text) -> ContentEmail:
    return ContentEmail(
        network_name=text("LGBT+ Network"),
        title=text("Pride month: what we have planned"),
        url=f"{SITE}/2026/06/01/pride-month/",
        footer=footer(text),
        excerpt=text("We have a full programme this year.\n\nEveryone is welcome."),
        author=text("Sam Jones"),
        published=date(2026, 6, 1),
        tags=(text("events"), text("pride")),
        event=EventDetails(
            start=BST_START,
            end=BST_END,
            location=text("1 Horse Guards Road, London"),
            registration_deadline=datetime(2026, 7, 1, 16, 0, tzinfo=UTC),
            contact_email=CONTACT,
        ),
    )


def _meeting(text: Text) -> MeetingEmail:
    return MeetingEmail(
        network_name=text("LGBT+ Network"),
        title=text("Steering group meeting"),
        start=GMT_START,
        end=GMT_END,
        footer=footer(text),
        location=text("Room 4.12, 10 Victoria Street"),
        online_url=f"{SERVICE}/meetings/7/join",
        agenda=text("1. Welcome\n2. Budget for 2026\n\nAny other business"),
        calendar_url=f"{SERVICE}/meetings/7/calendar.ics",
        meeting_url=f"{SITE}/meetings/steering-group/",
        note=text("We have moved to a bigger room."),
    )


def _membership_decided(text: Text) -> MembershipDecidedEmail:
    return MembershipDecidedEmail(
        network_name=text("LGBT+ Network"),
        approved=True,
        topic_names=(text("Network business"), text("Steering group minutes")),
        contact_url=f"{SERVICE}/contact/lgbt",
        privacy_notice_url=f"{SITE}/privacy/",
    )


def _meeting_place(text: Text) -> MeetingPlaceEmail:
    return MeetingPlaceEmail(
        network_name=text("LGBT+ Network"),
        title=text("Steering group meeting"),
        start=GMT_START,
        end=GMT_END,
        answer_url=f"{SERVICE}/meetings/answer/sample-token",
        offer_expires_at=GMT_START - timedelta(days=2),
        location=text("Room 4.12, 10 Victoria Street"),
    )


def _minutes(text: Text) -> MinutesEmail:
    return MinutesEmail(
        network_name=text("LGBT+ Network"),
        meeting_title=text("Steering group meeting"),
        meeting_date=GMT_START,
        footer=footer(text),
        minutes_url=f"{SITE}/minutes/2026-03-03/",
        minutes_body=text("We agreed the budget.\nSam will book the venue."),
        meeting_url=f"{SITE}/meetings/steering-group/",
    )


def _announcement(text: Text) -> AnnouncementEmail:
    return AnnouncementEmail(
        network_name=text("LGBT+ Network"),
        subject=text("Our annual general meeting"),
        body=text("Hello everyone,\n\nOur AGM is on 3 March.\nPlease come along."),
        footer=footer(text),
    )


def _digest(text: Text) -> DigestEmail:
    return DigestEmail(
        network_name=text("LGBT+ Network"),
        period=DigestPeriod.WEEKLY,
        items=(
            DigestItem(text("Pride month plans"), f"{SITE}/2026/06/01/pride/", text("A full programme.")),
            DigestItem(text("New mentoring scheme"), f"{SITE}/2026/06/03/mentoring/"),
        ),
        footer=footer(text),
    )


def _confirm(text: Text) -> ConfirmSubscriptionEmail:
    return ConfirmSubscriptionEmail(
        network_name=text("LGBT+ Network"),
        confirm_url=f"{SERVICE}/subscriptions/confirm/tok456",
        expiry_days=7,
        topic_names=(text("Events"), text("News")),
        privacy_notice_url=f"{SITE}/privacy/",
    )


def _verify(text: Text) -> DataRequestVerifyEmail:
    return DataRequestVerifyEmail(
        network_name=text("LGBT+ Network"),
        request_type_label=text("Get a copy of your data"),
        verify_url=f"{SERVICE}/rights/verify/tok789",
        expiry_days=1,
        privacy_notice_url=f"{SITE}/privacy/",
    )


def _email_change(text: Text) -> ConfirmEmailChangeEmail:
    return ConfirmEmailChangeEmail(
        network_name=text("LGBT+ Network"),
        confirm_url=f"{SERVICE}/rights/email/tok321",
        expiry_days=7,
        privacy_notice_url=f"{SITE}/privacy/",
    )


def _new_links(text: Text) -> NewLinksEmail:
    return NewLinksEmail(
        network_name=text("LGBT+ Network"),
        manage_url=f"{SERVICE}/preferences/tok987",
        privacy_notice_url=f"{SITE}/privacy/",
    )


def _admin_sign_in(text: Text) -> AdminSignInEmail:
    return AdminSignInEmail(
        network_name=text("LGBT+ Network"),
        sign_in_url=f"{SERVICE}/admin/sign-in/tok999",
        expiry_minutes=15,
        network_names=(text("LGBT+ Network"), text("Women's Network")),
    )


def _admin_invitation(text: Text) -> AdminInvitationEmail:
    return AdminInvitationEmail(
        network_name=text("LGBT+ Network"),
        invited_by=text("Jo Evans (admin)"),
        role="approver",
        sign_in_url=f"{SERVICE}/admin/sign-in/tok998",
        expiry_days=7,
    )


def _approval_needed(text: Text) -> ApprovalNeededEmail:
    inner = render_email(EmailKind.ANNOUNCEMENT, _announcement(text), allowed_origins=ORIGINS)
    return ApprovalNeededEmail(
        network_name=text("LGBT+ Network"),
        what="Announcement",
        title=text("Our annual general meeting"),
        asked_by=text("Jo Evans (editor)"),
        people=412,
        check_url=f"{SERVICE}/admin/lgbt/announcements/12",
        email_subject=inner.subject,
        email_body=TrustedMarkdown(without_footer(inner.body)),
    )


def _term_ending(text: Text) -> TermEndingEmail:
    return TermEndingEmail(
        network_name=text("LGBT+ Network"),
        person_name=text("Sam Patel"),
        role="approver",
        last_day=date(2027, 3, 31),
        to_the_person=False,
        team_url=f"{SERVICE}/admin/lgbt/team",
    )


def _access_review(text: Text) -> AccessReviewEmail:
    return AccessReviewEmail(
        network_name=text("LGBT+ Network"),
        quarter="October to December 2026",
        people=(
            ReviewLine(text("Jo Evans"), "admin", datetime(2026, 9, 30, 8, 0, tzinfo=UTC)),
            ReviewLine(text("Sam Patel"), "approver", None, date(2027, 3, 31)),
        ),
        review_url=f"{SERVICE}/admin/lgbt/team/review",
    )


def _admin_suspended(text: Text) -> AdminSuspendedEmail:
    return AdminSuspendedEmail(
        network_name=text("LGBT+ Network"),
        role="editor",
        last_signed_in=datetime(2026, 4, 2, 9, 0, tzinfo=UTC),
        inactive_for="6 months",
        sign_in_url=f"{SERVICE}/admin",
        contact_email=CONTACT,
    )


def _archive_sign_in(text: Text) -> ArchiveSignInEmail:
    return ArchiveSignInEmail(
        network_name=text("LGBT+ Network"),
        sign_in_url=f"{SERVICE}/archive/lgbt/sign-in/tok999",
        expiry_minutes=30,
    )


def _admin_waiting(text: Text) -> AdminWaitingEmail:
    return AdminWaitingEmail(
        network_name=text("LGBT+ Network"),
        lines=("1 announcement to approve", "2 requests to join"),
        admin_url=f"{SERVICE}/admin/lgbt",
    )


def _meeting_place(text: Text) -> MeetingPlaceEmail:
    return MeetingPlaceEmail(
        network_name=text("LGBT+ Network"),
        title=text("Network forum"),
        start=BST_START,
        end=BST_END,
        answer_url=f"{SERVICE}/meetings/answer/tok321",
        offer_expires_at=datetime(2026, 7, 3, 17, 0, tzinfo=UTC),
        location=text("Room 1.2, 10 Whitehall"),
    )


def sample_context(kind: EmailKind, text: Text = str) -> EmailContext:
    builders: dict[EmailKind, Callable[[Text], EmailContext]] = {
        EmailKind.CONTENT: _content,
        EmailKind.MEETING: _meeting,
        EmailKind.MEETING_UPDATE: _meeting,
        EmailKind.MEETING_CANCELLED: _meeting,
        EmailKind.MEETING_REMINDER: _meeting,
        EmailKind.MEETING_WITHDRAWN: _meeting,
        EmailKind.MEETING_PLACE: _meeting_place,
        EmailKind.MINUTES: _minutes,
        EmailKind.ANNOUNCEMENT: _announcement,
        EmailKind.DIGEST: _digest,
        EmailKind.CONFIRM_SUBSCRIPTION: _confirm,
        EmailKind.DATA_REQUEST_VERIFY: _verify,
        EmailKind.CONFIRM_EMAIL_CHANGE: _email_change,
        EmailKind.NEW_LINKS: _new_links,
        EmailKind.ADMIN_SIGN_IN: _admin_sign_in,
        EmailKind.ARCHIVE_SIGN_IN: _archive_sign_in,
        EmailKind.ADMIN_WAITING: _admin_waiting,
        EmailKind.MEETING_PLACE: _meeting_place,
        EmailKind.ADMIN_INVITATION: _admin_invitation,
        EmailKind.APPROVAL_NEEDED: _approval_needed,
        EmailKind.ADMIN_TERM_ENDING: _term_ending,
        EmailKind.ACCESS_REVIEW: _access_review,
        EmailKind.ADMIN_SUSPENDED: _admin_suspended,
        EmailKind.MEMBERSHIP_DECIDED: _membership_decided,
    }
    return builders[kind](text)
