"""The one way into a network's rows: a `NetworkScope` carries the network (and the session) into every
lookup, so no caller writes `network_id ==` by hand and no caller can forget it.

Every surface (the public pages, the admin pages, the admin API) turns `NotFound` into its own 404,
so a row of another network answers exactly as a row that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from notifier.db.models import Network, Topic
from notifier.domain.ids import storable_id
from notifier.repositories import networks as network_repo


class NetworkOwned(Protocol):
    """A model whose rows belong to one network."""

    network_id: Any


Row = TypeVar("Row", bound=NetworkOwned)


class NotFound(LookupError):
    """Nothing of that name in this network: the surfaces answer 404 saying what was looked for."""

    def __init__(self, what: str, message: str | None = None) -> None:
        super().__init__(message or f"no such {what} in this network")
        self.what = what


@dataclass(frozen=True)
class NetworkScope:
    session: Session
    network: Network

    @property
    def network_id(self) -> int:
        return self.network.id

    def find(self, model: type[Row], row_id: int) -> Row | None:
        """The row with this id if it is this network's, else None (an id no row can have included)."""
        if not storable_id(row_id):
            return None
        row = self.session.get(model, row_id)
        return row if row is not None and row.network_id == self.network.id else None

    def get(self, model: type[Row], row_id: int, *, what: str) -> Row:
        row = self.find(model, row_id)
        if row is None:
            raise NotFound(what)
        return row

    def topics(self) -> list[Topic]:
        """The network's topics, by name."""
        return network_repo.list_topics(self.session, self.network.id)

    def topic_by_slug(self, slug: str) -> Topic | None:
        return network_repo.get_topic_by_slug(self.session, self.network.id, slug)

    def rows(self, model: type[Row]) -> Select[Row]:
        """`SELECT model WHERE network_id = this network`, to narrow further."""
        column = model.network_id
        return select(model).where(column == self.network.id)


def network_by_slug(session: Session, slug: str) -> NetworkScope:
    """The scope of the network at this address; NotFound when there is none."""
    network = session.scalars(select(Network).where(Network.slug == slug)).one_or_none()
    if network is None:
        raise NotFound("network", f"no network called {slug!r}")
    return NetworkScope(session, network)


def network_by_id(session: Session, network_id: int) -> NetworkScope:
    network = session.get(Network, network_id) if storable_id(network_id) else None
    if network is None:
        raise NotFound("network")
    return NetworkScope(session, network)
