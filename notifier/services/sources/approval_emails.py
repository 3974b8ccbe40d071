"""Telling the people who may approve that something waits for them: one transactional email each,
sent when it is asked for, showing exactly what will be sent and to how many (the email itself is
rendered when this one is composed, from the same stored context, so the two cannot differ)."""

from __future__ import annotations

from dataclasses import dataclass

from notifier.db.base import utcnow
from notifier.db.models import Network
from notifier.db.session import UnitOfWork
from notifier.domain.sources import AdminRole
from notifier.rendering.emails import EmailKind
from notifier.repositories import admins as admin_repo
from notifier.services.common.actor_names import actor_names
from notifier.services.common.actors import Actor
from notifier.services.common.ports import TaskQueue
from notifier.services.delivery.direct_sends import queue_one_email
from notifier.services.delivery.email_previews import EmailPreview


@dataclass(frozen=True)
class WaitingEmail:
    what: str  # "Meeting invitation"
    title: str
    email: EmailPreview
    people: int  # how many it will reach
    check_path: str  # the check page, under the service's base URL
    needs: AdminRole = AdminRole.APPROVER


def tell_approvers(
    uow: UnitOfWork, queue: TaskQueue, network: Network, waiting: WaitingEmail, asked_by: Actor, base_url: str
) -> int:
    """Email everyone who may decide, except the person who asked; how many were told."""
    base = base_url.rstrip("/")
    asker = actor_names(uow.session, network.id).actor(asked_by.audit_name)
    told = 0
    for member, person in admin_repo.live_team(uow.session, network.id):
        if not member.role.allows(waiting.needs) or asked_by.same_person(member.id):
            continue
        context = {
            "what": waiting.what,
            "title": waiting.title,
            "asked_by": asker,
            "people": waiting.people,
            "check_url": f"{base}{waiting.check_path}",
            "email": waiting.email.stored(),
            "public_base_url": base,
        }
        queue_one_email(uow, queue, person, EmailKind.APPROVAL_NEEDED, context, now=utcnow())
        told += 1
    return told
