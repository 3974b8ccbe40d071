"""The Protocol sending uses to turn (message, subscriber) into the subject and body Notify receives."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.orm import Session

from notifier.db.models import Message, Subscriber


@dataclass(frozen=True)
class ComposedEmail:
    subject: str
    body: str
    one_click_unsubscribe_url: str | None
    email_reply_to_id: str | None


class Composer(Protocol):
    def compose(self, session: Session, message: Message, subscriber: Subscriber) -> ComposedEmail: ...
