"""What a person types into the subscribe and join forms, checked field by field.

Each error message is the one the GOV.UK Design System would show next to the field (and in the error
summary), keyed by the field's name so the page can link the summary to the input.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from notifier.db.models import Network, Topic
from notifier.domain.statuses import Frequency
from notifier.services.subscribers.addresses import AddressRejected, checked_work_email

MAX_NAME = 200
MAX_DEPARTMENT = 200

DEFAULT_ELIGIBILITY = (
    "I work for a central government department, agency or arm's-length body, "
    "and I want to join the network as a member"
)


def consent_statement(network: Network) -> str:
    """The words people agree to; stored per privacy-notice version when first shown."""
    custom = network.settings.get("consent_statement")
    if isinstance(custom, str) and custom.strip():
        return custom.strip()
    return (
        f"I agree to {network.name} keeping my name, work email address and department to send me "
        "the emails I choose, as described in its privacy notice. I can unsubscribe at any time."
    )


def eligibility_statement(network: Network) -> str:
    custom = network.settings.get("membership_eligibility")
    return custom.strip() if isinstance(custom, str) and custom.strip() else DEFAULT_ELIGIBILITY


def public_topics(topics: list[Topic]) -> list[Topic]:
    """Topics anyone may choose; members-only topics come with an approved membership."""
    return [t for t in topics if not t.members_only]


@dataclass
class SignupForm:
    name: str = ""
    email: str = ""
    department: str = ""
    topics: list[str] = field(default_factory=list)  # topic slugs
    frequency: str = ""
    consent: bool = False
    membership: bool = False  # the join form
    eligible: bool = False


@dataclass(frozen=True)
class CheckedSignup:
    name: str
    email: str
    department: str
    topics: list[Topic]
    frequency: Frequency


def _frequency(form: SignupForm, chosen: list[Topic], errors: dict[str, str]) -> Frequency | None:
    """The chosen frequency; a request to join with no topics needs none (members' emails go out as
    they happen), so the join form asks only once a topic is ticked."""
    frequency = next((f for f in Frequency if f.value == form.frequency), None)
    if frequency is None and form.membership and not chosen and "topics" not in errors:
        return Frequency.IMMEDIATE
    if frequency is None:
        errors["frequency"] = "Select how often you want to get emails"
    return frequency


def check_signup(
    network: Network, topics: list[Topic], form: SignupForm
) -> tuple[CheckedSignup | None, dict[str, str]]:
    """The cleaned sign-up, or the errors by field name (in the order the form shows them)."""
    errors: dict[str, str] = {}
    name = _name(form, errors)
    address = _work_email(network, form, errors)
    department = _department(form, errors)
    chosen = _chosen_topics(topics, form, errors)
    frequency = _frequency(form, chosen, errors)
    _check_confirmations(form, errors)
    if errors or frequency is None:
        return None, errors
    return CheckedSignup(name, address, department, chosen, frequency), {}


def _name(form: SignupForm, errors: dict[str, str]) -> str:
    name = " ".join(form.name.split())
    if not name:
        errors["name"] = "Enter your full name"
    elif len(name) > MAX_NAME:
        errors["name"] = f"Full name must be {MAX_NAME} characters or fewer"
    return name


def _work_email(network: Network, form: SignupForm, errors: dict[str, str]) -> str:
    if not form.email.strip():
        errors["email"] = "Enter your work email address"
        return ""
    try:
        return checked_work_email(network, form.email)
    except AddressRejected as exc:
        errors["email"] = str(exc)
        return ""


def _department(form: SignupForm, errors: dict[str, str]) -> str:
    department = " ".join(form.department.split())
    if len(department) > MAX_DEPARTMENT:
        errors["department"] = f"Department must be {MAX_DEPARTMENT} characters or fewer"
    return department


def _chosen_topics(topics: list[Topic], form: SignupForm, errors: dict[str, str]) -> list[Topic]:
    """The public topics ticked, in the form's order; a request to join may tick none."""
    by_slug = {t.slug: t for t in public_topics(topics)}
    chosen = [by_slug[slug] for slug in dict.fromkeys(form.topics) if slug in by_slug]
    if len(chosen) != len(set(form.topics)):
        errors["topics"] = "Select topics from the list"
    elif not chosen and not form.membership:
        errors["topics"] = "Select at least one topic"
    return chosen


def _check_confirmations(form: SignupForm, errors: dict[str, str]) -> None:
    if form.membership and not form.eligible:
        errors["eligible"] = "Confirm that you can join the network"
    if not form.consent:
        errors["consent"] = "Confirm that you agree to the privacy notice"
