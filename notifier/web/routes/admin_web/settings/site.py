"""How the network's site is read (admin role): which topics a published page goes to (rules by
collection, category and tag, and the default topics) and the site's own names for front-matter
fields. The same data and checks as `notifier hook routing|fields` and the admin API's
`/site/routing|fields` (services/sources/site_settings.py), audited as the same actions."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from notifier.services.common import audit
from notifier.services.sources import site_settings
from notifier.services.sources.announcements import AnnouncementError
from notifier.services.sources.meetings import SourceDeps
from notifier.services.sources.site import known_pages
from notifier.services.sources.site_settings import (
    DEFAULT_SPELLINGS,
    ROUTING_KINDS,
    SiteSettingsError,
    routing_key,
)
from notifier.web.deps import QueueDep, SettingsDep, UowDep
from notifier.web.params import RowId
from notifier.web.routes.admin_web.session import AdminRoleDep, EditorDep, SignedIn, not_found, refused
from notifier.web.routes.admin_web.settings.common import (
    FormList,
    FormText,
    PostedForm,
    render_settings,
    saved,
)

router = APIRouter(tags=["admin pages"], include_in_schema=False)
KIND_NAMES = {"collections": "collection", "categories": "category", "tags": "tag"}
OUTCOMES = {"connected": "No, known at connection", "sent": "Yes", "recorded": "No"}
DONE = {
    "connect": "The site will be connected when its workflow next posts its whole page list.",
    "rule": "Rule saved.",
    "removed": "Rule removed.",
    "default": "Default topics saved.",
    "fields": "Front-matter names saved.",
}


def field_id(name: str) -> str:
    """The input for one of notifier's fields: `event.start` is `field-event-start`."""
    return "field-" + name.replace(".", "-")


def _page(
    signed_in: SignedIn,
    uow: UowDep,
    *,
    errors: dict[str, str] | None = None,
    notice: str = "",
    form: dict[str, Any] | None = None,
) -> HTMLResponse:
    shown = site_settings.show(signed_in.network)
    routing = shown["routing"]
    rules = [(kind, name, slugs) for kind in ROUTING_KINDS for name, slugs in routing.get(kind, {}).items()]
    own = shown["fields"]
    fields = [
        {
            "name": name,
            "id": field_id(name),
            "own": ", ".join(own.get(name, [])),
            "defaults": ", ".join(DEFAULT_SPELLINGS[name]),
        }
        for name in DEFAULT_SPELLINGS
    ]
    return render_settings(
        signed_in,
        "settings_site.html",
        title="Publishing from the site",
        section="site",
        errors=errors,
        notice=notice,
        form=form,
        topics=signed_in.scope.topics(),
        rules=rules,
        default_topics=routing.get("default", []),
        kinds=KIND_NAMES,
        fields=fields,
        connection=known_pages.connection(uow.session, signed_in.network),
        outcomes=OUTCOMES,
    )


@router.get("/admin/{slug}/settings/site", response_class=HTMLResponse)
def site_page(signed_in: AdminRoleDep, uow: UowDep, done: str = "") -> HTMLResponse:
    return _page(signed_in, uow, notice=DONE.get(done, ""))


def _routing_errors(exc: SiteSettingsError) -> dict[str, str]:
    """The form field a refusal belongs to, and its message naming the field."""
    _, _, rest = exc.field.partition(".")
    kind, _, name = rest.partition(".")
    if kind == "default":
        return {"default_topics": f"Default topics: {exc.message}"}
    if not name:  # the only refusal of a whole kind the form can meet: a rule without a name
        return {"rule_name": f"Rule name: {exc.message}"}
    return {"rule_topics": f"Topics for the {KIND_NAMES.get(kind, kind)} {name!r}: {exc.message}"}


def _store_routing(
    signed_in: SignedIn, uow: UowDep, routing: dict[str, Any], form: dict[str, Any], **detail: str
) -> HTMLResponse | None:
    """Replace the rules through the service; the page with the refusal, or None once stored."""
    network = signed_in.network
    try:
        with uow.attempt():
            site_settings.set_routing(uow.session, network, routing)
    except SiteSettingsError as exc:
        return _page(signed_in, uow, errors=_routing_errors(exc), form=form)
    audit.record(uow.session, network.id, signed_in.actor, "site.routing", "network", network.id, **detail)
    return None


def _current_routing(signed_in: SignedIn) -> dict[str, Any]:
    stored = site_settings.show(signed_in.network)["routing"]
    return {kind: dict(stored.get(kind, {})) for kind in ROUTING_KINDS} | {
        "default": list(stored.get("default", []))
    }


def _same_rule(kind: str, one: str, other: str) -> bool:
    """Pages meet collections by name and categories and tags by Jekyll's slug of them (publishing)."""
    return one == other if kind == "collections" else routing_key(one) == routing_key(other)


@router.post("/admin/{slug}/settings/site/rules", response_class=HTMLResponse)
def save_rule(
    signed_in: AdminRoleDep,
    uow: UowDep,
    kind: FormText = "",
    name: FormText = "",
    topics: FormList = None,
) -> Response:
    chosen = topics or []
    form = {"kind": kind, "name": name, "topics": chosen}
    if kind not in ROUTING_KINDS:
        errors = {"rule_kind": "Select whether the rule is for a collection, a category or a tag"}
        return _page(signed_in, uow, errors=errors, form=form)
    if not chosen:
        return _page(signed_in, uow, errors={"rule_topics": "Select the rule's topics"}, form=form)
    routing = _current_routing(signed_in)
    kept = {old: slugs for old, slugs in routing[kind].items() if not _same_rule(kind, old, name.strip())}
    routing[kind] = {**kept, name: chosen}  # a rule for the same name replaces it
    refused = _store_routing(signed_in, uow, routing, form, change="rule saved", kind=kind, rule=name)
    return refused or saved(signed_in, "site", "rule")


@router.post("/admin/{slug}/settings/site/rules/remove", response_class=HTMLResponse)
def remove_rule(signed_in: AdminRoleDep, uow: UowDep, kind: FormText = "", name: FormText = "") -> Response:
    routing = _current_routing(signed_in)
    if kind not in ROUTING_KINDS or name not in routing[kind]:
        raise not_found()
    del routing[kind][name]
    refused = _store_routing(signed_in, uow, routing, {}, change="rule removed", kind=kind, rule=name)
    return refused or saved(signed_in, "site", "removed")


@router.post("/admin/{slug}/settings/site/default", response_class=HTMLResponse)
def save_default(signed_in: AdminRoleDep, uow: UowDep, default_topics: FormList = None) -> Response:
    routing = _current_routing(signed_in)
    routing["default"] = default_topics or []
    form = {"default_topics": default_topics or []}
    refused = _store_routing(signed_in, uow, routing, form, change="default topics")
    return refused or saved(signed_in, "site", "default")


@router.post("/admin/{slug}/settings/site/fields", response_class=HTMLResponse)
def save_fields(signed_in: AdminRoleDep, uow: UowDep, posted: PostedForm) -> Response:
    network = signed_in.network
    typed = {name: str(posted.get(field_id(name)) or "") for name in DEFAULT_SPELLINGS}
    mapping = {
        name: [key for key in text.split(",") if key.strip()] for name, text in typed.items() if text.strip()
    }  # a field left blank uses the common spellings alone
    try:
        with uow.attempt():
            site_settings.set_fields(uow.session, network, mapping)
    except SiteSettingsError as exc:
        bad = exc.field.removeprefix("fields.")
        form = {field_id(name): text for name, text in typed.items()}
        return _page(signed_in, uow, errors={field_id(bad): f"{bad}: {exc.message}"}, form=form)
    audit.record(uow.session, network.id, signed_in.actor, "site.fields", "network", network.id)
    return saved(signed_in, "site", "fields")


@router.post("/admin/{slug}/settings/site/connect", response_class=HTMLResponse)
def connect_site(signed_in: AdminRoleDep, uow: UowDep) -> Response:
    known_pages.connect_at_next_post(uow.session, signed_in.network, signed_in.actor)
    return saved(signed_in, "site", "connect")


@router.post("/admin/{slug}/settings/site/pages/{page_id}/send", response_class=HTMLResponse)
def send_page(
    signed_in: EditorDep,
    uow: UowDep,
    settings: SettingsDep,
    queue: QueueDep,
    page_id: RowId,
    topic: FormText = "",
) -> Response:
    """One known page's email to a topic, as an announcement that goes through sign-off."""
    deps = SourceDeps.from_settings(settings, queue)
    try:
        with uow.attempt():
            announcement = known_pages.send_on_purpose(
                uow, deps, signed_in.network, page_id, signed_in.acting_as, topic_slug=topic
            )
    except AnnouncementError as exc:
        if exc.field == "page":
            raise not_found() from exc
        # Editors may send a page but not see the site's settings: the refusal has a page of its own.
        raise refused(
            "This page cannot be sent", exc.message,
            status_code=400, next_url=f"{signed_in.base}/announcements", next_text="Back to announcements",
        ) from exc  # fmt: skip
    return RedirectResponse(f"{signed_in.base}/announcements/{announcement.id}", status_code=303)
