"""What the sandbox remembers and counts by: the stored notifications (the outbox), the sandbox
clock, and email addresses as Notify validates and compares them."""
