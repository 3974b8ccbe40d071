"""Links: only https to the network's site or this service (http only on loopback, for dev)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from notifier.rendering.markdown import (
    TrustedMarkdown,
    allowed_origin_set,
    escape_notify_inline,
    link,
    safe_link_url,
)
from tests.unit.rendering.notify_markdown_model import Link, parse, visible
from tests.unit.rendering.strategies import hostile_text, printable_text

SITE = "https://network.example.gov.uk"
SERVICE = "https://notifier.example.gov.uk"
ORIGINS = (SITE, SERVICE)
DEV_SERVICE = "http://127.0.0.1:8000"


def test_link_to_an_allowed_origin() -> None:
    built = link("Manage your email preferences", f"{SERVICE}/manage/abc.DEF-_1", allowed_origins=ORIGINS)
    assert isinstance(built, TrustedMarkdown)
    assert built == f"[Manage your email preferences]({SERVICE}/manage/abc.DEF-_1)"


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example/login",
        "https://network.example.gov.uk.evil.example/",
        "https://evil.example\\@network.example.gov.uk/",
        "https://network.example.gov.uk@evil.example/",
        "http://network.example.gov.uk/",
        "https://network.example.gov.uk:8443/",
        "javascript:alert(1)",
        "mailto:someone@network.example.gov.uk",
        "//evil.example/",
        "/relative/path",
        "https://network.example.gov.uk/a b",
        "https://network.example.gov.uk/\nx",
    ],
)
def test_link_refuses_anything_else(url: str) -> None:
    with pytest.raises(ValueError, match=r"link URL|not an http"):
        link("Go", url, allowed_origins=ORIGINS)


def test_refusal_names_the_host() -> None:
    with pytest.raises(ValueError, match=r"evil\.example"):
        link("Go", "https://evil.example/login", allowed_origins=ORIGINS)
    with pytest.raises(ValueError, match=r"must be https: network\.example\.gov\.uk"):
        link("Go", "http://network.example.gov.uk/", allowed_origins=ORIGINS)


def test_dev_mode_allows_http_only_on_loopback() -> None:
    for host in ("127.0.0.1:8000", "localhost:8000", "[::1]:8000"):
        url = f"http://{host}/confirm/token"
        assert link("Confirm", url, allowed_origins=(SITE, f"http://{host}")) == f"[Confirm]({url})"
    with pytest.raises(ValueError, match="must be https"):
        allowed_origin_set(["http://notifier.internal:8000"])
    with pytest.raises(ValueError, match=r"not allowed: 127\.0\.0\.1"):
        link("Confirm", "http://127.0.0.1:9999/x", allowed_origins=(DEV_SERVICE,))


def test_origins_compare_scheme_host_and_default_port() -> None:
    assert link("Read", "https://NETWORK.example.gov.uk:443/p", allowed_origins=(f"{SITE}/some/base/",))
    assert allowed_origin_set([SITE, f"{SITE}:443/", DEV_SERVICE]) == {
        ("https", "network.example.gov.uk", 443),
        ("http", "127.0.0.1", 8000),
    }


def test_url_characters_that_could_end_the_link_are_percent_encoded() -> None:
    url = f'{SITE}/posts/(draft)/it\'s "quoted"[1]'.replace(" ", "%20")
    built = link("Read", url, allowed_origins=ORIGINS)
    assert built == f"[Read]({SITE}/posts/%28draft%29/it%27s%20%22quoted%22%5B1%5D)"
    assert safe_link_url(f"{SITE}/a?b=1&c=%2F#frag", allowed_origins=ORIGINS) == f"{SITE}/a?b=1&c=%2F#frag"


def test_link_text_is_escaped_and_brackets_cannot_break_the_link() -> None:
    built = link("[x](https://evil.example) # ((body))", f"{SITE}/p", allowed_origins=ORIGINS)
    structures, links = parse(built)
    assert structures == []
    assert links == [Link(text=links[0].text, url=f"{SITE}/p")]
    assert visible(links[0].text) == "(x)(https://evil.example) # ((body))"


def test_link_refuses_empty_text() -> None:
    with pytest.raises(ValueError, match="link text is empty"):
        link(" \n ", f"{SITE}/p", allowed_origins=ORIGINS)


@given(hostile_text, st.sampled_from(["/", "/a/b", "/x?y=1#z"]))
def test_any_link_text_makes_exactly_one_link_to_the_given_url(text: str, path: str) -> None:
    if not escape_notify_inline(text).replace("\u200b", "").strip():
        with pytest.raises(ValueError, match="link text is empty"):
            link(text, SITE + path, allowed_origins=ORIGINS)
        return
    structures, links = parse(link(text, SITE + path, allowed_origins=ORIGINS))
    assert structures == []
    assert [found.url for found in links] == [SITE + path]


@given(printable_text.filter(lambda text: text.replace("\u200b", "").strip()))
def test_link_text_shows_the_original_characters(text: str) -> None:
    built = link(text, f"{SITE}/p", allowed_origins=ORIGINS)
    [found] = parse(built)[1]
    expected = " ".join(text.replace("[", "(").replace("]", ")").split()).replace("\u200b", "")
    assert visible(found.text) == expected


def test_link_refuses_invisible_text() -> None:
    with pytest.raises(ValueError, match="link text is empty"):
        link("\u200b \u200b", f"{SITE}/p", allowed_origins=ORIGINS)
