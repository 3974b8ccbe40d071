"""The pages people see (GOV.UK Frontend, in the network's brand): subscribe and join, preferences,
unsubscribe, rights requests, the contact form, meeting pages, start and not-found pages."""
