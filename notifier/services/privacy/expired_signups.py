"""Sign-ups that were never confirmed: the request and the person it created are deleted when it expires."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from notifier.db.models import Network
from notifier.db.session import unit_of_work
from notifier.repositories import signups as signup_repo
from notifier.services.privacy.erasure import erase_subscribers


def purge_expired_signups(sessions: sessionmaker[Session], now: datetime) -> tuple[int, int]:
    """Delete expired sign-ups and the people who never confirmed one: (sign-ups, subscribers).

    One unit of work per network (opened here, as retention's are), so deleting one network's people
    never holds another network's rows."""
    with unit_of_work(sessions) as uow:
        network_ids = list(uow.session.scalars(select(Network.id).order_by(Network.id)))
    signups = people = 0
    for network_id in network_ids:
        with unit_of_work(sessions) as uow:
            signups += signup_repo.delete_expired_signups(uow.session, network_id, now)
            never_confirmed = signup_repo.never_confirmed_without_signup(uow.session, network_id)
            # The same erasure as a removal request: every area's rows about them go (or lose the link).
            erase_subscribers(uow.session, network_id, never_confirmed)
            people += len(never_confirmed)
    return signups, people
