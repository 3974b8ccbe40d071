"""Changing a draft, and a new draft copied from any announcement.

A draft can be changed until it is submitted, and never after: the change is a conditional UPDATE on
the draft status, so an edit racing a submit loses (409) and what an approver approves is exactly
what was submitted. Both are audited as the person who did them; the audit names the fields changed,
never their words.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import update

from notifier.db.base import utcnow
from notifier.db.models import Announcement, Network
from notifier.db.session import UnitOfWork
from notifier.domain.sources import AnnouncementStatus
from notifier.repositories.rows import affected
from notifier.services.common import audit
from notifier.services.common.actors import Actor
from notifier.services.sources.announcement_topics import store_topics, topic_ids_of
from notifier.services.sources.announcements import (
    AnnouncementError,
    check_words,
    chosen_topic_ids,
    new_draft,
)

NOT_YOUR_DRAFT = "was written by someone else: only its author changes a draft (copy it to make your own)"


def may_change(announcement: Announcement, actor: Actor) -> bool:
    """The draft's own author, while it is a draft."""
    return announcement.status is AnnouncementStatus.DRAFT and actor.same_person(announcement.author_admin_id)


def edit_draft(
    uow: UnitOfWork,
    network: Network,
    announcement: Announcement,
    editor: Actor,
    *,
    topic_slugs: Sequence[str],
    subject: str,
    body: str,
) -> Announcement:
    """New topics and words for a draft (a message to a meeting's Yes list keeps its meeting)."""
    if announcement.status is not AnnouncementStatus.DRAFT:
        raise AnnouncementError(
            "announcement", f"is {announcement.status.value}: only a draft can be changed", conflict=True
        )
    if not editor.same_person(announcement.author_admin_id):
        # Whoever writes words may not approve them, and approval knows only the author: so only the
        # author changes a draft; anyone else copies it into a draft of their own.
        raise AnnouncementError("announcement", NOT_YOUR_DRAFT, forbidden=True)
    subject, body = check_words(subject, body)
    session = uow.session
    topic_ids = chosen_topic_ids(session, network, topic_slugs) if announcement.meeting_id is None else []
    changed = [
        name
        for name, before, after in (
            ("subject", announcement.subject, subject),
            ("body", announcement.body, body),
            ("topics", sorted(topic_ids_of(session, announcement)), sorted(topic_ids)),  # order is no change
        )
        if before != after and not (name == "topics" and announcement.meeting_id is not None)
    ]
    edited = session.execute(
        update(Announcement)
        .where(Announcement.id == announcement.id, Announcement.status == AnnouncementStatus.DRAFT)
        .values(
            subject=subject,
            body=body,
            topic_id=topic_ids[0] if topic_ids else announcement.topic_id,
            updated_at=utcnow(),
        )
    )
    if affected(edited) != 1:
        raise AnnouncementError(
            "announcement", "was submitted or cancelled meanwhile: nothing was changed", conflict=True
        )
    session.refresh(announcement)
    if topic_ids:
        store_topics(session, announcement, topic_ids)
    audit.record(
        session, network.id, editor.audit_name, "announcement.edit", "announcement", announcement.id,
        changed=",".join(changed) or "nothing",
    )  # fmt: skip
    return announcement


def copy_as_draft(uow: UnitOfWork, network: Network, original: Announcement, author: Actor) -> Announcement:
    """A new draft with the original's subject, words and audience, written by `author`; the original
    is untouched whatever its state."""
    copy = new_draft(
        uow,
        network,
        author,
        original.subject,
        original.body,
        topic_ids=topic_ids_of(uow.session, original) if original.meeting_id is None else (),
        meeting_id=original.meeting_id,
    )  # a known page's copy is words of the copier's own, not the page's email again
    audit.record(
        uow.session, network.id, author.audit_name, "announcement.copy", "announcement", copy.id,
        copied_from=original.id,
    )  # fmt: skip
    return copy
