"""Running a network: networks and topics, admin API tokens, reporting."""
