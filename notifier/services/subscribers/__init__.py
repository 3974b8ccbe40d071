"""People and their consent: sign-ups, subscriptions, preferences, memberships, imports, address changes."""
