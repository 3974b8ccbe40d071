"""The admin API token a web admin acts through, for services written for tokens (announcements'
sign-off compares the author's and approver's token holders). It is made on first use with the
admin's current role and address; its secret is random and never shown, so only the web session
can use it. A role change is carried over to it the next time it is used; removing the admin revokes
it (team.py). The token names the admin (`acting_admin_id`), so what is done through it is audited as
`admin:<id>`, never as the token."""

from __future__ import annotations

import secrets

from sqlalchemy.orm import Session

from notifier.db.base import utcnow
from notifier.db.models import AdminMember, ApiToken, Subscriber
from notifier.services.admin.admin_tokens import hash_token


def acting_token(session: Session, admin: AdminMember, person: Subscriber) -> ApiToken:
    token = session.get(ApiToken, admin.acting_token_id) if admin.acting_token_id else None
    if token is None or token.revoked_at is not None:
        token = ApiToken(
            network_id=admin.network_id,
            token_hash=hash_token(secrets.token_urlsafe(32)),  # a secret nobody is given
            role=admin.role,
            label=f"web admin {admin.id}",
            holder_email=person.email,
            acting_admin_id=admin.id,
            created_at=utcnow(),
        )
        session.add(token)
        session.flush()
        admin.acting_token_id = token.id
    token.role, token.holder_email, token.acting_admin_id = admin.role, person.email, admin.id
    return token
