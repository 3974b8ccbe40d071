"""The address a network's meeting invitations come from (the calendar file's ORGANIZER).

It must be set before the first invitation: a made-up no-reply address on the site's domain would
be written into people's calendars and could not be taken back. Changing it raises the SEQUENCE of
every meeting still to come, so calendars that already hold those meetings take the new organiser
instead of keeping a file that silently differs from the one they have.
"""

from __future__ import annotations

from datetime import datetime

from email_validator import EmailNotValidError, validate_email
from sqlalchemy.orm import Session

from notifier.db.models import Network
from notifier.repositories import meetings as meeting_repo
from notifier.services.common import audit

ORGANISER_SETTING = "meeting_organizer_email"  # in network.settings
MISSING = (
    "the network has no meeting organiser address: an admin sets it in Settings (Meeting invitations) "
    "before the first invitation"
)


class OrganiserError(ValueError):
    """The organiser address cannot be used; `field` names the input."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message


def organiser_address(network: Network) -> str | None:
    value = network.settings.get(ORGANISER_SETTING)
    return value if isinstance(value, str) and "@" in value else None


def require_organiser(network: Network) -> str:
    address = organiser_address(network)
    if address is None:
        raise OrganiserError("organiser", MISSING)
    return address


def set_organiser(session: Session, network: Network, address: str, *, actor: str, now: datetime) -> int:
    """Set the organiser address; returns how many meetings' calendar entries were updated."""
    try:
        valid = validate_email(address.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise OrganiserError(
            "organiser", "Enter the organiser's email address, like meetings@network.example.gov.uk"
        ) from exc
    if valid == organiser_address(network):
        return 0
    network.settings = {**network.settings, ORGANISER_SETTING: valid}
    raised = meeting_repo.raise_sequence_of_upcoming(session, network.id, now)
    audit.record(
        session, network.id, actor, "meeting_organiser_changed", "network", network.id, meetings=raised
    )
    return raised
