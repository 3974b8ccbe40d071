"""Work-email rules: normalising addresses and matching them against a network's allowed domains."""

from __future__ import annotations

import hashlib
import hmac
from fnmatch import fnmatchcase


def normalise_email(address: str) -> str:
    """The form we store and compare: trimmed, lower-cased (work mail systems ignore case)."""
    return address.strip().lower()


def domain_allowed(address: str, patterns: list[str]) -> bool:
    """True when the address's domain matches one of the patterns (`cabinetoffice.gov.uk`, `*.gov.uk`).

    `*.gov.uk` matches any subdomain of gov.uk but not gov.uk itself; an empty list allows every domain.
    """
    if not patterns:
        return True
    domain = normalise_email(address).rpartition("@")[2]
    return any(fnmatchcase(domain, pattern.strip().lower()) for pattern in patterns)


def keyed_email_hash(key: str, address: str) -> str:
    """HMAC-SHA256 of the normalised address: lets suppressions outlive the address itself."""
    return hmac.new(key.encode(), normalise_email(address).encode(), hashlib.sha256).hexdigest()
