"""Rendering contexts for the steering group's own transactional emails, from the message's stored
context: sign-in links, invitations, what waits, approvals to give, terms ending, the access review
and a suspension. `ADMIN_CONTEXT_BUILDERS` joins services/delivery/emails.py's CONTEXT_BUILDERS."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from notifier.db.models import Network
from notifier.domain.sign_off import term_last_day
from notifier.rendering.admin_contexts import (
    AccessReviewEmail,
    AdminInvitationEmail,
    AdminSuspendedEmail,
    ApprovalNeededEmail,
    ReviewLine,
    TermEndingEmail,
)
from notifier.rendering.contexts import AdminSignInEmail, AdminWaitingEmail, EmailContext, Footer
from notifier.rendering.emails import EmailKind
from notifier.rendering.markdown import TrustedMarkdown
from notifier.services.delivery.email_previews import EmailPreview, render_preview, without_footer

AdminBuilder = Callable[[Mapping[str, Any], Network, Footer], EmailContext]


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _admin_sign_in(data: Mapping[str, Any], network: Network, footer: Footer) -> EmailContext:
    # The single-use link was made when the admin asked for it (services/admin/web_sessions.py).
    return AdminSignInEmail(
        network_name=network.name,
        sign_in_url=data["sign_in_url"],
        expiry_minutes=int(data["expiry_minutes"]),
        network_names=tuple(data.get("network_names") or ()),
    )


def _admin_waiting(data: Mapping[str, Any], network: Network, footer: Footer) -> EmailContext:
    return AdminWaitingEmail(
        network_name=network.name, lines=tuple(data["lines"]), admin_url=data["admin_url"]
    )


def _admin_invitation(data: Mapping[str, Any], network: Network, footer: Footer) -> EmailContext:
    return AdminInvitationEmail(
        network_name=network.name,
        invited_by=data["invited_by"],
        role=data["role"],
        sign_in_url=data["sign_in_url"],
        expiry_days=int(data["expiry_days"]),
    )


def _approval_needed(data: Mapping[str, Any], network: Network, footer: Footer) -> EmailContext:
    # The email waiting for approval, rendered as it will be sent (escaped by its own templates).
    inner = render_preview(network, EmailPreview.from_stored(data["email"]), data["public_base_url"])
    return ApprovalNeededEmail(
        network_name=network.name,
        what=data["what"],
        title=data["title"],
        asked_by=data["asked_by"],
        people=int(data["people"]),
        check_url=data["check_url"],
        email_subject=inner.subject,
        email_body=TrustedMarkdown(without_footer(inner.body)),
    )


def _term_ending(data: Mapping[str, Any], network: Network, footer: Footer) -> EmailContext:
    return TermEndingEmail(
        network_name=network.name,
        person_name=data["person_name"],
        role=data["role"],
        last_day=term_last_day(datetime.fromisoformat(data["ends_at"])),
        to_the_person=bool(data["to_the_person"]),
        team_url=data["team_url"],
    )


def _access_review(data: Mapping[str, Any], network: Network, footer: Footer) -> EmailContext:
    people = tuple(
        ReviewLine(
            name=line["name"],
            role=line["role"],
            last_signed_in=_when(line.get("last_signed_in")),
            term_last_day=term_last_day(datetime.fromisoformat(line["term_ends_at"]))
            if line.get("term_ends_at")
            else None,
        )
        for line in data["people"]
    )
    return AccessReviewEmail(
        network_name=network.name, quarter=data["quarter"], people=people, review_url=data["review_url"]
    )


def _suspended(data: Mapping[str, Any], network: Network, footer: Footer) -> EmailContext:
    return AdminSuspendedEmail(
        network_name=network.name,
        role=data["role"],
        last_signed_in=_when(data.get("last_signed_in")),
        inactive_for=data["inactive_for"],
        sign_in_url=data["sign_in_url"],
        contact_email=network.settings.get("steering_group_email") or None,
    )


ADMIN_CONTEXT_BUILDERS: dict[EmailKind, AdminBuilder] = {
    EmailKind.ADMIN_SIGN_IN: _admin_sign_in,
    EmailKind.ADMIN_WAITING: _admin_waiting,
    EmailKind.ADMIN_INVITATION: _admin_invitation,
    EmailKind.APPROVAL_NEEDED: _approval_needed,
    EmailKind.ADMIN_TERM_ENDING: _term_ending,
    EmailKind.ACCESS_REVIEW: _access_review,
    EmailKind.ADMIN_SUSPENDED: _suspended,
}
