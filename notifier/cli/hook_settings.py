"""`notifier hook fields` and `notifier hook routing`: how a network's site is read, shown and set."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from notifier.cli.common import console, fail, network_or_fail, transaction
from notifier.config import Settings
from notifier.services.common import audit
from notifier.services.sources import site_settings


def fields(
    network: Annotated[str, typer.Option(help="The network's slug")],
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="FIELD=KEY[,KEY...], e.g. event.registration_deadline=deadline (repeat)"),
    ] = None,
    reset: Annotated[bool, typer.Option("--reset", help="Forget the network's own names")] = False,
) -> None:
    """Show (or set) which front-matter keys mean which of notifier's fields."""
    with transaction(Settings()) as uow:
        found = network_or_fail(uow, network)
        if set_ or reset:
            mapping: dict[str, Any] = {} if reset else dict(found.settings.get("fields") or {})
            for entry in set_ or []:
                name, sep, keys = entry.partition("=")
                if not sep or not name.strip():
                    fail(f"--set {entry!r}: write FIELD=KEY, e.g. event.contact_email=email")
                mapping[name.strip()] = [k.strip() for k in keys.split(",")]
            try:
                site_settings.set_fields(uow.session, found, mapping)
            except site_settings.SiteSettingsError as exc:
                fail(str(exc))
            audit.record(uow.session, found.id, audit.CLI_ACTOR, "site.fields", "network", found.id)
        shown = site_settings.show(found)
    for name, keys in shown["spellings"].items():
        own = " (the network's)" if name in shown["fields"] else ""
        console.print(f"{name:<30} {', '.join(keys)}{own}", markup=False)


def routing(
    network: Annotated[str, typer.Option(help="The network's slug")],
    set_json: Annotated[
        str | None,
        typer.Option(
            "--set",
            help='The rules as JSON: {"collections": {"events": ["events"]}, "categories": {...}, '
            '"tags": {...}, "default": ["news"]}',
        ),
    ] = None,
) -> None:
    """Show (or replace) which topics a page goes to by collection, category and tag."""
    with transaction(Settings()) as uow:
        found = network_or_fail(uow, network)
        if set_json is not None:
            try:
                rules = json.loads(set_json)
            except ValueError as exc:
                fail(f"--set: not JSON ({exc})")
            if not isinstance(rules, dict):
                fail("--set: give an object with collections, categories, tags and default")
            try:
                site_settings.set_routing(uow.session, found, rules)
            except site_settings.SiteSettingsError as exc:
                fail(str(exc))
            audit.record(uow.session, found.id, audit.CLI_ACTOR, "site.routing", "network", found.id)
        shown = site_settings.show(found)
    console.print_json(json.dumps(shown["routing"]))
