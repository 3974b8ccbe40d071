"""A network's settings as its admins change them in the browser: the privacy notice, the work-email
domains, and the publish hook's secret (rotated with the old one still accepted for a grace period,
so the site's CI can be updated without a failed publish). Every change is audited by id only."""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from notifier.db.models import Network
from notifier.services.common import audit

DOMAIN_PATTERN = re.compile(r"^(\*\.)?[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$")
# The network.settings key holding {"secret": ..., "until": iso time}; a key name, not a secret.
PREVIOUS_SECRET = "hook_secret_previous"  # noqa: S105
HOOK_GRACE = timedelta(hours=24)


class SettingsError(ValueError):
    """The setting cannot be changed as asked; the message starts with the field's name."""


def update_privacy_notice(session: Session, network: Network, *, url: str, version: str, actor: str) -> None:
    url, version = url.strip(), " ".join(version.split())
    if not url.startswith("https://") or len(url) > 500:
        raise SettingsError("privacy_notice_url: enter the https address of the privacy notice")
    if not version or len(version) > 50:
        raise SettingsError("privacy_notice_version: enter the notice's version, up to 50 characters")
    network.privacy_notice_url, network.privacy_notice_version = url, version
    audit.record(session, network.id, actor, "privacy_notice_changed", "network", network.id)


def parse_domains(text: str) -> list[str]:
    """One pattern a line (`*.gov.uk`, `cabinetoffice.gov.uk`); SettingsError names the first bad one."""
    patterns = [line.strip().lower() for line in text.replace(",", "\n").splitlines() if line.strip()]
    for pattern in patterns:
        if not DOMAIN_PATTERN.match(pattern):
            raise SettingsError(f"domains: {pattern!r} is not a domain like cabinetoffice.gov.uk or *.gov.uk")
    if not patterns:
        raise SettingsError("domains: enter at least one work email domain")
    return list(dict.fromkeys(patterns))


def update_domains(session: Session, network: Network, text: str, *, actor: str) -> None:
    network.allowed_email_domains = parse_domains(text)
    audit.record(session, network.id, actor, "email_domains_changed", "network", network.id)


def rotate_hook_secret(session: Session, network: Network, *, actor: str, now: datetime) -> str:
    """A new secret, returned once; the old one is accepted until HOOK_GRACE has passed."""
    previous = {"secret": network.webhook_secret, "until": (now + HOOK_GRACE).isoformat()}
    network.settings = {**network.settings, PREVIOUS_SECRET: previous}
    network.webhook_secret = secrets.token_urlsafe(32)
    audit.record(session, network.id, actor, "hook_secret_rotated", "network", network.id)
    return network.webhook_secret


def hook_secrets(network: Network, now: datetime) -> list[str]:
    """The secrets a publish hook may be signed with now: the current one, and the previous one
    during its grace period."""
    valid = [network.webhook_secret]
    previous = network.settings.get(PREVIOUS_SECRET)
    if isinstance(previous, dict) and datetime.fromisoformat(str(previous.get("until"))) > now:
        valid.append(str(previous["secret"]))
    return valid
