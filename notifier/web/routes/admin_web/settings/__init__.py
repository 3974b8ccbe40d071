"""A network's settings in the web admin (admin role), a page per area: the network's own settings
(`general`), how its site is read (`site`), its branding (`branding`) and its own Notify service
(`notify`). Each form does what the admin API and the CLI do, through the same service functions."""

from __future__ import annotations

from notifier.web.routes.admin_web.settings import branding, general, notify, site

ROUTERS = (general.router, site.router, branding.router, notify.router)
