"""What a production web or worker process checks in the database before it starts.

Settings alone cannot tell whether email can be sent: a deployment may leave its own Notify service
unset when every network brings its own (`notifier network notify set`).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from notifier.config import Settings
from notifier.services.admin.notify_services import service_ids_by_network


def notify_problem(session: Session, settings: Settings) -> str | None:
    """None when some Notify service can send; else one line naming the settings to set."""
    missing = []
    if not settings.notify_api_key:
        missing.append(f"NOTIFIER_NOTIFY_API_KEY_{settings.notify_key_type.value.upper()}")
    if not settings.notify_template_id:
        missing.append("NOTIFIER_NOTIFY_TEMPLATE_ID")
    if not missing or service_ids_by_network(session):
        return None
    return (
        f"{', '.join(missing)}: not set, and no network has a Notify service of its own, so no email "
        "could be sent (docs/deploy.md, 'GOV.UK Notify')"
    )
