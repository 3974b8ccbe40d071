"""Where the files that are not Python are: the email and page templates, and GOV.UK Frontend's assets.

A checkout (or an editable install) reads them where they are, in templates/ and node_modules/. A built
wheel carries copies inside the package, in notifier/_shipped/, made by setup.py when it is built, so an
installed notifier serves pages without a checkout beside it. NOTIFIER_GOVUK_FRONTEND_DIR points at
another copy of GOV.UK Frontend's dist/govuk folder.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
SHIPPED_DIR = PACKAGE_DIR / "_shipped"  # only in a built package
CHECKOUT_DIR = PACKAGE_DIR.parent
FRONTEND_IN_NODE_MODULES = Path("node_modules") / "govuk-frontend" / "dist" / "govuk"
FRONTEND_STYLESHEET = "govuk-frontend.min.css"


class ResourceMissing(RuntimeError):
    """A file the service needs is not where the package or the setting says."""


def _templates_dir() -> Path:
    shipped = SHIPPED_DIR / "templates"
    return shipped if shipped.is_dir() else CHECKOUT_DIR / "templates"


TEMPLATES_DIR = _templates_dir()


def govuk_frontend_dir(configured: Path | None = None) -> Path:
    """GOV.UK Frontend's dist/govuk folder: the setting's, else the package's copy, else the checkout's."""
    if configured is not None:
        if not (configured / FRONTEND_STYLESHEET).is_file():
            raise ResourceMissing(
                f"NOTIFIER_GOVUK_FRONTEND_DIR: {configured} has no {FRONTEND_STYLESHEET}; "
                "point it at the dist/govuk folder of the govuk-frontend npm package"
            )
        return configured
    for candidate in (SHIPPED_DIR / "govuk-frontend", CHECKOUT_DIR / FRONTEND_IN_NODE_MODULES):
        if (candidate / FRONTEND_STYLESHEET).is_file():
            return candidate
    raise ResourceMissing(
        "GOV.UK Frontend is not installed: run scripts/bootstrap.sh in a checkout, install a wheel built "
        "from one, or set NOTIFIER_GOVUK_FRONTEND_DIR to its dist/govuk folder"
    )
