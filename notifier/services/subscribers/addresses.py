"""Checking a work email address against syntax and the network's domain policy."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email

from notifier.db.models import Network
from notifier.domain.emails import domain_allowed, normalise_email


class AddressRejected(ValueError):
    """The address cannot be used; the message is safe to show to the person who typed it."""


def checked_email(address: str) -> str:
    """The normalised address, or AddressRejected when it is not one (any domain)."""
    try:
        valid = validate_email(address.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise AddressRejected(
            "Enter an email address in the correct format, like name@department.gov.uk"
        ) from exc
    return normalise_email(valid.normalized)


def checked_work_email(network: Network, address: str) -> str:
    """The normalised address, or AddressRejected saying what is wrong with it."""
    normalised = checked_email(address)
    if not domain_allowed(normalised, network.allowed_email_domains):
        raise AddressRejected(
            f"Enter a work email address. {network.name} only accepts addresses ending in "
            + readable_domains(network.allowed_email_domains)
        )
    return normalised


def readable_domains(patterns: list[str]) -> str:
    """`*.gov.uk` and `cabinetoffice.gov.uk` as people read them: `.gov.uk or @cabinetoffice.gov.uk`."""
    shown = [p.removeprefix("*") if p.startswith("*.") else f"@{p}" for p in patterns]
    return ", ".join(shown[:-1]) + (" or " if len(shown) > 1 else "") + shown[-1]
