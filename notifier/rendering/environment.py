"""The one Jinja2 Environment for email templates, built once per process.

Every `{{ value }}` goes through a finalize hook, so forgetting to escape is not possible:
- in a `.md` template (a body, read by Notify as markdown) the value is escaped with
  `escape_notify_inline` unless it is TrustedMarkdown (what `block` and `link` return);
- in a `.txt` template (a subject, which Notify does not read as markdown) the value is folded onto
  one trimmed line, and markdown there is refused.

Links need the origins they may point at: the caller puts them in the render context as
`allowed_origins` and the `link` filter reads them from there.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

from email_validator import EmailNotValidError, validate_email
from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context
from jinja2.runtime import Context

from notifier.rendering.london_time import london_clock, london_date, london_datetime, london_period
from notifier.rendering.markdown import (
    ZERO_WIDTH_SPACE,
    TrustedMarkdown,
    escape_notify_block,
    escape_notify_inline,
    link,
    plain_text_line,
)
from notifier.rendering.site_time import site_date, site_datetime, site_period
from notifier.resources import TEMPLATES_DIR

ALLOWED_ORIGINS_KEY = "allowed_origins"
PLAIN_TEXT_SUFFIX = ".txt"


@pass_context
def _finalize(context: Context, value: Any) -> str:
    if value is None:
        # A template printing None is a missing `{% if %}`, not something to show a reader.
        raise TypeError(f"template {context.name!r} printed None")
    if context.name is not None and context.name.endswith(PLAIN_TEXT_SUFFIX):
        if isinstance(value, TrustedMarkdown):
            raise TypeError(f"markdown printed in plain-text template {context.name!r}")
        return plain_text_line(str(value))
    if isinstance(value, TrustedMarkdown):
        return value
    return escape_notify_inline(str(value))


@pass_context
def _link_filter(context: Context, text: str, url: str) -> TrustedMarkdown:
    origins: Iterable[str] = context[ALLOWED_ORIGINS_KEY]
    return link(text, url, allowed_origins=origins)


def _block_filter(value: str) -> TrustedMarkdown:
    return escape_notify_block(value)


def _email_address_filter(value: str) -> TrustedMarkdown:
    """A contact address, checked and shown whole so mail clients can offer to write to it.

    Unlike other text its dots are not broken up: a valid address can only ever become a mailto link.
    """
    try:
        address = validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise ValueError(f"not an email address: {error}") from None
    return TrustedMarkdown(escape_notify_inline(address).replace("." + ZERO_WIDTH_SPACE, "."))


@functools.cache
def build_environment() -> Environment:
    """The process's email Environment over templates/ (names like "email/content/body.md")."""
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        undefined=StrictUndefined,
        autoescape=False,  # noqa: S701 - HTML escaping is wrong here; finalize escapes markdown
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        auto_reload=False,
    )
    environment.filters.update(
        block=_block_filter,
        link=_link_filter,
        email_address=_email_address_filter,
        london_date=london_date,
        london_datetime=london_datetime,
        london_clock=london_clock,
        london_period=london_period,
        site_date=site_date,
        site_datetime=site_datetime,
        site_period=site_period,
    )
    return environment
