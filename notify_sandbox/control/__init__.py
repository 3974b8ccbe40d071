"""`/_sandbox/*`: the endpoints and the outbox page that tests and people use to look in and steer."""
