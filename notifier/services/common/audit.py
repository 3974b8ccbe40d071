"""The audit trail of admin actions: who, what, to which object, when. Who is a person signed in to the
web admin (`admin:<id>`), an automation token (`token:<id>`, shown with its label and the admin who
made it), the command line acting for an admin it names (`cli:<admin id>`), or the service itself.

Only ids and action names go in: never a name, an address or free text someone typed. Names are
looked up when the trail is read (`services/common/actor_names.py`), so erasing a person erases
their name from it too.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from notifier.db.base import utcnow
from notifier.db.models import AuditRecord

CLI_ACTOR = "cli"  # the command line acting for nobody in particular (creating a network, say)
ANONYMOUS_ACTOR = "anonymous"  # someone not signed in: a refused or failed sign-in


def token_actor(token_id: int) -> str:
    return f"token:{token_id}"


def admin_actor(admin_id: int) -> str:
    return f"admin:{admin_id}"


def cli_actor(admin_id: int) -> str:
    """The command line, acting for the admin it names (`--as`)."""
    return f"cli:{admin_id}"


def record(
    session: Session,
    network_id: int,
    actor: str,
    action: str,
    object_type: str,
    object_id: int | None,
    **detail: int | str | bool | None,
) -> None:
    """Add an audit row in the caller's transaction, so it commits (or not) with the action."""
    session.add(
        AuditRecord(
            network_id=network_id,
            actor=actor,
            action=action,
            object_type=object_type,
            object_id=object_id,
            detail=detail,
            occurred_at=utcnow(),
        )
    )


def recent(session: Session, network_id: int, limit: int = 100) -> list[AuditRecord]:
    return list(
        session.scalars(
            select(AuditRecord)
            .where(AuditRecord.network_id == network_id)
            .order_by(AuditRecord.id.desc())
            .limit(limit)
        )
    )
