"""Keeping each bulk email in the archive as it is sent: what its template needs (the message's own
context, which holds nobody's name, token or link), the topics it went to, and the words a search finds
it by. Digests are not kept: they repeat what is. A meeting is one item, as it now stands: each update
and the cancellation refresh it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from notifier.db.base import utcnow
from notifier.db.models import ArchiveItem
from notifier.rendering.emails import EmailKind
from notifier.repositories import archive as repo

# The context's fields that hold words a reader might search for (never a link or a time), after the
# title (which title_of makes of the kind's one title field: title, subject or meeting_title).
BODY_FIELDS = ("excerpt", "author", "body", "minutes_body", "agenda", "location", "note")
# Email kinds a meeting's item takes: its invitation while it stands, the cancellation once cancelled.
MEETING_ITEM_KINDS = frozenset({EmailKind.MEETING, EmailKind.MEETING_CANCELLED})
ARCHIVED_KINDS = (
    frozenset({EmailKind.CONTENT, EmailKind.ANNOUNCEMENT, EmailKind.MINUTES}) | MEETING_ITEM_KINDS
)


def title_of(kind: EmailKind, context: Mapping[str, Any]) -> str:
    if kind is EmailKind.ANNOUNCEMENT:
        return str(context["subject"])
    if kind is EmailKind.MINUTES:
        return f"Minutes: {context['meeting_title']}"
    title = str(context["title"])
    if kind is EmailKind.CONTENT and context.get("updated"):
        return f"Updated: {title}"
    if kind is EmailKind.MEETING_CANCELLED:
        return f"Cancelled: {title}"
    return title


def search_text_of(kind: EmailKind, context: Mapping[str, Any]) -> str:
    """The item's words: its title on the first line (so an excerpt can start after it), then each
    body field, then any tags."""
    words = [str(context[name]) for name in BODY_FIELDS if isinstance(context.get(name), str)]
    words += [str(tag) for tag in context.get("tags") or ()]
    return "\n".join([" ".join(title_of(kind, context).split()), *(w for w in words if w.strip())])


def record(
    session: Session,
    network_id: int,
    *,
    source_key: str,
    kind: EmailKind,
    context: Mapping[str, Any],
    topic_ids: Iterable[int],
    now: datetime | None = None,
) -> ArchiveItem:
    """Keep (or refresh) the item for one sent email; the topics it went to become the item's."""
    if kind not in ARCHIVED_KINDS:
        raise ValueError(f"{kind} emails are not kept in the archive")
    when = now or utcnow()
    kept = dict(context)
    kept.pop("answer_url", None)  # a reader's own link: the composer adds their token to it
    kept.pop("answer_by", None)
    kept.pop("access_question", None)
    item = repo.item_by_key(session, network_id, source_key)
    title = title_of(kind, kept)[:500]
    if item is None:
        item = ArchiveItem(network_id=network_id, source_key=source_key, sent_at=when)
        session.add(item)
    item.email_kind, item.title, item.context = kind.value, title, kept
    item.search_text, item.updated_at = search_text_of(kind, kept), when
    session.flush()
    repo.set_topics(session, item, list(topic_ids))
    return item


def record_event(
    session: Session,
    network_id: int,
    event_id: int,
    kind: str,
    context: Mapping[str, Any],
    topic_ids: list[int],
) -> ArchiveItem:
    """A page, an announcement or minutes: one item per event, for every topic it went to."""
    return record(
        session,
        network_id,
        source_key=f"event:{event_id}",
        kind=EmailKind(kind),
        context=context,
        topic_ids=topic_ids,
    )


def record_meeting(
    session: Session,
    network_id: int,
    meeting_id: int,
    *,
    cancelled: bool,
    context: Mapping[str, Any],
    topic_ids: list[int],
) -> ArchiveItem:
    """A meeting's one item, as the meeting now stands."""
    kind = EmailKind.MEETING_CANCELLED if cancelled else EmailKind.MEETING
    return record(
        session,
        network_id,
        source_key=f"meeting:{meeting_id}",
        kind=kind,
        context=context,
        topic_ids=topic_ids,
    )
