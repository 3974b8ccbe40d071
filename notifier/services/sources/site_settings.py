"""A network's reading of its site: which front-matter keys mean which of notifier's fields, and
which topics a page goes to (by collection, category and tag).

Both live in `network.settings` (`fields`, `routing`) and are validated when set: an unknown field
or topic is refused naming where it was written, and nothing is half-stored. With no mapping, the
common spellings (`DEFAULT_SPELLINGS`) are understood: an `event:` block may say `deadline`,
`email` or `venue` as well as `registration_deadline`, `contact_email` and `location`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from notifier.db.models import Network
from notifier.repositories import networks as network_repo
from notifier.services.sources.jekyll.urls import slugify

DEFAULT_SPELLINGS: dict[str, tuple[str, ...]] = {
    "title": ("title",),
    "date": ("date",),
    "excerpt": ("excerpt", "description", "summary"),
    "author": ("author", "authors"),
    "event": ("event",),
    "event.start": ("start", "starts", "start_date", "start_time", "date"),
    "event.end": ("end", "ends", "end_date", "end_time", "finish"),
    "event.location": ("location", "venue", "place", "where", "address"),
    "event.registration_deadline": (
        "registration_deadline", "deadline", "register_by", "registration_closes", "closing_date", "book_by",
    ),
    "event.contact_email": ("contact_email", "email", "contact"),
}  # fmt: skip
ROUTING_KINDS = ("collections", "categories", "tags")
MAX_RULE_NAME = 200


class SiteSettingsError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def spellings(field_map: Mapping[str, Any] | None) -> dict[str, tuple[str, ...]]:
    """For each of notifier's fields, the site's keys to look for, the network's own first."""
    found = dict(DEFAULT_SPELLINGS)
    for name, keys in (field_map or {}).items():
        own = (keys,) if isinstance(keys, str) else tuple(keys)
        found[name] = own + tuple(k for k in DEFAULT_SPELLINGS.get(name, ()) if k not in own)
    return found


def canonical(
    values: Mapping[str, Any], names: Mapping[str, tuple[str, ...]], prefix: str = ""
) -> tuple[dict[str, Any], dict[str, str]]:
    """`values` with the site's keys renamed to notifier's (the first spelling present wins), and
    for each renamed field the site's own key; keys that are not mapped stay as they are."""
    out, renamed = dict(values), {}
    for name, keys in names.items():
        head, _, tail = name.rpartition(".")
        if head != prefix:
            continue
        for key in keys:
            if values.get(key) is not None:
                out[tail] = values[key]
                if key != tail:
                    renamed[tail] = key
                break
    return out, renamed


def set_fields(session: Session, network: Network, mapping: Mapping[str, Any]) -> dict[str, list[str]]:
    """Replace the network's field mapping; SiteSettingsError names the first bad entry."""
    clean: dict[str, list[str]] = {}
    for name, keys in mapping.items():
        if name not in DEFAULT_SPELLINGS:
            known = ", ".join(sorted(DEFAULT_SPELLINGS))
            raise SiteSettingsError(f"fields.{name}", f"is not one of notifier's fields ({known})")
        listed = [keys] if isinstance(keys, str) else keys
        if (
            not isinstance(listed, list)
            or not listed
            or not all(isinstance(k, str) and k.strip() for k in listed)
        ):
            raise SiteSettingsError(f"fields.{name}", "must be a front-matter key or a list of keys")
        if any(len(k) > 100 for k in listed) or len(listed) > 10:
            raise SiteSettingsError(f"fields.{name}", "at most 10 keys of at most 100 characters")
        clean[name] = [k.strip() for k in listed]
    network.settings = {**network.settings, "fields": clean}
    session.flush()
    return clean


def set_routing(session: Session, network: Network, routing: Mapping[str, Any]) -> dict[str, Any]:
    """Replace the network's routing rules; every topic named must be one of the network's."""
    topics = {t.slug for t in network_repo.list_topics(session, network.id)}
    clean: dict[str, Any] = {}
    for kind, rules in routing.items():
        if kind == "default":
            clean["default"] = _topics(rules, topics, "routing.default")
            continue
        if kind not in ROUTING_KINDS:
            raise SiteSettingsError(f"routing.{kind}", "must be collections, categories, tags or default")
        if not isinstance(rules, Mapping):
            raise SiteSettingsError(f"routing.{kind}", "must map names to lists of topics")
        clean[kind] = {
            _rule_name(kind, name): _topics(slugs, topics, f"routing.{kind}.{name}")
            for name, slugs in rules.items()
        }
    network.settings = {**network.settings, "routing": clean}
    session.flush()
    return clean


def _rule_name(kind: str, name: object) -> str:
    text = str(name).strip()
    if not text or len(text) > MAX_RULE_NAME:
        raise SiteSettingsError(
            f"routing.{kind}", f"each rule needs a name of 1 to {MAX_RULE_NAME} characters"
        )
    return text


def _topics(slugs: object, known: set[str], field: str) -> list[str]:
    listed = [slugs] if isinstance(slugs, str) else slugs
    if not isinstance(listed, list) or not all(isinstance(s, str) for s in listed):
        raise SiteSettingsError(field, "must be a list of topic slugs")
    for slug in listed:
        if slug not in known:
            raise SiteSettingsError(
                field, f"{slug!r} is not a topic of this network ({', '.join(sorted(known))})"
            )
    return list(dict.fromkeys(listed))


def show(network: Network) -> dict[str, Any]:
    """The mapping as set, the spellings in force, and the routing rules."""
    field_map = network.settings.get("fields") or {}
    return {
        "fields": field_map,
        "spellings": {name: list(keys) for name, keys in spellings(field_map).items()},
        "routing": network.settings.get("routing") or {},
    }


def routing_key(name: str) -> str:
    """Categories and tags match as Jekyll's slugs of them: `Staff News` is `staff-news`."""
    return slugify(name) or name.lower()
