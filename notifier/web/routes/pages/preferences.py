"""Managing preferences from the signed link in every email's footer: no password needed.

The link's token carries ids only. Changes are POSTs with a CSRF token, answered with a redirect back
to the page (so refresh and the back button never repeat them); each change is idempotent anyway.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from notifier.domain.ids import id_from_text
from notifier.domain.statuses import Frequency
from notifier.services.archive.feeds import has_feed, revoke_feeds
from notifier.services.common.tokens import TokenPurpose
from notifier.services.subscribers.linked_people import LinkedPerson
from notifier.services.subscribers.preferences import PreferencesRefused
from notifier.services.subscribers.preferences_view import (
    cancel_membership,
    preferences_of,
    save_preferences,
    unsubscribe_from_page,
)
from notifier.web import csrf
from notifier.web.csrf import CheckedForm
from notifier.web.deps import NowDep, SettingsDep
from notifier.web.forms import FREQUENCIES, error_list
from notifier.web.pages import render_page
from notifier.web.signed_links import LinkWording, person_link

router = APIRouter(tags=["preferences"])
FormText = Annotated[str, Form()]
PersonDep = Annotated[LinkedPerson, person_link(TokenPurpose.MANAGE, LinkWording(offer_new_link=True))]
BANNERS = {
    "saved": "Your email preferences have been saved",
    "membership-cancelled": "Your membership has been cancelled",
    "feed-stopped": "Your feed's address has stopped working",
}


def _page(
    request: Request,
    settings: SettingsDep,
    person: LinkedPerson,
    token: str,
    *,
    banner: str | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    view, network = preferences_of(person), person.network
    form_token = csrf.issue(request, settings)
    page = render_page(
        "preferences.html",
        status_code=400 if errors else 200,
        title="Your email preferences",
        error_title=bool(errors),
        network=network,
        banner=banner,
        errors=errors or {},
        error_list=error_list(errors or {}),
        subscriptions=[choice.__dict__ for choice in view.subscriptions],
        choosable=view.choosable,
        chosen=view.chosen,
        frequency=view.frequency.value,
        frequencies=FREQUENCIES,
        suppressed=view.suppressed.value if view.suppressed else None,
        restricted=view.restricted,
        membership=view.membership,
        join_url=f"/join/{network.slug}",
        subscribe_url=f"/subscribe/{network.slug}",
        base=f"/preferences/{token}",
        csrf_token=form_token.form_value,
        privacy_notice_url=network.privacy_notice_url,
        archive_url=f"/archive/{network.slug}",
        archive_feed=has_feed(person.scope, person.subscriber.id),
    )
    return csrf.attach(page, form_token, settings)


def _back(token: str, banner: str) -> RedirectResponse:
    return RedirectResponse(f"/preferences/{token}?done={banner}", status_code=status.HTTP_303_SEE_OTHER)


@router.get("/preferences/{token}", response_class=HTMLResponse)
def preferences(
    token: str, request: Request, person: PersonDep, settings: SettingsDep, done: str = ""
) -> Response:
    return _page(request, settings, person, token, banner=BANNERS.get(done))


@router.post("/preferences/{token}", response_class=HTMLResponse, dependencies=[CheckedForm])
def save(
    token: str,
    request: Request,
    person: PersonDep,
    settings: SettingsDep,
    now: NowDep,
    topics: Annotated[list[str] | None, Form()] = None,
    frequency: FormText = "",
) -> Response:
    errors: dict[str, str] = {}
    chosen = {number for number in map(id_from_text, topics or []) if number is not None}
    if not chosen:
        errors["topics"] = "Select at least one topic, or unsubscribe from all emails"
    how_often = next((f for f in Frequency if f.value == frequency), None)
    if how_often is None:
        errors["frequency"] = "Select how often you want to get emails"
    if errors or how_often is None:
        return _page(request, settings, person, token, errors=errors)
    try:
        save_preferences(person, topic_ids=chosen, frequency=how_often, now=now)
    except PreferencesRefused as exc:
        return _page(request, settings, person, token, errors={"topics": str(exc)})
    return _back(token, "saved")


@router.post(
    "/preferences/{token}/membership/cancel", response_class=HTMLResponse, dependencies=[CheckedForm]
)
def cancel(token: str, person: PersonDep, now: NowDep) -> Response:
    cancel_membership(person, now)
    return _back(token, "membership-cancelled")


@router.post(
    "/preferences/{token}/archive-feed/revoke", response_class=HTMLResponse, dependencies=[CheckedForm]
)
def stop_archive_feed(token: str, person: PersonDep, now: NowDep) -> Response:
    revoke_feeds(person.scope, person.subscriber.id, now=now)
    return _back(token, "feed-stopped")


@router.post("/preferences/{token}/unsubscribe", response_class=HTMLResponse, dependencies=[CheckedForm])
def unsubscribe(token: str, person: PersonDep, now: NowDep, topic: FormText = "") -> Response:
    topic_id = None if topic == "all" else id_from_text(topic) or -1
    stopped = unsubscribe_from_page(person, topic_id, now)
    return render_page(
        "unsubscribed.html",
        title="You have unsubscribed",
        network=person.network,
        topic_name=stopped.name if stopped else None,
        manage_url=f"/preferences/{token}",
    )
