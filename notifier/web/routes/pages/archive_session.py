"""Who is reading a network's archive: the reader a session cookie names, as a dependency that raises
(a GET without a session goes to the sign-in page, a POST is refused), and the cookie itself:
HttpOnly, Secure, SameSite=Lax, scoped to the network's /archive/<slug>, holding a random secret whose
hash alone is stored."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Response, status

from notifier.services.archive.access import Reader
from notifier.services.archive.readers import NotSignedIn, ReaderPolicy, signed_in_reader
from notifier.web.cookies import READER_SESSION_COOKIE
from notifier.web.deps import NetworkDep, NowDep, SettingsDep
from notifier.web.problems import Problem


def cookie_path(slug: str) -> str:
    return f"/archive/{slug}"


def _reader(request: Request, scope: NetworkDep, settings: SettingsDep, now: NowDep) -> Reader:
    secret = request.cookies.get(READER_SESSION_COOKIE, "")
    try:
        return signed_in_reader(scope, secret, ReaderPolicy.from_settings(settings), now=now)
    except NotSignedIn as exc:
        if request.method in ("GET", "HEAD"):
            raise Problem(
                status.HTTP_303_SEE_OTHER,
                "Sign in",
                location=f"/archive/{scope.network.slug}/sign-in",
            ) from exc
        raise Problem(
            status.HTTP_403_FORBIDDEN,
            "You are not signed in",
            "Your session has ended, so nothing was changed. Sign in again and try once more.",
            network=scope.network,
        ) from exc


ReaderDep = Annotated[Reader, Depends(_reader)]


def set_reader_cookie(response: Response, slug: str, secret: str, policy: ReaderPolicy) -> None:
    response.set_cookie(
        READER_SESSION_COOKIE,
        secret,
        max_age=int(policy.absolute.total_seconds()),
        path=cookie_path(slug),
        httponly=True,
        secure=True,
        samesite="lax",
    )


def clear_reader_cookie(response: Response, slug: str) -> None:
    response.delete_cookie(
        READER_SESSION_COOKIE, path=cookie_path(slug), httponly=True, secure=True, samesite="lax"
    )
