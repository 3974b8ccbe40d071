"""Sign-ups that were never confirmed: the request and the person it created are deleted when it expires."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy.orm import Session

from notifier.repositories import signups as signup_repo
from notifier.services.privacy.erasure import erase_subscribers


def purge_expired_signups(session: Session, now: datetime) -> tuple[int, int]:
    """Delete expired sign-ups and the people who never confirmed one: (sign-ups, subscribers)."""
    signups = signup_repo.delete_expired_signups(session, now)
    by_network: dict[int, list[int]] = defaultdict(list)
    for network_id, subscriber_id in signup_repo.never_confirmed_without_signup(session):
        by_network[network_id].append(subscriber_id)
    for network_id, subscriber_ids in sorted(by_network.items()):
        # The same erasure as a removal request: every area's rows about them go (or lose the link).
        erase_subscribers(session, network_id, subscriber_ids)
    return signups, sum(len(ids) for ids in by_network.values())
