"""A sandbox hosting two Notify services, and a network given the second as its own."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from notifier.config import NotifyKeyType
from notifier.db.base import utcnow
from notifier.db.models import Network
from notifier.services.admin import notify_services
from notifier.services.common.secrets_at_rest import SecretBox
from tests.support.sandbox import RunningSandbox

TWO_SERVICES = ("deployment", "own")
SERVICE_NAMES = {"deployment": "Staff Networks Notifier", "own": "A Network of Its Own"}


def service_config(directory: Path, names: tuple[str, ...]) -> Path:
    """The sandbox config: the first service is the deployment's (its keys are the printed
    NOTIFIER_NOTIFY_*); each has its own From name."""
    path = directory / "sandbox-services.toml"
    path.write_text(
        "\n".join(
            f'[[services]]\nname = "{name}"\nservice_name = "{SERVICE_NAMES.get(name, name.title())}"\n'
            for name in names
        )
    )
    return path


def own_service_for(
    session: Session, sandbox: RunningSandbox, network_id: int, encryption_key: str, service: str
) -> None:
    """Give the network the sandbox service `service` as its own (live key, its template)."""
    entry = notify_services.NotifyServiceEntry(
        NotifyKeyType.LIVE,
        sandbox.service_template_id(service),
        {NotifyKeyType.LIVE: sandbox.service_key(service, "live")},
    )
    network = session.get_one(Network, network_id)
    box = SecretBox([encryption_key.encode()])
    notify_services.set_notify_service(session, box, network, entry, actor="cli", now=utcnow())
