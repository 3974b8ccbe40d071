"""Email address rules Notify applies (facts §3.4), and the simulated and smoke-test addresses (§5)."""

from __future__ import annotations

import re
import string
from collections.abc import Iterable

import idna

ZERO_WIDTH_AND_NBSP = "\u180e\u200b\u200c\u200d\u2060\ufeff\u00a0"
_LOCAL_CHARS = r"a-zA-Z0-9.!#$%&'*+/=?^_`{|}~\-"
_ADDRESS = re.compile(rf"^[{_LOCAL_CHARS}]+@([^.@][^@\s]+)$")
_HOSTNAME_LABEL = re.compile(r"^(xn|[a-z0-9]+)(-?-[a-z0-9]+)*$", re.IGNORECASE)
_TOP_LEVEL_LABEL = re.compile(r"^([a-z]{2,63}|xn--([a-z0-9]+-)*[a-z0-9]+)$", re.IGNORECASE)
MAX_ADDRESS_LENGTH = 320
MAX_HOSTNAME_LENGTH = 253
MAX_LABEL_LENGTH = 63

PERMANENT_FAILURE_ADDRESS = "perm-fail@simulator.notify"
TEMPORARY_FAILURE_ADDRESS = "temp-fail@simulator.notify"
SMOKE_TEST_ADDRESSES = frozenset(
    {
        "simulate-delivered@notifications.service.gov.uk",
        "simulate-delivered-2@notifications.service.gov.uk",
        "simulate-delivered-3@notifications.service.gov.uk",
    }
)


class InvalidEmailAddress(ValueError):
    def __init__(self) -> None:
        super().__init__("Not a valid email address")


def strip_address(address: str) -> str:
    """Trim whitespace (and drop zero-width characters) as Notify does before validating and storing."""
    for character in ZERO_WIDTH_AND_NBSP:
        address = address.replace(character, "")
    return address.strip(string.whitespace)


def validate_email_address(address: str) -> str:
    """The trimmed address (case kept), or InvalidEmailAddress."""
    address = strip_address(address)
    match = _ADDRESS.match(address)
    if not match or len(address) > MAX_ADDRESS_LENGTH or ".." in address:
        raise InvalidEmailAddress
    hostname = match.group(1)
    if not hostname.isascii():
        try:
            hostname = idna.encode(hostname).decode("ascii")
        except idna.IDNAError as e:
            raise InvalidEmailAddress from e
    labels = hostname.split(".")
    if len(hostname) > MAX_HOSTNAME_LENGTH or len(labels) < 2:
        raise InvalidEmailAddress
    for label in labels:
        if not label or len(label) > MAX_LABEL_LENGTH or not _HOSTNAME_LABEL.match(label):
            raise InvalidEmailAddress
    if not _TOP_LEVEL_LABEL.match(labels[-1]):
        raise InvalidEmailAddress
    return address


def comparable(address: str) -> str:
    """The form used to compare addresses: trimmed and lower-cased."""
    return strip_address(address).lower()


def allowed_to_send_to(address: str, allowed: Iterable[str]) -> bool:
    wanted = comparable(address)
    return any(comparable(member) == wanted for member in allowed)
