"""Deciding what waits for a second person, in the web admin: what is waiting (approval requests and
announcements), one request's check page (the email exactly as it will be sent, and to how many), and
approving, declining or withdrawing it.

Only a person signed in to the web admin decides (`Actor.signed_in`), with the role the kind needs,
and never the person who asked (for a token, the admin who made it). Approving claims the request
with a conditional UPDATE, so two approvers cannot both send it, and then does what was asked: the
caller runs it in `uow.attempt()`, so a step that can no longer be done (a meeting that has started
meanwhile) leaves the request waiting and stores nothing. The audit names both people by id:
`approval.approve` by the approver with `asked_by`, and the action itself by whoever asked with
`approved_by`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update

from notifier.db.base import utcnow
from notifier.db.models import Announcement, ApprovalRequest, Meeting, Network
from notifier.db.session import UnitOfWork
from notifier.domain.sign_off import ApprovalKind, ApprovalStatus
from notifier.domain.sources import AnnouncementStatus, MeetingStatus
from notifier.rendering.emails import RenderedEmail
from notifier.repositories.rows import affected
from notifier.services.common import audit
from notifier.services.common.actor_names import actor_names
from notifier.services.common.actors import Actor
from notifier.services.common.scope import NetworkScope
from notifier.services.delivery.email_previews import EmailPreview, render_preview
from notifier.services.sources import meetings, sign_off_setting
from notifier.services.sources.admin_events import PageByHand, page_email, publish_page
from notifier.services.sources.announcements import asker_of
from notifier.services.sources.approval_requests import ApprovalError
from notifier.services.sources.frontmatter import FieldProblem
from notifier.services.sources.meeting_changes import request_email, stored_changes
from notifier.services.sources.meeting_rules import MeetingError
from notifier.services.sources.meetings import SourceDeps

MEETING_KINDS = frozenset(
    {
        ApprovalKind.MEETING_INVITATION,
        ApprovalKind.MEETING_UPDATE,
        ApprovalKind.MEETING_CANCELLATION,
        ApprovalKind.MINUTES,
    }
)


@dataclass(frozen=True)
class WaitingItem:
    what: str
    title: str
    asked_by: str
    asked_at: datetime
    path: str  # its check page
    mine: bool


def waiting_items(scope: NetworkScope, viewer: Actor) -> list[WaitingItem]:
    """Everything of the network waiting for a second person, oldest first."""
    names, base = actor_names(scope.session, scope.network_id), f"/admin/{scope.network.slug}"
    requests = scope.session.scalars(
        scope.rows(ApprovalRequest).where(ApprovalRequest.status == ApprovalStatus.AWAITING)
    )
    items = [
        WaitingItem(r.kind.label, r.title, names.actor(r.asked_by), r.created_at,
                    f"{base}/approvals/{r.id}", viewer.same_person(r.asked_by_admin_id))
        for r in requests
    ]  # fmt: skip
    announcements = scope.session.scalars(
        scope.rows(Announcement).where(Announcement.status == AnnouncementStatus.AWAITING_APPROVAL)
    )
    items += [
        WaitingItem("Announcement", a.subject, names.actor(asker_of(a)), a.updated_at,
                    f"{base}/announcements/{a.id}", viewer.same_person(a.author_admin_id))
        for a in announcements
    ]  # fmt: skip
    return sorted(items, key=lambda item: item.asked_at)


def get_request(scope: NetworkScope, request_id: int) -> ApprovalRequest:
    return scope.get(ApprovalRequest, request_id, what="approval request")


@dataclass(frozen=True)
class RequestView:
    request: ApprovalRequest
    email: RenderedEmail | None
    people: int | None
    problem: str | None  # why it cannot be sent as it stands now
    asked_by: str
    decided_by: str | None
    mine: bool
    can_decide: bool


def _email(
    scope: NetworkScope, request: ApprovalRequest, deps: SourceDeps
) -> tuple[EmailPreview, int] | None:
    if request.kind in MEETING_KINDS:
        return request_email(scope.session, request, deps.meeting_links)
    if request.kind is ApprovalKind.CONTENT:
        return page_email(scope.session, scope.network, PageByHand(**request.payload["page"]))
    return None


def request_view(scope: NetworkScope, request_id: int, viewer: Actor, deps: SourceDeps) -> RequestView:
    request = get_request(scope, request_id)
    names = actor_names(scope.session, scope.network_id)
    email: RenderedEmail | None = None
    people: int | None = None
    problem = None
    try:
        found = _email(scope, request, deps)
        if found is not None:
            email = render_preview(scope.network, found[0], deps.meeting_links.public_base_url)
            people = found[1]
    except (MeetingError, FieldProblem) as exc:
        problem = exc.message
    decided = names.person(request.decided_by_admin_id) if request.decided_by_admin_id else None
    can = (
        request.status is ApprovalStatus.AWAITING
        and viewer.signed_in
        and viewer.role.allows(request.kind.needs)
        and not viewer.same_person(request.asked_by_admin_id)
    )
    mine = viewer.same_person(request.asked_by_admin_id)
    return RequestView(request, email, people, problem, names.actor(request.asked_by), decided, mine, can)


def _decider(request: ApprovalRequest, person: Actor) -> None:
    if not person.signed_in:
        raise ApprovalError(
            "approver",
            "approvals are made by people signed in to the web admin, never by a token or the command line",
            forbidden=True,
        )
    if not person.role.allows(request.kind.needs):
        raise ApprovalError("approver", f"this needs the {request.kind.needs.value} role", forbidden=True)
    if person.same_person(request.asked_by_admin_id):
        raise ApprovalError(
            "approver", "a second person must decide: nobody approves their own", forbidden=True
        )


def _claim(
    uow: UnitOfWork, request: ApprovalRequest, status: ApprovalStatus, person: Actor, note: str
) -> None:
    claimed = uow.session.execute(
        update(ApprovalRequest)
        .where(ApprovalRequest.id == request.id, ApprovalRequest.status == ApprovalStatus.AWAITING)
        .values(status=status, decided_by_admin_id=person.person_id, decided_at=utcnow(), decision_note=note)
    )
    if affected(claimed) != 1:
        raise ApprovalError("approval", "has been decided or withdrawn meanwhile", conflict=True)
    uow.session.refresh(request)


def approve(
    uow: UnitOfWork, deps: SourceDeps, scope: NetworkScope, request_id: int, approver: Actor
) -> ApprovalRequest:
    request = get_request(scope, request_id)
    _decider(request, approver)
    _claim(uow, request, ApprovalStatus.APPROVED, approver, "")
    audit.record(
        uow.session, scope.network_id, approver.audit_name, "approval.approve", "approval_request",
        request.id, kind=request.kind.value, asked_by=request.asked_by, meeting_id=request.meeting_id,
    )  # fmt: skip
    try:
        _perform(uow, deps, scope.network, request, approver.audit_name)
    except (MeetingError, FieldProblem) as exc:
        raise ApprovalError(exc.field, exc.message, conflict=True) from exc
    return request


def _perform(
    uow: UnitOfWork, deps: SourceDeps, network: Network, request: ApprovalRequest, approved_by: str
) -> None:
    payload, asked_by, kind = request.payload, request.asked_by, request.kind
    if kind is ApprovalKind.SIGN_OFF_SETTING:
        sign_off_setting.apply(
            uow, network, bool(payload["requires_sign_off"]), actor=asked_by, approved_by=approved_by
        )
        return
    if kind is ApprovalKind.CONTENT:
        publish_page(
            uow, deps.queue, network, PageByHand(**payload["page"]), actor=asked_by, approved_by=approved_by
        )
        return
    meeting = uow.session.get_one(Meeting, request.meeting_id)
    if kind is ApprovalKind.MEETING_INVITATION:
        meetings.send_invitation(uow, deps, meeting)
        audit.record(
            uow.session,
            network.id,
            asked_by,
            "meeting.invite",
            "meeting",
            meeting.id,
            approved_by=approved_by,
        )
    elif kind is ApprovalKind.MEETING_UPDATE:
        meetings.apply_update(uow, deps, meeting, stored_changes(payload), note=payload.get("note", ""),
                              actor=asked_by, approved_by=approved_by)  # fmt: skip
    elif kind is ApprovalKind.MEETING_CANCELLATION:
        meetings.apply_cancel(
            uow, deps, meeting, note=payload.get("note", ""), actor=asked_by, approved_by=approved_by
        )
    else:
        meetings.apply_minutes(
            uow, deps, network, meeting, url=payload.get("url", ""), body=payload.get("body", ""),
            actor=asked_by, held_override=bool(payload.get("held_override")), approved_by=approved_by,
        )  # fmt: skip


def decline(
    uow: UnitOfWork, deps: SourceDeps, scope: NetworkScope, request_id: int, person: Actor, *, note: str
) -> ApprovalRequest:
    """Nothing is sent; a declined invitation's meeting is cancelled (nobody was invited to it)."""
    request = get_request(scope, request_id)
    _decider(request, person)
    _claim(uow, request, ApprovalStatus.DECLINED, person, note.strip()[:1000])
    audit.record(
        uow.session, scope.network_id, person.audit_name, "approval.decline", "approval_request", request.id,
        kind=request.kind.value, asked_by=request.asked_by,
    )  # fmt: skip
    _drop_unsent_meeting(uow, deps, request, person.audit_name)
    return request


def withdraw(
    uow: UnitOfWork, deps: SourceDeps, scope: NetworkScope, request_id: int, person: Actor
) -> ApprovalRequest:
    """The person who asked takes it back; nothing is sent."""
    request = get_request(scope, request_id)
    if not person.same_person(request.asked_by_admin_id):
        raise ApprovalError(
            "approval", "only the person who asked can withdraw it; others decline it", forbidden=True
        )
    _claim(uow, request, ApprovalStatus.WITHDRAWN, person, "withdrawn by the person who asked")
    audit.record(
        uow.session, scope.network_id, person.audit_name, "approval.withdraw", "approval_request", request.id,
        kind=request.kind.value,
    )  # fmt: skip
    _drop_unsent_meeting(uow, deps, request, person.audit_name)
    return request


def _drop_unsent_meeting(uow: UnitOfWork, deps: SourceDeps, request: ApprovalRequest, actor: str) -> None:
    if request.kind is not ApprovalKind.MEETING_INVITATION:
        return
    meeting = uow.session.get_one(Meeting, request.meeting_id)
    if meeting.status is MeetingStatus.AWAITING_APPROVAL:
        meetings.apply_cancel(uow, deps, meeting, note="", actor=actor, sign_off="never_approved")
