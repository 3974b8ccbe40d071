"""Announcements as the admin web shows them: the list (waiting for approval first), a draft checked
field by field and previewed, and one announcement with its email, whose it is and its progress.
The rules of what may happen to an announcement are `announcements.py`'s."""

from __future__ import annotations

from dataclasses import dataclass, field

from notifier.db.models import Announcement, Topic
from notifier.domain.sources import AnnouncementStatus
from notifier.rendering.emails import RenderedEmail
from notifier.services.common.actors import Actor
from notifier.services.common.scope import NetworkScope
from notifier.services.sources import announcements as service
from notifier.services.sources.announcement_topics import topic_ids_of
from notifier.services.sources.announcements import CANCELLABLE, SUBMITTED


def get_announcement(scope: NetworkScope, announcement_id: int) -> Announcement:
    return scope.get(Announcement, announcement_id, what="announcement")


def announcements_of(scope: NetworkScope) -> list[Announcement]:
    """Every announcement of the network, newest first."""
    return list(scope.session.scalars(scope.rows(Announcement).order_by(Announcement.id.desc())))


def announcement_topic_ids(scope: NetworkScope, announcement: Announcement) -> list[int]:
    """Every topic it goes to, the first chosen first (none for a message to a meeting's Yes list)."""
    return topic_ids_of(scope.session, announcement)


@dataclass(frozen=True)
class AnnouncementList:
    rows: list[Announcement]
    topics: dict[int, str]


def announcement_list(scope: NetworkScope, limit: int = 200) -> AnnouncementList:
    query = scope.rows(Announcement).order_by(Announcement.id.desc()).limit(limit)
    rows = list(scope.session.scalars(query))
    waiting = [a for a in rows if a.status is AnnouncementStatus.AWAITING_APPROVAL]
    return AnnouncementList(
        waiting + [a for a in rows if a not in waiting], {t.id: t.name for t in scope.topics()}
    )


@dataclass(frozen=True)
class Draft:
    topics: tuple[str, ...] = field(default_factory=tuple)  # topic slugs
    subject: str = ""
    body: str = ""
    to_meeting: bool = False  # a message to a meeting's Yes list: no topics to choose


def draft_of(scope: NetworkScope, announcement: Announcement) -> Draft:
    """A stored draft as its form shows it."""
    slugs = {t.id: t.slug for t in scope.topics()}
    chosen = tuple(slugs[t] for t in topic_ids_of(scope.session, announcement) if t in slugs)
    return Draft(chosen, announcement.subject, announcement.body, announcement.meeting_id is not None)


def draft_errors(scope: NetworkScope, draft: Draft) -> dict[str, str]:
    errors = {}
    if not draft.to_meeting and (
        not draft.topics or any(scope.topic_by_slug(slug) is None for slug in draft.topics)
    ):
        errors["topic"] = "Select the topic or topics whose subscribers get the announcement"
    if not " ".join(draft.subject.split()):
        errors["subject"] = "Enter a subject"
    elif len(draft.subject) > 300:
        errors["subject"] = "Subject must be 300 characters or fewer"
    if not draft.body.strip() or len(draft.body) > 50_000:
        errors["body"] = "Enter the announcement, up to 50,000 characters"
    return errors


def preview_draft(scope: NetworkScope, draft: Draft, public_base_url: str) -> RenderedEmail:
    """The email a draft would be, stored nowhere."""
    found: Topic | None = scope.topic_by_slug(draft.topics[0]) if draft.topics else None
    unsaved = Announcement(
        network_id=scope.network_id,
        topic_id=found.id if found else 0,
        subject=" ".join(draft.subject.split()),
        body=draft.body.strip(),
    )
    return service.preview(scope.session, scope.network, unsaved, public_base_url)


@dataclass(frozen=True)
class AnnouncementView:
    announcement: Announcement
    email: RenderedEmail
    mine: bool
    can_approve: bool
    people: int  # how many it reaches, counted now

    @property
    def cancellable(self) -> bool:
        return self.announcement.status in CANCELLABLE

    @property
    def reschedulable(self) -> bool:
        return self.announcement.status in SUBMITTED


def announcement_view(
    scope: NetworkScope, announcement: Announcement, viewer: Actor, public_base_url: str
) -> AnnouncementView:
    session = scope.session
    email = service.preview(session, scope.network, announcement, public_base_url)
    mine = viewer.same_person(announcement.author_admin_id)
    people = service.audience(session, announcement)
    return AnnouncementView(announcement, email, mine, viewer.may_approve and not mine, people)
