"""Helpers for driving the people-facing forms over HTTP as a browser without JavaScript would."""

from __future__ import annotations

import re

import httpx2
from fastapi.testclient import TestClient

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(client: TestClient, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200, page.text
    match = CSRF_FIELD.search(page.text)
    assert match, "the form carries no CSRF token"
    return match.group(1)


def subscribe(client: TestClient, slug: str, **fields: object) -> httpx2.Response:
    data: dict[str, object] = {
        "name": "Pat Lee",
        "email": "pat.lee@justice.gov.uk",
        "department": "Ministry of Justice",
        "topics": ["news"],
        "frequency": "immediate",
        "consent": "yes",
    }
    data.update(fields)
    data["csrf_token"] = csrf_from(client, f"/subscribe/{slug}")
    return client.post(f"/subscribe/{slug}", data=data, follow_redirects=False)
