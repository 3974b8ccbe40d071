"""The outbox page's Unsubscribe button: a one-click POST (RFC 8058) as a mail client would send it."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx

from notify_sandbox.config.settings import is_loopback_host

ONE_CLICK_BODY = "List-Unsubscribe=One-Click"
TIMEOUT_SECONDS = 5.0


class OneClickUnsubscriber:
    def __init__(self) -> None:
        # TLS is verified except for loopback hosts, whose local servers use self-signed certificates.
        self._verified = httpx.AsyncClient(timeout=TIMEOUT_SECONDS, follow_redirects=False)
        self._loopback = httpx.AsyncClient(timeout=TIMEOUT_SECONDS, follow_redirects=False, verify=False)  # noqa: S501

    async def post(self, url: str) -> str:
        """What the endpoint answered, for the person reading the outbox (e.g. `200 OK`)."""
        client = self._loopback if is_loopback_host(urlsplit(url).hostname) else self._verified
        try:
            response = await client.post(
                url, content=ONE_CLICK_BODY, headers={"Content-Type": "application/x-www-form-urlencoded"}
            )
        except httpx.HTTPError as e:
            return f"failed: {type(e).__name__}"
        return f"{response.status_code} {response.reason_phrase}".strip()

    async def close(self) -> None:
        await self._verified.aclose()
        await self._loopback.aclose()
