"""Managing preferences from the signed link in every email's footer: no password needed.

The link's token carries ids only. Changes are POSTs with a CSRF token, answered with a redirect back
to the page (so refresh and the back button never repeat them); each change is idempotent anyway.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from notifier.db.base import utcnow
from notifier.db.models import Topic
from notifier.domain.statuses import ConsentSource, Frequency, SubscriberStatus, SubscriptionEndReason
from notifier.repositories import networks as network_repo
from notifier.repositories import subscribers as subscriber_repo
from notifier.services.subscribers import memberships
from notifier.services.subscribers.preferences import PreferencesRefused, update_preferences
from notifier.services.subscribers.signup_form import public_topics
from notifier.services.subscribers.subscriptions import unsubscribe
from notifier.web import csrf
from notifier.web.deps import LinksDep, SettingsDep, UowDep
from notifier.web.lookups import Person, hinted_network, link_problem, person_from_preferences_link
from notifier.web.pages import render_page
from notifier.web.routes.pages.subscribe import CSRF_ERROR, FREQUENCIES

router = APIRouter(tags=["preferences"])
FormText = Annotated[str, Form()]
BANNERS = {
    "saved": "Your email preferences have been saved",
    "membership-cancelled": "Your membership has been cancelled",
}


def _person(uow: UowDep, links: LinksDep, token: str) -> Person | HTMLResponse:
    found = person_from_preferences_link(uow, links, token)
    if isinstance(found, Person):
        return found
    return link_problem(found, network=hinted_network(uow, links, token), offer_new_link=found is not None)


def _page(
    request: Request,
    uow: UowDep,
    settings: SettingsDep,
    person: Person,
    token: str,
    *,
    banner: str | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    session, network, subscriber = uow.session, person.network, person.subscriber
    topics: dict[int, Topic] = {t.id: t for t in network_repo.list_topics(session, network.id)}
    active = [s for s in subscriber_repo.active_subscriptions(session, subscriber.id) if s.topic_id in topics]
    subscriptions = sorted(
        (
            {"topic": topics[s.topic_id].name, "topic_id": s.topic_id, "frequency": s.frequency.value}
            for s in active
        ),
        key=lambda s: str(s["topic"]),
    )
    frequencies = {s.frequency for s in active if not topics[s.topic_id].members_only}
    suppression = subscriber_repo.suppression_reason(session, network.id, subscriber.email_hash)
    form_token = csrf.issue(request, settings)
    page = render_page(
        "preferences.html",
        status_code=400 if errors else 200,
        title="Your email preferences",
        error_title=bool(errors),
        network=network,
        banner=banner,
        errors=errors or {},
        error_list=[{"text": text, "href": f"#{field}"} for field, text in (errors or {}).items()],
        subscriptions=subscriptions,
        choosable=public_topics(list(topics.values())),
        chosen={s.topic_id for s in active},
        frequency=(frequencies.pop() if len(frequencies) == 1 else Frequency.IMMEDIATE).value,
        frequencies=FREQUENCIES,
        suppressed=suppression.value if suppression else None,
        restricted=subscriber.status is SubscriberStatus.RESTRICTED,
        membership=memberships.is_member(session, subscriber.id),
        join_url=f"/join/{network.slug}",
        subscribe_url=f"/subscribe/{network.slug}",
        base=f"/preferences/{token}",
        csrf_token=form_token.form_value,
        privacy_notice_url=network.privacy_notice_url,
    )
    return csrf.attach(page, form_token, settings)


def _back(token: str, banner: str) -> RedirectResponse:
    return RedirectResponse(f"/preferences/{token}?done={banner}", status_code=status.HTTP_303_SEE_OTHER)


@router.get("/preferences/{token}", response_class=HTMLResponse)
def preferences(
    token: str, request: Request, uow: UowDep, links: LinksDep, settings: SettingsDep, done: str = ""
) -> Response:
    person = _person(uow, links, token)
    if isinstance(person, HTMLResponse):
        return person
    return _page(request, uow, settings, person, token, banner=BANNERS.get(done))


@router.post("/preferences/{token}", response_class=HTMLResponse)
def save_preferences(
    token: str,
    request: Request,
    uow: UowDep,
    links: LinksDep,
    settings: SettingsDep,
    topics: Annotated[list[str] | None, Form()] = None,
    frequency: FormText = "",
    csrf_token: FormText = "",
) -> Response:
    person = _person(uow, links, token)
    if isinstance(person, HTMLResponse):
        return person
    if not csrf.is_valid(request, settings, csrf_token):
        return _page(request, uow, settings, person, token, errors={"topics": CSRF_ERROR})
    errors: dict[str, str] = {}
    chosen = {int(t) for t in topics or [] if t.isdigit()}
    if not chosen:
        errors["topics"] = "Select at least one topic, or unsubscribe from all emails"
    how_often = next((f for f in Frequency if f.value == frequency), None)
    if how_often is None:
        errors["frequency"] = "Select how often you want to get emails"
    if errors or how_often is None:
        return _page(request, uow, settings, person, token, errors=errors)
    try:
        update_preferences(
            uow.session,
            person.network,
            person.subscriber,
            topic_ids=chosen,
            frequency=how_often,
            now=utcnow(),
        )
    except PreferencesRefused as exc:
        return _page(request, uow, settings, person, token, errors={"topics": str(exc)})
    return _back(token, "saved")


@router.post("/preferences/{token}/membership/cancel", response_class=HTMLResponse)
def cancel_membership(
    token: str,
    request: Request,
    uow: UowDep,
    links: LinksDep,
    settings: SettingsDep,
    csrf_token: FormText = "",
) -> Response:
    person = _person(uow, links, token)
    if isinstance(person, HTMLResponse):
        return person
    if not csrf.is_valid(request, settings, csrf_token):
        return _page(request, uow, settings, person, token, errors={"membership": CSRF_ERROR})
    memberships.cancel(uow.session, person.network, person.subscriber, now=utcnow())
    return _back(token, "membership-cancelled")


@router.post("/preferences/{token}/unsubscribe", response_class=HTMLResponse)
def unsubscribe_from_preferences(
    token: str,
    request: Request,
    uow: UowDep,
    links: LinksDep,
    settings: SettingsDep,
    topic: FormText = "",
    csrf_token: FormText = "",
) -> Response:
    person = _person(uow, links, token)
    if isinstance(person, HTMLResponse):
        return person
    if not csrf.is_valid(request, settings, csrf_token):
        return _page(request, uow, settings, person, token, errors={"unsubscribe": CSRF_ERROR})
    network = person.network
    topic_id = None if topic == "all" else int(topic) if topic.isdigit() else -1
    chosen = None if topic_id is None else network_repo.get_topic(uow.session, network.id, topic_id)
    if topic_id is not None and chosen is None:
        return link_problem(None)
    unsubscribe(
        uow.session,
        network,
        person.subscriber,
        topic_id=topic_id,
        source=ConsentSource.FORM,
        reason=SubscriptionEndReason.UNSUBSCRIBED,
        now=utcnow(),
    )
    return render_page(
        "unsubscribed.html",
        title="You have unsubscribed",
        network=network,
        topic_name=chosen.name if chosen else None,
        manage_url=f"/preferences/{token}",
    )
