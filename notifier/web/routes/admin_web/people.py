"""The members page: everyone the network sends email to by default, filtered by who they are, topic
and how often, searched by any part of a name, address or department, paged; an admin's bulk actions
on the people ticked (add to or take off a topic, download them as CSV, remove them after a check
page); the list as CSV (an admin's action); and each person's page. Every view of a person, every
export and every change is audited (ids only)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, status
from fastapi.responses import HTMLResponse, Response

from notifier.domain.statuses import Frequency
from notifier.services.admin import people
from notifier.services.admin.people import PeopleFilter, Who
from notifier.services.admin.people_changes import PeopleExport, export_people, view_person
from notifier.services.privacy.erasure import remove_people
from notifier.services.subscribers.bulk_topics import BulkRefused, TopicChange, add_to_topic, take_off_topic
from notifier.services.subscribers.signup_pages import confirm_links
from notifier.services.subscribers.signups import SignupContext
from notifier.web.deps import NowDep, QueueDep, SettingsDep, UowDep
from notifier.web.params import RowId
from notifier.web.routes.admin_web.session import AdminRoleDep, SignedIn, SignedInDep

router = APIRouter(tags=["admin pages"], include_in_schema=False)
FormText = Annotated[str, Form()]
FormIds = Annotated[list[int], Form()]
ADDED_WORDS = {
    "asked": "asked by email to confirm",
    "subscribed": "subscribed, with your reason kept with their consent",
    "already": "already subscribed",
    "suppressed": "not added: their address asked us to stop, or stopped taking email",
    "restricted": "not added: they asked us to restrict the use of their data",
}


def _filter(signed_in: SignedIn, q: str, who: str, topic: str, frequency: str) -> PeopleFilter:
    return PeopleFilter.parse(signed_in.scope.topics(), query=q, who=who, topic=topic, frequency=frequency)


def _members_page(
    signed_in: SignedIn,
    chosen: PeopleFilter,
    *,
    page: int = 1,
    notice: list[str] | None = None,
    errors: dict[str, str] | None = None,
    bulk: dict[str, Any] | None = None,
) -> HTMLResponse:
    found = people.find_people(signed_in.scope, chosen, page=page)
    return signed_in.page(
        "members.html",
        title="Members",
        active="members",
        status_code=status.HTTP_400_BAD_REQUEST if errors else 200,
        error_title=bool(errors),
        found=found,
        chosen=chosen,
        query=chosen.as_query(),
        whos=list(Who),
        topics=signed_in.scope.topics(),
        frequencies=list(Frequency),
        notice=notice or [],
        errors=errors or {},
        bulk=bulk or {"to_frequency": Frequency.IMMEDIATE.value, "consent": "ask", "person": []},
    )


@router.get("/admin/{slug}/members", response_class=HTMLResponse)
def members(
    signed_in: SignedInDep, q: str = "", who: str = "", topic: str = "", frequency: str = "", page: int = 1
) -> HTMLResponse:
    return _members_page(signed_in, _filter(signed_in, q, who, topic, frequency), page=page)


def _csv(export: PeopleExport) -> Response:
    return Response(
        export.text,
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{export.filename}"',
            "Cache-Control": "no-store",
        },
    )


@router.get("/admin/{slug}/members.csv")
def export_members(
    signed_in: AdminRoleDep, q: str = "", who: str = "", topic: str = "", frequency: str = ""
) -> Response:
    """Personal data leaves the service here: an admin's action, audited."""
    chosen = _filter(signed_in, q, who, topic, frequency)
    return _csv(export_people(signed_in.scope, chosen, actor=signed_in.actor))


@dataclass(frozen=True)
class BulkForm:
    """The members page's bulk form: the people ticked, what an action needs, and the list's filter."""

    person: list[int]
    to_topic: str
    to_frequency: str
    consent: str
    reason: str
    q: str
    who: str
    topic: str
    frequency: str

    def change(self) -> TopicChange:
        return TopicChange(self.person, self.to_topic, self.to_frequency, self.consent, self.reason)

    def chosen(self, signed_in: SignedIn) -> PeopleFilter:
        return _filter(signed_in, self.q, self.who, self.topic, self.frequency)


def _bulk_form(
    person: FormIds = [],  # noqa: B006 (FastAPI copies defaults)
    to_topic: FormText = "",
    to_frequency: FormText = Frequency.IMMEDIATE.value,
    consent: FormText = "ask",
    reason: FormText = "",
    q: FormText = "",
    who: FormText = "",
    topic: FormText = "",
    frequency: FormText = "",
) -> BulkForm:
    return BulkForm(person, to_topic, to_frequency, consent, reason, q, who, topic, frequency)


BulkDep = Annotated[BulkForm, Depends(_bulk_form)]


def _refused(signed_in: SignedIn, form: BulkForm, errors: dict[str, str]) -> HTMLResponse:
    return _members_page(signed_in, form.chosen(signed_in), errors=errors, bulk=asdict(form))


@router.post("/admin/{slug}/members/add", response_class=HTMLResponse)
def bulk_add(
    signed_in: AdminRoleDep, form: BulkDep, uow: UowDep, queue: QueueDep, settings: SettingsDep, now: NowDep
) -> Response:
    """Each ticked person asked to confirm the topic (or, with a reason, subscribed)."""
    context = SignupContext(confirm_links(settings), settings.hash_key, settings.import_confirm_days, now)
    try:
        with uow.attempt():
            topic, outcome = add_to_topic(
                uow, queue, signed_in.scope, form.change(), context, actor=signed_in.actor
            )
    except BulkRefused as refused:
        return _refused(signed_in, form, refused.errors)
    lines = [f"{count} {ADDED_WORDS[kind.value]}" for kind, count in outcome.items() if count]
    return _members_page(signed_in, form.chosen(signed_in), notice=[f"Added to {topic.name}:", *lines])


@router.post("/admin/{slug}/members/take-off", response_class=HTMLResponse)
def bulk_take_off(signed_in: AdminRoleDep, form: BulkDep, uow: UowDep, now: NowDep) -> Response:
    try:
        with uow.attempt():
            topic, ended = take_off_topic(signed_in.scope, form.change(), actor=signed_in.actor, now=now)
    except BulkRefused as refused:
        return _refused(signed_in, form, refused.errors)
    return _members_page(signed_in, form.chosen(signed_in), notice=[f"{ended} taken off {topic.name}."])


@router.post("/admin/{slug}/members/export")
def bulk_export(signed_in: AdminRoleDep, form: BulkDep) -> Response:
    """The ticked people as CSV: personal data leaving the service, an admin's action, audited."""
    if not form.person:
        return _refused(signed_in, form, {"person": "Select at least one person"})
    everyone = PeopleFilter(who=Who.EVERYONE)
    return _csv(export_people(signed_in.scope, everyone, actor=signed_in.actor, only=form.person))


@router.post("/admin/{slug}/members/remove-check", response_class=HTMLResponse)
def bulk_remove_check(signed_in: AdminRoleDep, form: BulkDep) -> Response:
    """Removing people erases them: a page listing whom, with the button that does it."""
    if not form.person:
        return _refused(signed_in, form, {"person": "Select at least one person"})
    chosen = people.selected_people(signed_in.scope, form.person)
    return signed_in.page(
        "members_remove.html", title="Remove these people and their data?", active="members", chosen=chosen
    )


@router.post("/admin/{slug}/members/remove", response_class=HTMLResponse)
def bulk_remove(signed_in: AdminRoleDep, person: FormIds = []) -> Response:  # noqa: B006
    """After the check page: erase them, as for an erasure request."""
    removed = remove_people(signed_in.scope, person, me=signed_in.person, actor=signed_in.actor)
    words = "person and their data" if removed == 1 else "people and their data"
    return _members_page(signed_in, PeopleFilter(), notice=[f"Removed {removed} {words}."])


@router.get("/admin/{slug}/people/{subscriber_id}", response_class=HTMLResponse)
def person(subscriber_id: RowId, signed_in: SignedInDep) -> HTMLResponse:
    record = view_person(signed_in.scope, subscriber_id, actor=signed_in.actor)
    return signed_in.page("person.html", title=record.subscriber.name, active="members", record=record)
