"""A network's settings in the web admin (admin role), a page per area: the network's own settings
(`general`), how its site is read (`site`), its branding (`branding`), its own Notify service
(`notify`) and whether email waits for a second person (`sign_off`). Each form does what the admin
API and the CLI do, through the same service functions."""

from __future__ import annotations

from notifier.web.routes.admin_web.settings import branding, general, notify, sign_off, site

ROUTERS = (general.router, site.router, branding.router, notify.router, sign_off.router)
