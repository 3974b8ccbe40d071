"""The admin API (bearer tokens, JSON) under /admin/api/networks/{slug}/: events, messages, meetings,
announcements, memberships, branding, the site hook's settings."""
